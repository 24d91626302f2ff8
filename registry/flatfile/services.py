"""Use cases of the flat CSV format: import a study folder (all or nothing) and export one."""
from __future__ import annotations

from pathlib import Path

from django.db import DataError, IntegrityError, transaction

from registry import access
from registry.errors import RegistryError
from registry.models import ImportBatch, Site, Study

from .loader import load_study, remove_study_records
from .reader import ParsedStudy, read_study_folder
from .writer import export_study


class StudyExists(RegistryError):
    code = "study_exists"


class ImportRefused(RegistryError):
    code = "import_refused"


def study_import_check(*, user, folder: Path) -> ParsedStudy:
    """Parse and validate without writing (the dry run); raises FolderInvalid with every problem."""
    parsed = read_study_folder(folder)
    if user is not None and not user.is_superuser:
        _check_may_import(user, parsed)
    return parsed


def study_import(*, user, folder: Path, replace: bool = False) -> ImportBatch:
    """Import one study folder in one transaction; on any error nothing is written.

    `user` is None for the command line (the operator of the machine). Re-importing a study that
    exists is refused unless `replace`, which swaps the old records for the new ones atomically and
    leaves every removed record in the history.
    """
    parsed = study_import_check(user=user, folder=folder)
    code = parsed.study["study_code"]
    try:
        with transaction.atomic():
            study = Study.objects.select_for_update().filter(code=code).first()
            if study is not None and not replace:
                raise StudyExists(
                    f"Study {code} is already in the registry; nothing was imported. "
                    "Use --replace to replace its records (the old ones stay in the audit history)."
                )
            if study is not None:
                _check_may_replace(user, study)
                remove_study_records(study, user=user, reason=f"replaced by a new import of {code}")
            return load_study(parsed, user=user, study=study)
    except (DataError, IntegrityError) as error:
        # The reader checks every rule first; this is the database's last word (say, the same new
        # study imported twice at once), reported like any other refusal rather than as a crash.
        raise ImportRefused(f"The database refused the folder; nothing was imported. ({error})") from error


def study_export(*, user, study: Study, folder: Path) -> dict[str, int]:
    """Write `study` as a flat CSV v1 folder, limited to the user's sites (all sites for the command line)."""
    site_ids = None if user is None or user.is_superuser else access.site_ids_where(user)
    return export_study(study, folder, site_ids=site_ids)


def _check_may_import(user, parsed: ParsedStudy) -> None:
    codes = set(parsed.sites["site_code"])
    allowed = set(Site.objects.filter(id__in=access.site_ids_where(user, access.ENTERS_DATA)).values_list("code", flat=True))
    missing = sorted(codes - allowed)
    if missing:
        raise access.AccessDenied(
            f"You cannot enter data at site(s) {', '.join(missing)}; ask a site admin for access."
        )


def _check_may_replace(user, study: Study) -> None:
    """Replacing removes every patient of the study, so the user must enter data at all its sites."""
    if user is None or user.is_superuser:
        return
    sites = set(study.patients.values_list("site_id", flat=True))
    if not sites <= access.site_ids_where(user, access.ENTERS_DATA):
        raise access.AccessDenied(
            f"Study {study.code} has patients at sites where you cannot enter data; it was not replaced."
        )
