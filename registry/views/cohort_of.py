"""The cohort of each patient, as the latest analysis the user may see assigned it.

The cohort is a result of the analysis (DEFINITIONS.md windows), not a field of the patient, so the
list and the patient page read it from the latest succeeded run's document, one small JSON lookup
per study.
"""
from __future__ import annotations

from cohorts.models import AnalysisResult, RunStatus
from cohorts.selectors import runs_visible_to


def latest_runs(user, study_ids) -> dict[int, int]:
    """study id → id of the latest succeeded run the user sees."""
    runs = (runs_visible_to(user).filter(study_id__in=list(study_ids), status=RunStatus.SUCCEEDED)
            .order_by("study_id", "-finished_at", "-id").values_list("study_id", "id"))
    latest: dict[int, int] = {}
    for study_id, run_id in runs:
        latest.setdefault(study_id, run_id)
    return latest


def cohort_maps(user, study_ids) -> dict[int, dict[str, str | None]]:
    """study id → {patient_id: cohort} from the latest run; studies never analysed are absent."""
    latest = latest_runs(user, study_ids)
    if not latest:
        return {}
    found = AnalysisResult.objects.filter(run_id__in=latest.values()).values_list("run__study_id",
                                                                                   "document__cohort_of")
    return {study_id: (mapping or {}) for study_id, mapping in found}


def cohort_of(user, patient) -> tuple[str | None, int | None]:
    """(cohort, run id) of one patient, or (None, None) when the study was never analysed."""
    latest = latest_runs(user, [patient.study_id])
    run_id = latest.get(patient.study_id)
    if run_id is None:
        return None, None
    key = f"document__cohort_of__{patient.patient_id}"
    cohort = AnalysisResult.objects.filter(run_id=run_id).values_list(key, flat=True).first()
    return cohort, run_id
