"""A study's records as one analysis snapshot: read once per data revision, kept for the next run.

Investigators re-run a study with other windows, thresholds or models far more often than its data
change. The worker process therefore keeps the frames of the last few snapshots it read (setting
`ANALYSIS_SNAPSHOTS_KEPT`), keyed by everything that identifies the records: the database, the study
(its primary key and creation time, so a study re-created under a reused key is a new one), its data
revision (bumped by every write, `registry.services`) and the sites read. The study's own fields and
its sites' names are read afresh every time; they are not records and do not bump the revision.
"""
from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction

from cohorts.analysis.frames import StudyFrames
from registry.flatfile.writer import one_snapshot
from registry.models import Study

from .selectors import study_frames, study_record, study_sites

RECORD_TABLES = tuple(f.name for f in dataclasses.fields(StudyFrames) if f.name not in ("study", "sites"))

_kept: OrderedDict[tuple, tuple[StudyFrames, str]] = OrderedDict()
_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Snapshot:
    frames: StudyFrames
    data_revision: int
    records_digest: str  # of the record tables; `digest` adds the study and its sites
    reused: bool  # the records came from the worker's memory, not the database

    @property
    def digest(self) -> str:
        hashed = hashlib.sha256(self.records_digest.encode())
        hashed.update(repr(sorted(self.frames.study.items())).encode())
        _update(hashed, self.frames.sites)
        return hashed.hexdigest()


def study_snapshot(study: Study, site_ids) -> Snapshot:
    """The study's records at `site_ids` and the revision they are at, from one database snapshot."""
    site_ids = tuple(sorted(site_ids))
    with transaction.atomic():
        one_snapshot()
        current = Study.objects.get(pk=study.pk)
        key = (connection.settings_dict["NAME"], current.pk, current.created_at, current.data_revision, site_ids)
        with _lock:
            kept = _kept.get(key)
            if kept:
                _kept.move_to_end(key)
        if kept:
            frames, records = kept
            frames = dataclasses.replace(frames, study=study_record(current), sites=study_sites(current, site_ids))
        else:
            frames = study_frames(current, site_ids)  # in the snapshot the revision was read in
    if not kept:
        records = records_digest(frames)
        _keep(key, frames, records)
    return Snapshot(frames, current.data_revision, records, reused=kept is not None)


def records_digest(frames: StudyFrames) -> str:
    """SHA-256 of the record tables, column by column: equal frames give the same digest whatever
    database they came from."""
    hashed = hashlib.sha256()
    for table in RECORD_TABLES:
        _update(hashed, getattr(frames, table), label=table)
    return hashed.hexdigest()


def forget_snapshots() -> None:
    with _lock:
        _kept.clear()


def _keep(key: tuple, frames: StudyFrames, records: str) -> None:
    with _lock:
        _kept[key] = (frames, records)
        while len(_kept) > max(0, settings.ANALYSIS_SNAPSHOTS_KEPT):
            _kept.popitem(last=False)


def _update(hashed, frame: pd.DataFrame, label: str = "") -> None:
    hashed.update(f"{label}:{len(frame)}".encode())
    for name, series in frame.items():
        hashed.update(f"|{name}:{series.dtype}|".encode())
        if isinstance(series.dtype, pd.BooleanDtype):
            hashed.update(series.array._data.tobytes() + series.array._mask.tobytes())
        elif series.dtype == object:
            # Joined text hashes several times faster than pandas' per-value hashing. NUL marks an
            # empty cell: PostgreSQL text cannot hold it.
            values = series.to_numpy()
            missing = pd.isna(values)
            if missing.any():
                values = np.where(missing, "\x00", values)
            hashed.update("\x1f".join(values.tolist()).encode())
        else:
            hashed.update(np.ascontiguousarray(series.to_numpy()).tobytes())
