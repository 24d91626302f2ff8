"""Server-side render time of the browser pages on a large registry (issue 5: < 200 ms at 10,000 patients).

    python bench/pages.py [--patients 10000] [--seed 1] [--repeat 25] [--database-url URL]

Generates a synthetic adult study (`registry.synthetic.write_study`), imports it (`study_import`)
into a scratch database (SQLite in a temporary folder, or the PostgreSQL of `--database-url`, whose
tables are created by `migrate`), runs one analysis so the dashboard has a result to show, then times
full requests through Django's test client (middleware, session, scoping, queries, template) with
DEBUG off, as in production:

- baseline: the login page, a minimal template behind the same middleware, measured in the same run;
- the patient page of a typical patient (median number of lab results) and of the heaviest one;
- the study dashboard; the patient list, plain and filtered by a missing-data check.

Prints, over `--repeat` renders after two warm-ups, the median wall-clock time and its 95th percentile,
the median CPU time of the process (with SQLite the database work runs in this process, so CPU time
is the render's cost even when other programs load the machine), the ratio of each median to the
baseline's, and whether the wall-clock median meets the 200 ms target.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MS = 200.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL of an empty scratch database")
    return parser.parse_args()


def configure(workdir: Path, database_url: str) -> None:
    os.environ["REGISTRY_VAR_DIR"] = str(workdir / "var")
    os.environ["REGISTRY_TESTING"] = "1"  # DEBUG off with the throwaway key, over plain HTTP
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "registry.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def build_registry(workdir: Path, patients: int, seed: int):
    """Migrate, generate, import, and create the cast: returns (study, clinician, investigator)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from registry.choices import Role
    from registry.flatfile.services import study_import
    from registry.models import SiteMembership
    from registry.synthetic import write_study

    call_command("migrate", verbosity=0)
    folder = workdir / "study"
    started = time.perf_counter()
    rows = write_study(folder, patients=patients, seed=seed, population="ADULT")
    study = study_import(user=None, folder=folder).study
    print(f"registry: {patients:,} patients, {sum(rows.values()):,} rows, generated and imported in "
          f"{time.perf_counter() - started:.1f} s")
    users = {}
    for name, role in (("clinician", Role.CLINICIAN), ("investigator", Role.INVESTIGATOR)):
        users[name] = get_user_model().objects.create_user(name, password=f"{name}-bench-password")
        SiteMembership.objects.bulk_create(SiteMembership(user=users[name], site_id=site_id, role=role)
                                           for site_id in set(study.patients.values_list("site_id", flat=True)))
    return study, users["clinician"], users["investigator"]


def run_analysis(study, investigator) -> None:
    from cohorts.services import analysis_claim, analysis_execute, analysis_request

    started = time.perf_counter()
    run = analysis_request(user=investigator, study=study)
    analysis_claim(run.pk)
    analysis_execute(run.pk)
    print(f"analysis #{run.pk} for the dashboard: {time.perf_counter() - started:.1f} s")


def pick_patients(study):
    from django.db.models import Count

    counted = list(study.patients.annotate(labs=Count("labresults")).order_by("labs").values_list("pk", "labs"))
    typical, heaviest = counted[len(counted) // 2], counted[-1]
    return typical, heaviest


def timed(client, url: str, repeat: int) -> tuple[list[float], list[float]]:
    """(wall-clock ms, CPU ms) of each render."""
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def dashboard_after_changes(study, client, repeat: int) -> tuple[list[float], list[float]]:
    """The dashboard's worst case: every render follows a write, so nothing cached is valid."""
    from django.db.models import F

    from registry.models import Study

    wall, cpu = [], []
    for _ in range(repeat):
        Study.objects.filter(pk=study.pk).update(data_revision=F("data_revision") + 1)
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(f"/studies/{study.code}/")
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def report(label: str, times: tuple[list[float], list[float]], baseline: float | None) -> float:
    wall, cpu = times
    median, median_cpu = statistics.median(wall), statistics.median(cpu)
    p95 = sorted(wall)[max(0, int(len(wall) * 0.95) - 1)]
    ratio = f"{median / baseline:6.1f}x" if baseline else "   1.0x"
    verdict = "" if baseline is None else ("ok" if median < TARGET_MS else "OVER TARGET")
    print(f"{label:<46} {median:8.1f} {p95:8.1f} {median_cpu:8.1f} {ratio}  {verdict}")
    return median


def main() -> None:
    arguments = parse_arguments()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as directory:
        workdir = Path(directory)
        configure(workdir, arguments.database_url)
        from django.test import Client

        study, clinician, investigator = build_registry(workdir, arguments.patients, arguments.seed)
        run_analysis(study, investigator)
        (typical, typical_labs), (heaviest, heaviest_labs) = pick_patients(study)
        anonymous, clinic, research = Client(), Client(), Client()
        clinic.force_login(clinician)
        research.force_login(investigator)
        print(f"\n{'page (median of ' + str(arguments.repeat) + ' renders)':<46} {'wall ms':>8} {'p95 ms':>8} "
              f"{'CPU ms':>8} {'vs base':>7}  target {TARGET_MS:.0f} ms")
        baseline = report("baseline: login page (minimal template)", timed(anonymous, "/login/", arguments.repeat),
                          None)
        pages = (
            (f"patient page, typical ({typical_labs} lab results)", clinic, f"/patients/{typical}/"),
            (f"patient page, heaviest ({heaviest_labs} lab results)", clinic, f"/patients/{heaviest}/"),
            ("study dashboard (completeness cached)", research, f"/studies/{study.code}/"),
            ("patient list, first page", clinic, "/patients/"),
            ("patient list, missing baseline IgG", clinic, "/patients/?missing=no_baseline_igg"),
        )
        for label, client, url in pages:
            report(label, timed(client, url, arguments.repeat), baseline)
        report("study dashboard, first view after a change", dashboard_after_changes(study, research, arguments.repeat),
               baseline)


if __name__ == "__main__":
    main()
