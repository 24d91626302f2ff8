"""Synthetic, clinically plausible study folders in the flat CSV format v1 (FORMAT.md), of any size.

`write_study` writes the nine files of a study folder for an adult blinatumomab study or a pediatric
maintenance study, shaped like the two real folders in `registry/demo_studies/`. Each patient's
chart comes from its own random stream (seed, population and patient number), so a seed always
gives the same bytes, and patient n is the same person in a study of 50 or of 100,000 patients with
the same seed and number of sites. Rows stream to the files in chunks of patients, so memory stays
flat (about 60 MB) at any size.

Pure Python on purpose: the `generate_demo` management command, benchmarks and tests call it
without a database.
"""
from __future__ import annotations

import csv
import math
import random
from itertools import accumulate
from pathlib import Path
from typing import Callable, NamedTuple

from ._adult import adult_chart
from ._common import HEADERS, PATIENT_FILES, Chart, Rows, Site
from ._pediatric import pediatric_chart

__all__ = ["write_study"]

_CHUNK = 2000  # patients per write


class _Population(NamedTuple):
    index_treatment: str
    id_prefix: str
    chart: Callable[..., Chart]
    default_sites: int
    code_word: str
    title: str


_POPULATIONS = {
    "ADULT": _Population("BLINATUMOMAB", "A", adult_chart, 3, "ADULT",
                         "IVIG during blinatumomab in adults with B-ALL"),
    "PEDIATRIC": _Population("MAINTENANCE", "P", pediatric_chart, 5, "PED",  # the paper's 5 Medical Centers
                             "IVIG during maintenance chemotherapy in children with ALL"),
}


def write_study(folder: Path, *, patients: int, seed: int, population: str = "ADULT",
                study_code: str | None = None, sites: int | None = None) -> dict[str, int]:
    """Write a complete study folder; return the number of data rows per file name.

    `sites` defaults to 3 (adult) or 5 (pediatric), or one per 2,000 patients when that is more
    (at most 200). Files of the nine names are replaced; other files in the folder are left alone.
    """
    if population not in _POPULATIONS:
        raise ValueError(f"population must be ADULT or PEDIATRIC, not {population!r}")
    if patients < 1 or seed < 0:
        raise ValueError("patients must be at least 1 and seed at least 0")
    kind = _POPULATIONS[population]
    site_count = sites if sites is not None else max(kind.default_sites, min(200, patients // 2000))
    if site_count < 1:
        raise ValueError("sites must be at least 1")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    site_table = _sites(seed, population, site_count)
    title = f"{kind.title} (synthetic: {patients} made-up patients, seed {seed})"
    study_row = (study_code or f"SYN-{kind.code_word}-{seed}", title, population, kind.index_treatment)
    counts = _write_study_and_sites(folder, study_row, site_table, population)
    counts.update(_write_patients(folder, patients, seed, population, kind, site_table))
    return counts


def _sites(seed: int, population: str, count: int) -> list[Site]:
    """Centres and their practice leanings, from a stream of their own (independent of patients).
    Leanings are centred on the study's average, so cohort share and lab counts hold at any site count."""
    rng = random.Random(f"sites:{population}:{seed}:{count}")
    width = max(2, len(str(count)))
    spread = .5 if population == "ADULT" else .8
    drawn = [(rng.gauss(0, spread), rng.gauss(0, .6), rng.randint(-20, 20)) for _ in range(count)]
    weights = _site_weights(count)
    ivig_mean, lab_mean = (sum(w * d[k] for w, d in zip(weights, drawn)) / sum(weights) for k in (0, 1))
    return [Site(code=f"SYN-{population[0]}{n:0{width}d}", ivig_log_odds=leaning - ivig_mean,
                 lab_frequency=math.exp(frequency - lab_mean), limit_offset=offset)
            for n, (leaning, frequency, offset) in enumerate(drawn, start=1)]


def _site_weights(count: int) -> list[float]:
    return [1 / math.sqrt(n) for n in range(1, count + 1)]  # a few large centres, many small


def _write_study_and_sites(folder: Path, study_row: tuple, site_table: list[Site], population: str) -> dict:
    kind = "adult" if population == "ADULT" else "pediatric"
    rows = {
        "study.csv": [study_row],
        "sites.csv": [(site.code, f"Synthetic {kind} centre {site.code[5:]} (made-up)") for site in site_table],
    }
    for name, records in rows.items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")  # the title may hold a comma: quote it
            writer.writerow(HEADERS[name])
            writer.writerows(records)
    return {name: len(records) for name, records in rows.items()}


def _write_patients(folder: Path, patients: int, seed: int, population: str, kind: _Population,
                    site_table: list[Site]) -> dict[str, int]:
    """Charts in chunks, written as plain joined lines: every field is a code, a number or a date,
    none can hold a comma or a quote, and this is twice as fast as csv.writer."""
    width = max(3, len(str(patients)))
    salt = 1 if population == "ADULT" else 2
    cumulative = list(accumulate(_site_weights(len(site_table))))
    handles = {name: open(folder / name, "w", encoding="utf-8", newline="") for name in PATIENT_FILES}
    counts = dict.fromkeys(PATIENT_FILES, 0)
    try:
        for name, handle in handles.items():
            handle.write(",".join(HEADERS[name]) + "\n")
        for first in range(1, patients + 1, _CHUNK):
            rows = Rows()
            for number in range(first, min(patients, first + _CHUNK - 1) + 1):
                rng = random.Random((seed << 40) + (salt << 36) + number)
                site = rng.choices(site_table, cum_weights=cumulative)[0]
                rows.write_chart(f"{kind.id_prefix}{number:0{width}d}", kind.chart(rng, site))
            for name, lines in rows.lines.items():
                handles[name].write("".join(lines))
                counts[name] += len(lines)
    finally:
        for handle in handles.values():
            handle.close()
    return counts
