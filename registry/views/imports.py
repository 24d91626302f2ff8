"""Import a study folder in the browser: upload a zip, read the dry run, then import with progress.

The dry run (`study_import_check`) runs in the request and lists every problem by file and line;
the import runs in a Celery worker (`registry.tasks.import_study_folder`) and is all or nothing.
"""
from __future__ import annotations

import shutil
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from registry.errors import AccessDenied
from registry.flatfile.kinds import FILES
from registry.flatfile.reader import FolderInvalid
from registry.flatfile.services import study_import_check
from registry.forms import ImportUploadForm
from registry.models import ImportJob, Study
from registry.selectors import import_jobs_visible_to
from registry.tasks import import_study_folder, job_directory, problem_row

from .common import must_enter_data_somewhere, page

Status = ImportJob.Status
MAX_UNPACKED_BYTES = 2 * 1024**3
KNOWN_FILES = {spec.file_name for spec in FILES}


class ArchiveInvalid(ValueError):
    """The upload is not a zip of a study folder; the message says what to do."""


def unpack(upload, destination: Path) -> Path:
    """Extract the CSV files of a zip safely and return the folder that holds study.csv."""
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile as error:
        raise ArchiveInvalid("This file is not a readable .zip archive.") from error
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")
               and not PurePosixPath(m.filename).name.startswith(".") and "__MACOSX" not in m.filename]
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise ArchiveInvalid("The unpacked files would exceed 2 GB; split the study or import it from the "
                             "command line.")
    parents = {PurePosixPath(m.filename).parent for m in members if PurePosixPath(m.filename).name == "study.csv"}
    if len(parents) != 1:
        raise ArchiveInvalid("The zip must hold exactly one study folder (one study.csv), at its top or in one folder.")
    parent = parents.pop()
    destination.mkdir(parents=True, exist_ok=True)
    for member in members:
        path = PurePosixPath(member.filename)
        # Only the folder's own files, by their plain names: nothing can be written outside `destination`.
        if path.parent == parent and path.name in KNOWN_FILES:
            with archive.open(member) as source, open(destination / path.name, "wb") as target:
                shutil.copyfileobj(source, target)
    return destination


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    user = request.user
    must_enter_data_somewhere(user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = uuid.uuid4()
        folder = job_directory(token) / "folder"
        try:
            unpack(form.cleaned_data["archive"], folder)
        except ArchiveInvalid as error:
            shutil.rmtree(job_directory(token), ignore_errors=True)
            form.add_error("archive", str(error))
        else:
            job = _dry_run(user, token, folder, form.cleaned_data["archive"].name, form.cleaned_data["replace"])
            return redirect("import-detail", token=job.token)
    return page(request, "registry/import_upload.html", {
        "form": form, "jobs": import_jobs_visible_to(user)[:10],
        "files": [spec.file_name for spec in FILES],
    }, section="imports")


def _dry_run(user, token, folder: Path, file_name: str, replace: bool) -> ImportJob:
    job = ImportJob(token=token, uploaded_by=user, file_name=file_name[:255], folder=str(folder), replace=replace)
    try:
        parsed = study_import_check(user=user, folder=folder)
    except FolderInvalid as error:
        job.status, job.message = Status.INVALID, error.message
        job.problems = [problem_row(p) for p in error.problems]
    except AccessDenied as error:
        job.status, job.message = Status.INVALID, error.message
    else:
        job.status, job.study_code = Status.CHECKED, parsed.study["study_code"]
        job.row_counts = {name: int(n) for name, n in parsed.row_counts().items()}
    if job.status == Status.INVALID:
        shutil.rmtree(job_directory(token), ignore_errors=True)
    job.save()
    return job


@login_required
def import_detail(request, token):
    job = get_object_or_404(import_jobs_visible_to(request.user), token=token)
    existing = Study.objects.filter(code=job.study_code).first() if job.study_code else None
    problems_by_file: dict[str, int] = {}
    for problem in job.problems:
        problems_by_file[problem["file"]] = problems_by_file.get(problem["file"], 0) + 1
    return page(request, "registry/import_detail.html", {
        "job": job, "existing": existing, "problems_by_file": sorted(problems_by_file.items()),
        "total_rows": sum(job.row_counts.values()),
    }, section="imports")


@login_required
@require_POST
def import_start(request, token):
    job = get_object_or_404(import_jobs_visible_to(request.user), token=token)
    must_enter_data_somewhere(request.user)
    existing = Study.objects.filter(code=job.study_code).exists()
    if existing and not job.replace and "replace" not in request.POST:
        messages.error(request, f"Study {job.study_code} is already in the registry: tick “replace” to swap its "
                                "records, or upload a different study.")
        return redirect("import-detail", token=job.token)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
            status=Status.QUEUED, replace=job.replace or "replace" in request.POST)
        if claimed:
            transaction.on_commit(lambda: import_study_folder.delay(job.pk))
    return redirect("import-detail", token=job.token)


@login_required
def import_progress(request, token):
    job = get_object_or_404(import_jobs_visible_to(request.user), token=token)
    return JsonResponse({"status": job.status, "label": job.get_status_display(), "message": job.message,
                         "done": job.status in (Status.SUCCEEDED, Status.FAILED, Status.INVALID),
                         "progress": {Status.QUEUED: 5, Status.RUNNING: None}.get(job.status, 100)})
