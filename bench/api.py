"""Benchmark of the partner API against floors it measures itself (issue 6). Not a test: run it by hand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py [--cases N] [--enrollments M]

It creates its own database (`rehab_bench`, dropped first), seeds it with COPY, and prints a table of medians:
ours, the floor, the ratio. The floors are plain views that run one raw SQL query for the same page and serialize
it with json (orjson when installed), through the same middleware. Figures are timings on a shared machine: read
the ratios, not the milliseconds. Defaults are the issue's scale (1,000,000 cases, 3,000,000 enrollments).
"""

import argparse
import datetime
import io
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
BENCH_DB = "rehab_bench"


def _database_url(base: str) -> str:
    return base.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def _recreate_database(base_url: str) -> None:
    import psycopg2

    admin = psycopg2.connect(base_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    admin.close()


def _dumps(rows) -> bytes:
    try:
        import orjson

        return orjson.dumps(rows)
    except ImportError:
        return json.dumps(rows, default=str).encode()


def _median_ms(call, repeat: int) -> float:
    call()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--enrollments", type=int, default=3_000_000)
    parser.add_argument("--bulk-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    _recreate_database(base)
    os.environ["DATABASE_URL"] = _database_url(base)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_regions", stdout=io.StringIO())
    seeded = _seed(args.cases, args.enrollments)
    results = _measure(seeded, args)
    print(f"\nScale: {args.cases:,} cases, {args.enrollments:,} enrollments, bulk of {args.bulk_rows:,} rows")
    print(f"{'measure':<46}{'ours':>12}{'floor':>12}{'ratio':>9}  target")
    for name, ours, floor, target in results:
        ratio = f"{ours / floor:.2f}×" if floor else "-"
        print(f"{name:<46}{ours:>12.2f}{floor or 0:>12.2f}{ratio:>9}  {target}")


def _copy(cursor, table: str, columns: list[str], lines) -> None:
    buffer = io.StringIO("".join(lines))
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


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
            _copy(
                cursor.cursor,
                "cases_person",
                [
                    "id",
                    "full_name",
                    "known_as",
                    "nik",
                    "sex",
                    "address",
                    "phone",
                    "birth_year",
                    "created_at",
                    "updated_at",
                ],
                (f'{i},Penerima {i},"","",F,"","",1990,{now},{now}\n' for i in ids),
            )
            _copy(
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
            _copy(
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


def _measure(seeded: dict, args) -> list:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import path

    import config.urls
    from cases.models import Case

    # The floors: one raw query for the same rows, serialized, behind the same middleware.
    def floor_list(request):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id, c.number, c.stage, c.owner_id, c.registered_by_id, c.updated_at, p.full_name, p.sex"
                " FROM cases_case c JOIN cases_person p ON p.id = c.person_id"
                " WHERE c.registered_by_id = %s AND (c.updated_at, c.id) > (%s, %s)"
                " ORDER BY c.updated_at, c.id LIMIT 50",
                [seeded["ngo"].pk, request.GET.get("after", "1970-01-01"), int(request.GET.get("id", 0))],
            )
            rows = cursor.fetchall()
        from django.http import HttpResponse

        return HttpResponse(_dumps([list(map(str, row)) for row in rows]), content_type="application/json")

    def floor_detail(request, pk):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id, c.number, c.stage, p.full_name, p.sex, p.birth_year FROM cases_case c"
                " JOIN cases_person p ON p.id = c.person_id WHERE c.id = %s AND c.registered_by_id = %s",
                [pk, seeded["ngo"].pk],
            )
            row = cursor.fetchone()
        from django.http import HttpResponse

        return HttpResponse(_dumps([str(v) for v in row]), content_type="application/json")

    config.urls.urlpatterns += [path("floor/cases/", floor_list), path("floor/cases/<int:pk>/", floor_detail)]
    from django.urls import clear_url_caches

    clear_url_caches()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    results = []

    ours = _median_ms(lambda: client.get("/api/v1/cases/?page_size=50"), args.repeat)
    floor = _median_ms(lambda: client.get("/floor/cases/"), args.repeat)
    results.append(("case list, page 1 of 50 (ms)", ours, floor, "≤ 2.5×"))

    deep_case = Case.objects.order_by("updated_at", "id")[max(Case.objects.count() - 100, 0)]
    from rest_framework.pagination import Cursor

    from agencies.api.pagination import SyncCursor

    paginator = SyncCursor()
    paginator.base_url = "http://testserver/api/v1/cases/"
    position = paginator._get_position_from_instance(deep_case, paginator.ordering)
    deep_url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))
    deep = _median_ms(lambda: client.get(deep_url + "&page_size=50"), args.repeat)
    results.append(("case list, deep cursor page vs page 1 (ms)", deep, ours, "≤ 1.2×"))

    pk = deep_case.pk
    ours = _median_ms(lambda: client.get(f"/api/v1/cases/{pk}/"), args.repeat)
    floor = _median_ms(lambda: client.get(f"/floor/cases/{pk}/"), args.repeat)
    results.append(("case detail (ms)", ours, floor, "≤ 2×"))

    body = {"full_name": "Sri Rahayu", "sex": "F", "target_group": 10, "home_region": "35.10"}
    client.post("/api/v1/intake/", body, content_type="application/json")  # warm up
    with CaptureQueriesContext(connection) as queries:
        client.post("/api/v1/intake/", {**body, "full_name": "Dewi"}, content_type="application/json")
    results.append(("single intake POST (SQL statements)", len(queries), None, "≤ 12"))

    rows = [
        {"external_id": f"bench-{uuid.uuid4().hex[:12]}", "full_name": f"Baris {i}", "sex": "F", "target_group": 10}
        for i in range(args.bulk_rows)
    ]
    started = time.perf_counter()
    for start in range(0, len(rows), 1000):
        client.post("/api/v1/intake/batch/", {"rows": rows[start : start + 1000]}, content_type="application/json")
    rate = len(rows) / (time.perf_counter() - started)
    results.append(("bulk intake (rows/s)", rate, None, "≥ 2,000 rows/s"))
    return results


if __name__ == "__main__":
    main()
