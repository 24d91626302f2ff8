"""A hand-written pandas + scipy + statsmodels computation of both papers' tables.

It is the performance baseline of `bench/analysis.py` and an independent cross-check of the
registry's engine: written from `../shared/validation/DEFINITIONS.md` alone, it imports nothing of
`cohorts/analysis/` but the `StudyFrames` loader, and `tests/bench/test_baseline_tables.py` checks it
against both demo studies' `expected.json`.

    python -m bench.baseline FOLDER [OUTPUT.json]

`tables(frames, policy)` returns the RESULTS.md document (`study`, `population`, `cohort_sizes`,
`cohort_of`, `rows`) with the defaults of DEFINITIONS.md; `common.Policy` says where exact
computations give way on large studies, as the engine's parameters do.
"""
from __future__ import annotations

import numpy as np

from .adult import adult_rows
from .common import Policy
from .pediatric import pediatric_rows

__all__ = ["Policy", "tables"]


def tables(frames, policy: Policy = Policy()) -> dict:
    """The analysis document of one study (frames as `cohorts.analysis.frames.StudyFrames`)."""
    population = frames.study["population"]
    study, rows = (adult_rows if population == "ADULT" else pediatric_rows)(frames, policy)
    ids = study.patients["patient_id"].to_numpy(dtype=object)
    assigned = np.isin(study.cohort, ("IVIG", "CONTROL"))
    sizes = {c: int((study.cohort == c).sum()) for c in ("IVIG", "CONTROL")}
    sizes["ALL"] = sizes["IVIG"] + sizes["CONTROL"]
    return {"study": frames.study["study_code"], "population": population, "cohort_sizes": sizes,
            "cohort_of": dict(zip(ids[assigned].tolist(), study.cohort[assigned].tolist())), "rows": rows}
