"""Import and export a large synthetic study on PostgreSQL, against PostgreSQL's own COPY of the same rows.

    .venv/bin/python bench/import_export.py [--patients 100000] [--seed 1] [--population ADULT] [--keep]

`DATABASE_URL` names the scratch database (default postgres://postgres@127.0.0.1:5432/registry_bench);
it is dropped and created afresh, migrated, and dropped again at the end unless --keep. The study
folder is written once by the synthetic generator into bench/out/ and reused by later runs.

Timed, in one run on one server:
- ours: `study_import` (read, validate, COPY, history rows, commit) and `study_export`;
- baseline 1, staging tables: each CSV file's bytes loaded with `COPY … FROM STDIN` into a plain staging
  table with the file's columns (typed as the file reads: dates, numbers, yes/no as boolean; no index,
  constraint or key), and each staging table written back with `COPY … TO STDOUT`;
- baseline 2, the registry's tables: the same rows as the tables hold them (patient ids resolved, `<N`
  split into value and flag) loaded with `COPY … FROM STDIN (FORMAT CSV)` into the registry's own
  patient and record tables, emptied first, so with their indexes, constraints and deferred foreign-key
  checks, in one transaction that commits. No history rows, no validation: what a bare load costs.
Targets: import ≥ 25% of COPY FROM, export ≥ 50% of COPY TO; both import ratios are printed.

Besides wall seconds, each step's CPU seconds are printed: this process's (the client, its threads
included) and, when the server runs on this machine, its backend's (from /proc). On a machine shared
with other work the wall time of a step swings with the load; its CPU time much less.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/registry_bench"
COLUMN_TYPES = {"date": "date", "float": "double precision", "int": "smallint", "grade": "smallint",
                "bool": "boolean"}  # everything else (text, codes, references, `<N` lab values) is text
COPY_CHUNK = 1 << 20


def main() -> None:
    options = _arguments()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    _recreate_database(url)
    os.environ["DATABASE_URL"] = url
    _django_setup()
    try:
        folder = _study_folder(options)
        results = _run(folder)
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            _drop_database(url)
    _report(results, options.patients)


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--population", choices=["ADULT", "PEDIATRIC"], default="ADULT")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database for a look afterwards.")
    return parser.parse_args()


def _maintenance(url: str) -> tuple[psycopg.Connection, str]:
    """A connection to the server's `postgres` database, and the name of the scratch database."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    return psycopg.connect(psycopg.conninfo.make_conninfo(**info, dbname="postgres"), autocommit=True), name


def _recreate_database(url: str) -> None:
    connection, name = _maintenance(url)
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(url: str) -> None:
    connection, name = _maintenance(url)
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    # A throwaway process against a throwaway database: DEBUG stays off (no query log), the key is unused.
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _study_folder(options) -> Path:
    """The generated study, reused between runs (generating 100,000 patients takes a minute)."""
    from registry.synthetic import write_study

    folder = ROOT / "bench" / "out" / f"{options.population.lower()}-{options.patients}-{options.seed}"
    done = folder / ".complete"
    if not done.exists():
        started = time.perf_counter()
        counts = write_study(folder, patients=options.patients, seed=options.seed, population=options.population)
        done.write_text(repr(counts))
        print(f"generated {sum(counts.values()):,} rows in {time.perf_counter() - started:.1f} s: {counts}")
    return folder


class Stopwatch:
    """Wall seconds and CPU seconds (this process; the database backend) of the steps it timed."""

    def __init__(self):
        self.wall = self.client = self.server = 0.0

    @contextmanager
    def running(self):
        started = _clock()
        try:
            yield
        finally:
            wall, client, server = (end - start for end, start in zip(_clock(), started))
            self.wall, self.client, self.server = self.wall + wall, self.client + client, self.server + server


def _clock() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), _server_cpu()


def _server_cpu() -> float:
    """CPU seconds of the backend serving Django's connection (NaN when it is not on this machine)."""
    from django.db import connection

    connection.ensure_connection()
    try:
        fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _run(folder: Path) -> dict[str, tuple[int, Stopwatch]]:
    from registry.flatfile.kinds import FILES
    from registry.flatfile.services import study_export, study_import

    _checkpoint()
    imported = Stopwatch()
    with imported.running(), _phases() as spent:
        batch = study_import(user=None, folder=folder)
    spent["commit (deferred FK checks) and the rest"] = imported.wall - sum(spent.values())
    print("import phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in spent.items()))
    rows = 1 + sum(batch.row_counts.values())
    exported_to = folder.parent / f"{folder.name}-export"
    exported = Stopwatch()
    with exported.running():
        study_export(user=None, study=batch.study, folder=exported_to)
    same = all((folder / spec.file_name).read_bytes() == (exported_to / spec.file_name).read_bytes() for spec in FILES)
    print(f"export byte-identical to the imported files: {'yes' if same else 'NO'}")
    copied_to = folder.parent / f"{folder.name}-copy"
    copy_from, copy_to = _copy_baseline(folder, copied_to)
    tables_to = folder.parent / f"{folder.name}-tables"
    copy_into_registry = _registry_tables_baseline(tables_to)
    for written in (exported_to, copied_to, tables_to):  # the generated study stays for the next run
        shutil.rmtree(written)
    return {"import (ours)": (rows, imported), "COPY FROM": copy_from, "COPY FROM (2)": copy_into_registry,
            "export (ours)": (rows, exported), "COPY TO": copy_to}


@contextmanager
def _phases():
    """Seconds spent reading and checking the folder, in COPY, and writing history rows (the client
    encodes the COPY stream in a worker thread meanwhile, so its time is inside these)."""
    from registry.flatfile import loader, services

    spent: dict[str, float] = {}
    patched = [(services, "read_study_folder", "read and validate"), (loader, "_copy", "COPY into the tables"),
               (loader, "_history", "history rows (INSERT … SELECT)")]
    originals = [getattr(module, name) for module, name, _ in patched]
    for (module, name, label), original in zip(patched, originals):
        setattr(module, name, _timed(original, label, spent))
    try:
        yield spent
    finally:
        for (module, name, _), original in zip(patched, originals):
            setattr(module, name, original)


def _timed(function, label: str, spent: dict[str, float]):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
    return timed


def _copy_baseline(folder: Path, out: Path) -> tuple[tuple[int, Stopwatch], tuple[int, Stopwatch]]:
    """COPY of every file's bytes into a staging table with its columns, and back out to a file."""
    from django.db import connection

    from registry.flatfile.kinds import FILES

    out.mkdir(parents=True, exist_ok=True)
    rows, loading, writing = 0, Stopwatch(), Stopwatch()
    _checkpoint()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for spec in FILES:
            table = f"bench_stage_{spec.file_name.removesuffix('.csv')}"
            columns = ", ".join(f"{c.name} {COLUMN_TYPES.get(c.kind, 'text')}" for c in spec.columns)
            raw.execute(f"DROP TABLE IF EXISTS {table}")
            raw.execute(f"CREATE TABLE {table} ({columns})")
            source = open(folder / spec.file_name, "rb")
            with loading.running(), source, raw.copy(f"COPY {table} FROM STDIN (FORMAT CSV, HEADER)") as copy:
                while chunk := source.read(COPY_CHUNK):
                    copy.write(chunk)
            rows += raw.rowcount
            target = open(out / spec.file_name, "wb")
            with writing.running(), target, raw.copy(f"COPY {table} TO STDOUT (FORMAT CSV, HEADER)") as copy:
                for chunk in copy:
                    target.write(chunk)
    return (rows, loading), (rows, writing)


def _registry_tables_baseline(out: Path) -> tuple[int, Stopwatch]:
    """COPY of the imported rows, as the registry's tables hold them, back into those tables emptied.

    Untimed: each table's rows are written to a CSV file (the patients with their ids, so that the
    records' patient_id still points at them; the records without, so that their ids are drawn as an
    import draws them) and the tables are emptied with TRUNCATE, as before the import. Timed: COPY
    of every file in import order, then COMMIT, which runs the deferred foreign-key checks.
    """
    from django.db import connection, transaction

    from registry.flatfile.kinds import EVENT_FILES
    from registry.models import Patient

    out.mkdir(parents=True, exist_ok=True)
    tables = [(model, [f.column for f in model._meta.concrete_fields if model is Patient or not f.primary_key])
              for model in (Patient, *(spec.model for spec in EVENT_FILES))]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for model, columns in tables:
            target = open(out / f"{model._meta.db_table}.csv", "wb")
            with target, raw.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) TO STDOUT (FORMAT CSV)") as copy:
                for chunk in copy:
                    target.write(chunk)
        raw.execute(f"TRUNCATE {', '.join(model._meta.db_table for model, _ in tables)}")
    _checkpoint()
    rows, loading = 0, Stopwatch()
    with loading.running(), transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for model, columns in tables:
            source = open(out / f"{model._meta.db_table}.csv", "rb")
            sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN (FORMAT CSV)"
            with source, raw.copy(sql) as copy:
                while chunk := source.read(COPY_CHUNK):
                    copy.write(chunk)
            rows += raw.rowcount
    return rows, loading


def _checkpoint() -> None:
    """Each timed load starts with no dirty pages of an earlier step for the server to write meanwhile."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _report(results: dict[str, tuple[int, Stopwatch]], patients: int) -> None:
    print(f"\n{patients:,} patients")
    print(f"{'':16}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'client CPU s':>14}{'server CPU s':>14}")
    for label, (rows, timed) in results.items():
        print(f"{label:16}{rows:>12,}{timed.wall:>10.2f}{rows / timed.wall:>12,.0f}"
              f"{timed.client:>14.2f}{timed.server:>14.2f}")
    for kind, ours, theirs, target, baseline in (
        ("import", "import (ours)", "COPY FROM", .25, "COPY FROM into index-free staging tables"),
        ("import", "import (ours)", "COPY FROM (2)", .25, "COPY FROM into the registry's own tables (2)"),
        ("export", "export (ours)", "COPY TO", .50, "COPY TO from the staging tables"),
    ):
        ratio = results[theirs][1].wall / results[ours][1].wall
        verdict = "meets" if ratio >= target else "misses"
        print(f"{kind}: ours runs at {ratio:.0%} of the speed of {baseline} ({verdict} the {target:.0%} target)")
    print(f"load average at the end: {', '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
