"""Pure-Python analysis of one study (no Django): frames in, the RESULTS.md document out.

The functions the Django side calls:

- `frames_from_tables(study, tables) -> StudyFrames` (or `read_folder(path)` for a CSV folder);
- `analyse(frames, parameters, progress=None) -> dict`, the analysis document;
- `patient_endpoints(frames, parameters) -> DataFrame`, one row per patient, for export;
- `patient_eligibility(frames, parameters) -> DataFrame`, the inclusion criteria per patient;
- `labs_with_days_since_last_ivig(frames) -> DataFrame`, every lab row with days since IVIG;
- `AnalysisParameters` (`to_dict`, `from_dict`, `fingerprint`).
"""
from cohorts.analysis.document import analyse
from cohorts.analysis.eligibility import patient_eligibility
from cohorts.analysis.endpoints import patient_endpoints
from cohorts.analysis.frames import StudyFrames, frames_from_tables, read_folder
from cohorts.analysis.labs import labs_with_days_since_last_ivig
from cohorts.analysis.parameters import AnalysisParameters, ParameterError

__all__ = ["AnalysisParameters", "ParameterError", "StudyFrames", "analyse", "frames_from_tables",
           "labs_with_days_since_last_ivig", "patient_eligibility", "patient_endpoints", "read_folder"]
