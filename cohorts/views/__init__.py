"""The investigators' pages (a package: dashboard, runs, comparison, and how tables are laid out)."""
from .compare import run_compare
from .dashboard import analysis_launch, study_dashboard, study_list
from .runs import run_detail, run_figure, run_progress, run_tables

__all__ = ["analysis_launch", "run_compare", "run_detail", "run_figure", "run_progress", "run_tables",
           "study_dashboard", "study_list"]
