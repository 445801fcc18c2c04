"""Benchmark of the partner API against floors it measures itself (issue 6). Not a test: run it by hand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py [--cases N] [--enrollments M]
    make bench        # the same, at the issue's scale

It creates its own database (BENCH_DB, default `rehab_bench`, dropped first), seeds it with COPY, and prints a
table of medians: ours, the floor, the ratio. The floors (bench/floors.py) are plain views that run one raw SQL
query for the same page and serialize it with orjson, through the same middleware. The `serve` section starts
gunicorn (2 workers, persistent connections, bench/settings.py) on loopback and drives the case list and its
floor with wrk (a small Python load generator when wrk is not installed). Figures are timings on a shared
machine: read the ratios, not the milliseconds. Defaults are the issue's scale (1,000,000 cases, 3,000,000
enrollments).
"""

import argparse
import datetime
import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import seeding  # noqa: E402 (the path first)

# Production settings with the floors' URLs and DEBUG off (bench/settings.py).
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
# Its own database, dropped and recreated: BENCH_DB lets two people bench on one server at once.
BENCH_DB = os.environ.get("BENCH_DB", "rehab_bench")


def _paired_medians(ours, floor, repeat: int) -> tuple[float, float]:
    """Median milliseconds of `ours` and `floor`, called in turn so that the machine's load drifts over both."""
    ours(), floor()  # warm up
    samples = {ours: [], floor: []}
    for _ in range(repeat):
        for call in (ours, floor):
            started = time.perf_counter()
            call()
            samples[call].append((time.perf_counter() - started) * 1000)
    return statistics.median(samples[ours]), statistics.median(samples[floor])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--enrollments", type=int, default=3_000_000)
    parser.add_argument("--bulk-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--sections", default="read,intake,serve", help="comma-separated: read, intake, serve (gunicorn + wrk)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs of each endpoint (the median is shown)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a previous run seeded instead of seeding again"
    )
    args = parser.parse_args()
    sections = set(args.sections.split(","))

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not args.reuse:
        seeding.recreate_database(base, BENCH_DB)
    os.environ["DATABASE_URL"] = seeding.database_url(base, BENCH_DB)

    import django

    django.setup()
    from django.core.management import call_command

    if args.reuse:
        seeded = _seeded_before()
        args.cases, args.enrollments = _scale()
    else:
        call_command("migrate", verbosity=0)
        call_command("load_regions", stdout=io.StringIO())
        seeded = _seed(args.cases, args.enrollments)
    results = []
    if "read" in sections:
        results += _measure_reads(seeded, args)
    if "intake" in sections:
        results += _measure_intake(seeded, args)
    if "serve" in sections:
        results += _measure_served(seeded, args)
    print(f"\nScale: {args.cases:,} cases, {args.enrollments:,} enrollments, bulk of {args.bulk_rows:,} rows")
    print(f"{'measure':<52}{'ours':>12}{'floor':>12}{'ratio':>9}  target")
    for name, ours, floor, target in results:
        ratio = f"{ours / floor:.2f}×" if floor else "-"
        print(f"{name:<52}{ours:>12.2f}{floor or 0:>12.2f}{ratio:>9}  {target}")


def _seeded_before() -> dict:
    """The agencies and users of an earlier seed, with a fresh token (a token is stored only as its hash)."""
    from agencies import services as agency_services
    from agencies.models import Agency, ApiClient, User

    ngo = Agency.objects.get(name="LKS Kelompok Kerja Bina Sehat")
    _client, token = agency_services.api_client_create(
        actor=User.objects.get(username="bench-root"),
        agency=ngo,
        name=f"bench {uuid.uuid4().hex[:8]}",
        scope=ApiClient.Scope.READ_WRITE,
    )
    office = Agency.objects.get(name="Dinas Sosial Kabupaten Banyuwangi")
    return {"office": office, "ngo": ngo, "staff": User.objects.get(username="bench-staff"), "token": token}


def _scale() -> tuple[int, int]:
    from cases.models import Case
    from programs.models import Enrollment

    return Case.objects.count(), Enrollment.objects.count()


def _seed(n_cases: int, n_enrollments: int) -> dict:
    """One district office owns every case (the worst case for a district-scoped list); its NGO registered them."""
    from django.db import connection
    from django.utils import timezone

    from agencies import services as agency_services
    from agencies.models import Agency, ApiClient, Membership, Region, Role, User
    from programs.models import Batch, Program

    region = Region.objects.get(code="35.10")
    office = Agency.objects.create(
        name="Dinas Sosial Kabupaten Banyuwangi", kind="social_service_district", region=region
    )
    ngo = Agency.objects.create(name="LKS Kelompok Kerja Bina Sehat", kind="ngo", region=region)
    staff = User.objects.create(username="bench-staff")
    Membership.objects.create(user=staff, agency=office, role=Role.DISTRICT_STAFF)
    root = User.objects.create(username="bench-root", is_superuser=True)
    _client, token = agency_services.api_client_create(
        actor=root, agency=ngo, name="bench", scope=ApiClient.Scope.READ_WRITE
    )
    base = timezone.now()
    now = base.isoformat()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        chunk = 200_000
        for start in range(0, n_cases, chunk):
            ids = range(start + 1, min(start + chunk, n_cases) + 1)
            seeding.copy(
                cursor.cursor,
                "cases_person",
                seeding.PERSON_COLUMNS,
                (f'{i},Penerima {i},"","",F,"","",1990,{now},{now}\n' for i in ids),
            )
            seeding.copy(
                cursor.cursor,
                "cases_case",
                [
                    "id",
                    "number",
                    "external_id",
                    "person_id",
                    "owner_id",
                    "registered_by_id",
                    "target_group_id",
                    "stage",
                    "close_reason",
                    "stage_changed_at",
                    "created_at",
                    "updated_at",
                ],
                # Distinct update times, as real edits give, so that a deep cursor is really deep.
                (
                    f'{i},35.10-B-{i:07d},"",{i},{office.pk},{ngo.pk},10,planned,"",{now},{now},'
                    f"{(base + datetime.timedelta(microseconds=i)).isoformat()}\n"
                    for i in ids
                ),
            )
        program = Program.objects.create(
            name="bench", kind="skills_training", organizer=office, region=region, fiscal_year=2026
        )
        batches = n_enrollments // max(n_cases, 1) + 1
        day = timezone.localdate()
        batch_ids = [
            Batch.objects.create(
                program=program, number=b + 1, starts_on=day.replace(year=2000 + b), ends_on=day.replace(year=2000 + b)
            ).pk
            for b in range(batches)
        ]
        written = 0
        for b, batch_id in enumerate(batch_ids):
            count = min(n_cases, n_enrollments - written)
            if count <= 0:
                break
            starts = day.replace(year=2000 + b).isoformat()
            seeding.copy(
                cursor.cursor,
                "programs_enrollment",
                ["batch_id", "case_id", "status", "starts_on", "ends_on", "created_at", "updated_at"],
                (f"{batch_id},{i},enrolled,{starts},{starts},{now},{now}\n" for i in range(1, count + 1)),
            )
            written += count
        for table in ("cases_person", "cases_case", "programs_enrollment"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}")
    print(f"Seeded {n_cases:,} cases and {written:,} enrollments by COPY in {time.perf_counter() - started:.1f} s")
    return {"office": office, "ngo": ngo, "staff": staff, "token": token, "copy_rate": None}


def _measure_reads(seeded: dict, args) -> list:
    from django.test import Client

    from agencies.api.pagination import SyncCursor
    from cases.models import Case

    client = Client(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    agency = seeded["ngo"].pk
    results = []

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])

    ours, floor = _paired_medians(
        lambda: get("/api/v1/cases/?page_size=50"), lambda: get(f"/floor/cases/?agency={agency}"), args.repeat
    )
    results.append(("case list, page 1 of 50 (ms)", ours, floor, "≤ 2.5×"))

    # 100 rows from the end of a million: with an offset cursor this is the page that costs. Among the seeded rows,
    # so that --reuse after an intake section (whose rows come last, NIK and phone encrypted) measures the same page.
    deep_case = Case.objects.filter(number__startswith="35.10-B-").order_by("-updated_at", "-id")[100]
    cursor = SyncCursor.cursor_at(deep_case.updated_at, deep_case.pk)
    after = deep_case.updated_at.isoformat().replace("+", "%2B")
    deep, deep_floor = _paired_medians(
        lambda: get(f"/api/v1/cases/?page_size=50&cursor={cursor}"),
        lambda: get(f"/floor/cases/?agency={agency}&after={after}&id={deep_case.pk}"),
        args.repeat,
    )
    results.append(("case list, deep cursor page (ms)", deep, deep_floor, "≤ 2.5×"))
    results.append(("case list, deep cursor page vs page 1 (ms)", deep, ours, "≤ 1.2×"))

    pk = deep_case.pk
    ours, floor = _paired_medians(
        lambda: get(f"/api/v1/cases/{pk}/"), lambda: get(f"/floor/cases/{pk}/?agency={agency}"), args.repeat
    )
    results.append(("case detail (ms)", ours, floor, "≤ 2×"))
    return results


def _measure_intake(seeded: dict, args) -> list:
    from bench import intake

    return intake.measure(seeded, args)


def _measure_served(seeded: dict, args) -> list:
    """The case list and its floor served by gunicorn (2 workers, persistent connections) over loopback."""
    host = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    ours_url = f"{host}/api/v1/cases/?page_size=50"
    floor_url = f"{host}/floor/cases/?agency={seeded['ngo'].pk}"
    server = subprocess.Popen(  # noqa: S603 - a fixed command, our own interpreter
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2"]
        + ["--bind", f"127.0.0.1:{args.port}", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    try:
        _wait_for_port(args.port, server)
        load = _wrk if shutil.which("wrk") else _python_load
        print(f"Driving gunicorn with {'wrk' if load is _wrk else 'the Python load generator (no wrk)'}")
        load(ours_url, headers, 2), load(floor_url, {}, 2)  # warm up both workers and their connections
        ours, floor = [], []
        for _ in range(args.rounds):
            ours.append(load(ours_url, headers, args.duration))
            floor.append(load(floor_url, {}, args.duration))
        print(f"gunicorn req/s, ours: {[round(r) for r in ours]}, floor: {[round(r) for r in floor]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [("case list via gunicorn, 2 workers (req/s)", statistics.median(ours), statistics.median(floor), "≥ 0.45×")]


def _wait_for_port(port: int, server) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start listening within 30 s")


def _wrk(url: str, headers: dict, seconds: int) -> float:
    """Requests/s over `seconds` with 4 connections from one wrk thread (2 cores: gunicorn, PostgreSQL, wrk)."""
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw failed requests on {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def _python_load(url: str, headers: dict, seconds: int, connections: int = 4) -> float:
    """The fallback load generator: `connections` threads, each on one keep-alive connection."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"
    deadline = time.perf_counter() + seconds
    counts = [0] * connections

    def run(slot: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        while time.perf_counter() < deadline:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status}")
            counts[slot] += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


if __name__ == "__main__":
    main()
