"""The REST API under load: a 10,000-patient registry on PostgreSQL served on loopback.

    .venv/bin/python bench/api.py [--patients 10000] [--clients 32] [--seconds 15] [--keep] [--reuse]
                                  [--server granian|gunicorn] [--workers N] [--threads N]

`DATABASE_URL` names a scratch database (default postgres://postgres@127.0.0.1:5432/registry_api_bench),
created afresh, filled with `registry.synthetic.write_study` through `import_study`, and dropped at
the end unless --keep. The server is the one docker-compose.yml deploys, granian (`--server gunicorn`
for gunicorn's gthread workers, `pip install gunicorn` first), one single-threaded worker per CPU, with
production settings (DEBUG off), a real token, and the throttle raised out of the way. Server CPU per request is reported beside latency: on a shared
machine latency also measures everyone else's load; CPU time does not. So is the CPU of the load
generator (coroutines of one event loop), which shares the machine with the server.

Measured in one run, each beside a baseline of the same run:
- patient detail (the patient and every record) latency and throughput with N concurrent keep-alive
  clients, against a constant-JSON Django view served by the same server through the same middleware,
  and against the same rows fetched with raw SQL (psycopg, N threads);
- list throughput (patients and lab results, 100 rows a page, following the cursor);
- the streaming lab-results CSV in rows/s against PostgreSQL's own COPY of the same rows, with the
  growth of the server's memory while streaming (constant memory means it stays flat).
Target: patient detail p95 < 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from django.http import JsonResponse
from django.urls import include, path
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/registry_api_bench"
HOST = "127.0.0.1"


with socket.socket() as _probe:  # a free port for the bench server
    _probe.bind((HOST, 0))
    PORT = _probe.getsockname()[1]


def constant(request):
    """The baseline view: no database, no serializer; only Django, its middleware and JSON."""
    return JsonResponse({"status": "ok", "patients": []})


def __getattr__(name: str):
    """`urlpatterns` of the bench server: the registry's, plus the baseline view. Built on first use,
    in the server process, so that running this file as a script does not import the registry."""
    if name == "urlpatterns":
        return [path("bench/constant/", constant), path("", include("registry.urls"))]
    raise AttributeError(name)


def bench_application():
    """The server's app factory: the registry with the baseline URL."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = "bench.api"
    return application


def main() -> None:
    options = _arguments()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    environment = _environment(url)
    if not options.reuse:
        _drop_database(url, create_again=True)
    try:
        key, patient_ids = _prepare(options, environment, url)
        results = _measure(options, environment, url, key, patient_ids)
    finally:
        if not options.keep:
            _drop_database(url)
    _report(results, options)


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0, help="Length of each load phase.")
    parser.add_argument("--max-requests", type=int, default=20_000, help="Cap of each load phase.")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="Worker processes (default: one per CPU; each runs Python on one CPU at a time).")
    # Threads of one process take turns at its interpreter lock: with 32 clients on 2 CPUs, 8 threads
    # a worker made the patient detail's p95 1.4 to 2 times that of one thread (gunicorn, same code).
    parser.add_argument("--threads", type=int, default=1, help="Threads per worker.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Use the database a --keep run left (no import).")
    return parser.parse_args()


def _environment(url: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_TESTING")}
    environment.update(
        DATABASE_URL=url, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST, DJANGO_SECURE_SSL_REDIRECT="0",
        # Out of the way, over a window of a second: DRF's throttle keeps the time of every request in
        # its window, and the cache pickles the list on every request (an hour's grew to 20,000 floats).
        REGISTRY_TOKEN_THROTTLE="100000000/second",
        DATABASE_CONN_MAX_AGE="600", PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="registry.settings",
    )
    return environment


def _maintenance(url: str) -> tuple[psycopg.Connection, str]:
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    return psycopg.connect(psycopg.conninfo.make_conninfo(**info, dbname="postgres"), autocommit=True), name


def _drop_database(url: str, *, create_again: bool = False) -> None:
    connection, name = _maintenance(url)
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create_again:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _manage(environment: dict, *arguments: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment,
                            capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def _prepare(options, environment: dict, url: str) -> tuple[str, list[int]]:
    """Migrate, import the synthetic study, and give the bench user a token at every site."""
    from registry.synthetic import write_study

    folder = ROOT / "bench" / "out" / f"api-adult-{options.patients}-{options.seed}"
    if not (folder / ".complete").exists():
        counts = write_study(folder, patients=options.patients, seed=options.seed, population="ADULT")
        (folder / ".complete").write_text(repr(counts))
    if not options.reuse:
        _manage(environment, "migrate", "--verbosity", "0")
        started = time.perf_counter()
        print(_manage(environment, "import_study", str(folder)), f"({time.perf_counter() - started:.1f} s)")
    with psycopg.connect(url) as connection:
        sites = [code for (code,) in connection.execute("SELECT code FROM registry_site ORDER BY code")]
        patient_ids = [pk for (pk,) in connection.execute("SELECT id FROM registry_patient")]
        connection.execute("ANALYZE")
    for site in sites:
        _manage(environment, "grant_access", "bench", site, "ADMIN")
    return _manage(environment, "issue_token", "bench"), patient_ids


class Server:
    """The WSGI server on loopback, as a context manager: started, waited for, stopped by its own pid.

    granian (HTTP in Rust, the application in each worker's Python) spent 0.3 ms of CPU a request
    on the constant view where gunicorn spent 0.5 to 0.7: the HTTP parsing and the WSGI plumbing."""

    def __init__(self, options, environment: dict):
        if options.server == "granian":
            self.command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
                            "bench.api:bench_application", "--host", HOST, "--port", str(PORT),
                            "--workers", str(options.workers), "--blocking-threads", str(options.threads),
                            "--runtime-threads", "1", "--no-ws", "--log-level", "warning"]
        else:
            # A worker accepts connections until it holds its share of the clients: a kept-alive
            # connection stays with the worker that accepted it, and one worker took 26 of 32, serving
            # them at a quarter of the speed of the other's 6.
            share = max(-(-options.clients // options.workers), options.threads + 1)
            self.command = [sys.executable, "-m", "gunicorn", "bench.api:bench_application()", "--bind",
                            f"{HOST}:{PORT}", "--workers", str(options.workers), "--worker-class", "gthread",
                            "--threads", str(options.threads), "--worker-connections", str(share),
                            "--keep-alive", "30", "--log-level", "warning", "--timeout", "120"]
        self.environment = environment

    def __enter__(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.environment)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if _get(http.client.HTTPConnection(HOST, PORT, timeout=5), "/bench/constant/", {})[0] == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.command[2]} did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def pids(self) -> list[int]:
        pids = [self.process.pid]
        for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            pids += [int(pid) for pid in children.read_text().split()]
        return pids

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far: unlike latency, not inflated by other load on the machine."""
        ticks = 0
        for pid in self.pids():
            stat = Path(f"/proc/{pid}/stat")
            if stat.exists():
                fields = stat.read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory_kib(self) -> int:
        """Resident memory of the master and its workers."""
        total = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                line = next(line for line in status.read_text().splitlines() if line.startswith("VmRSS"))
                total += int(line.split()[1])
        return total


def _get(connection: http.client.HTTPConnection, url: str, headers: dict) -> tuple[int, bytes]:
    connection.request("GET", url, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _load(options, urls, headers: dict, rows_of=None, server: Server | None = None) -> dict:
    """N keep-alive clients requesting `urls(client_state)` until the time or request budget is spent.

    The clients are coroutines of one event loop on raw sockets: the load generator shares the
    server's CPUs, and as 32 threads of http.client it spent 0.11 ms of CPU per request, now 0.03."""
    latencies, errors, rows = [], [0], [0]
    deadline = time.monotonic() + options.seconds
    budget = iter(range(options.max_requests))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode() + b"\r\n"

    async def client():
        reader, writer = await asyncio.open_connection(HOST, PORT)
        state = {}
        while time.monotonic() < deadline and next(budget, None) is not None:
            started = time.perf_counter()
            writer.write(f"GET {urls(state)} HTTP/1.1\r\n".encode() + head)
            status, body, closing = await _response(reader)
            latencies.append(time.perf_counter() - started)
            errors[0] += status != 200
            rows[0] += rows_of(body, state) if rows_of and status == 200 else 0
            if closing:  # the server closes kept-alive connections beyond its limit
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.close()

    async def clients():
        await asyncio.gather(*(client() for _ in range(options.clients)))

    started, cpu, own_cpu = time.perf_counter(), server.cpu_seconds() if server else 0.0, time.process_time()
    asyncio.run(clients())
    summary = _summary(latencies, time.perf_counter() - started, errors[0], rows[0])
    summary["client_cpu_ms"] = (time.process_time() - own_cpu) * 1000 / max(1, len(latencies))
    if server:
        summary["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(1, len(latencies))
    return summary


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status and body of one HTTP/1.1 response (sized by Content-Length, or chunked), and whether the
    server closes the connection after it."""
    lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
    status, fields = int(lines[0].split()[1]), dict(line.lower().split(b":", 1) for line in lines[1:] if line)
    closing = fields.get(b"connection", b"").strip() == b"close"
    if b"content-length" in fields:
        return status, await reader.readexactly(int(fields[b"content-length"])), closing
    body = b""
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        body += (await reader.readexactly(size + 2))[:-2]
    await reader.readuntil(b"\r\n")
    return status, body, closing


def _in_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _summary(latencies: list[float], seconds: float, errors: int, rows: int) -> dict:
    ordered = sorted(latencies) or [float("nan")]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"requests": len(latencies), "errors": errors, "p50_ms": pick(0.50), "p95_ms": pick(0.95),
            "p99_ms": pick(0.99), "per_s": len(latencies) / seconds, "rows_per_s": rows / seconds}


def _page_walker(first: str):
    """Each client follows the cursor's `next` links from the first page, starting over at the end."""
    def urls(state):
        return state.get("next") or first

    def rows_of(body, state):
        page = json.loads(body)
        state["next"] = page["next"].split(f"{PORT}", 1)[-1] if page["next"] else None
        return len(page["results"])
    return urls, rows_of


DETAIL_SQL = (
    "SELECT p.*, s.code, st.code FROM registry_patient p JOIN registry_site s ON s.id = p.site_id "
    "JOIN registry_study st ON st.id = p.study_id WHERE p.id = %s",
    *(f"SELECT * FROM {table} WHERE patient_id = %s ORDER BY patient_id, {column}, id" for table, column in (
        ("registry_treatmentcourse", "start_date"), ("registry_ivigdose", "given_on"),
        ("registry_labresult", "collected_on"), ("infections_infection", "onset_on"),
        ("infections_hospitalization", "admitted_on"), ("registry_responseassessment", "assessed_on"))),
)


def _raw_detail(options, url: str, patient_ids: list[int]) -> dict:
    """The patient detail's rows fetched with raw SQL by N threads: the database's share of the work."""
    latencies = []
    lock = threading.Lock()
    deadline = time.monotonic() + options.seconds
    budget = iter(range(options.max_requests))

    def client():
        with psycopg.connect(url, autocommit=True) as connection:
            while time.monotonic() < deadline and next(budget, None) is not None:
                pk = random.choice(patient_ids)
                started = time.perf_counter()
                for statement in DETAIL_SQL:
                    connection.execute(statement, (pk,)).fetchall()
                with lock:
                    latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    _in_threads(options.clients, client)
    return _summary(latencies, time.perf_counter() - started, 0, 0)


def _stream(server: Server, headers: dict) -> dict:
    """The labs CSV read to the end by one client; the server's memory sampled while it streams."""
    before, peak, done = server.memory_kib(), [0], threading.Event()

    def sample():
        while not done.wait(0.2):
            peak[0] = max(peak[0], server.memory_kib())

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = http.client.HTTPConnection(HOST, PORT, timeout=600)
    started = time.perf_counter()
    connection.request("GET", "/api/lab-results/export/", headers=headers)
    response, lines = connection.getresponse(), 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"rows": lines - 1, "seconds": seconds, "rows_per_s": (lines - 1) / seconds,
            "memory_growth_mib": max(0, peak[0] - before) / 1024}


COPY_LABS = (
    "COPY (SELECT st.code, s.code, p.patient_id, to_char(l.collected_on, 'YYYY-MM-DD'), l.analyte, "
    "CASE WHEN l.below_detection THEN '<' ELSE '' END || l.value::text, l.value, l.below_detection, l.unit, "
    "l.lower_limit_normal, l.id FROM registry_labresult l JOIN registry_patient p ON p.id = l.patient_id "
    "JOIN registry_site s ON s.id = p.site_id JOIN registry_study st ON st.id = p.study_id ORDER BY l.id) "
    "TO STDOUT (FORMAT CSV, HEADER)"
)


def _raw_copy(url: str) -> dict:
    """PostgreSQL's own COPY of the same lab rows and columns: the floor of any CSV export."""
    with psycopg.connect(url) as connection:
        started, lines = time.perf_counter(), 0
        with connection.cursor().copy(COPY_LABS) as copy:
            for chunk in copy:
                lines += bytes(chunk).count(b"\n")
        seconds = time.perf_counter() - started
    return {"rows": lines - 1, "seconds": seconds, "rows_per_s": (lines - 1) / seconds}


def _measure(options, environment: dict, url: str, key: str, patient_ids: list[int]) -> dict:
    headers = {"Authorization": f"Token {key}", "Host": HOST}
    detail = lambda state: f"/api/patients/{random.choice(patient_ids)}/"  # noqa: E731
    results = {}
    with Server(options, environment) as server:
        warm_up = argparse.Namespace(**{**vars(options), "seconds": 3})
        _load(warm_up, detail, headers)  # imports, connections and caches of every worker
        results["constant"] = _load(options, lambda state: "/bench/constant/", headers, server=server)
        results["detail"] = _load(options, detail, headers, server=server)
        results["detail_1_client"] = _load(argparse.Namespace(**{**vars(options), "clients": 1}), detail, headers)
        for name, first in (("patients_list", "/api/patients/?page_size=100"),
                            ("labs_list", "/api/lab-results/?page_size=100")):
            urls, rows_of = _page_walker(first)
            results[name] = _load(options, urls, headers, rows_of, server=server)
        results["stream"] = _stream(server, headers)
    results["raw_detail"] = _raw_detail(options, url, patient_ids)
    results["copy"] = _raw_copy(url)
    return results


def _table(r: dict, n: int) -> tuple:
    """(measurement, ours, baseline, what the baseline is) for each line of the report."""
    constant, json_view = r["constant"], "constant JSON view"
    return (
        ("patient detail p95 (ms)", r["detail"]["p95_ms"], constant["p95_ms"], json_view),
        ("patient detail p50 (ms)", r["detail"]["p50_ms"], constant["p50_ms"], json_view),
        ("patient detail p95 (ms)", r["detail"]["p95_ms"], r["raw_detail"]["p95_ms"], f"raw SQL, {n} threads"),
        ("patient detail p95, 1 client (ms)", r["detail_1_client"]["p95_ms"], constant["p95_ms"], json_view),
        ("patient detail requests/s", r["detail"]["per_s"], constant["per_s"], json_view),
        ("patient detail server CPU/request (ms)", r["detail"]["cpu_ms"], constant["cpu_ms"], json_view),
        ("load generator CPU/request, detail (ms)", r["detail"]["client_cpu_ms"], constant["client_cpu_ms"],
         json_view),
        ("patient list requests/s (100 rows)", r["patients_list"]["per_s"], constant["per_s"], json_view),
        ("patient list server CPU/page (ms)", r["patients_list"]["cpu_ms"], constant["cpu_ms"], json_view),
        ("patient list rows/s", r["patients_list"]["rows_per_s"], None, ""),
        ("lab list rows/s", r["labs_list"]["rows_per_s"], None, ""),
        ("labs CSV export rows/s", r["stream"]["rows_per_s"], r["copy"]["rows_per_s"], "PostgreSQL COPY"),
        ("labs CSV server memory growth (MiB)", r["stream"]["memory_growth_mib"], None, ""),
    )


def _report(results: dict, options) -> None:
    n = options.clients
    print(f"\n{options.patients:,} patients, {n} clients, {options.server}: {options.workers} workers x "
          f"{options.threads} threads, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'measurement':42}{'ours':>14}{'baseline':>14}{'ratio':>8}  baseline is")
    for label, ours, baseline, what in _table(results, n):
        ratio = f"{ours / baseline:8.2f}" if baseline else " " * 8
        shown = f"{baseline:14,.1f}" if baseline is not None else " " * 14
        print(f"{label:42}{ours:14,.1f}{shown}{ratio}  {what}")
    errors = sum(r.get("errors", 0) for r in results.values())
    print(f"labs exported: {results['stream']['rows']:,} rows (COPY: {results['copy']['rows']:,}); "
          f"non-200 responses: {errors}")
    verdict = "meets" if results["detail"]["p95_ms"] < 50 else "misses"
    print(f"patient detail p95 {results['detail']['p95_ms']:.1f} ms with {n} clients: {verdict} the 50 ms target")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
