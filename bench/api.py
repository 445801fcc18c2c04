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
import importlib
import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import seeding  # noqa: E402 (the path first)
from bench.common import print_table  # noqa: E402

# Production settings with the floors' URLs and DEBUG off (bench/settings.py).
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
# Its own database, dropped and recreated: BENCH_DB lets two people bench on one server at once.
BENCH_DB = os.environ.get("BENCH_DB", "rehab_bench")


# Each section is a module of bench/ with `measure(seeded, args) -> list[Result]`. It may also have
# `seed(seeded, args)`, run once after the cases are seeded (not with --reuse), and `add_arguments(parser)`.
SECTIONS = {
    "read": "bench.reads",
    "intake": "bench.intake",
    "serve": "bench.serve",
    "services": "bench.services",
}


def _section(name: str):
    return importlib.import_module(SECTIONS[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--enrollments", type=int, default=3_000_000)
    parser.add_argument("--bulk-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of: {', '.join(SECTIONS)}")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs of each endpoint (the median is shown)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a previous run seeded instead of seeding again"
    )
    for module in dict.fromkeys(SECTIONS.values()):
        if hasattr(adder := importlib.import_module(module), "add_arguments"):
            adder.add_arguments(parser)
    args = parser.parse_args()
    sections = [name for name in args.sections.split(",") if name]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

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
    # A section's own rows (log rows, ledger, batches) are seeded when first needed, also on a reused database.
    seeded_now = False
    for module in dict.fromkeys(SECTIONS[name] for name in sections):
        if hasattr(seeder := importlib.import_module(module), "seed"):
            seeded_now = seeder.seed(seeded, args) or seeded_now
    if seeded_now or not args.reuse:
        seeding.vacuum_analyze()
    results = []
    for name in sections:
        results += _section(name).measure(seeded, args)
    print(f"\nScale: {args.cases:,} cases, {args.enrollments:,} enrollments, bulk of {args.bulk_rows:,} rows")
    print_table(results)


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


if __name__ == "__main__":
    main()
