"""Benchmark of every path people wait on against floors it measures itself (issues 6 and 15). Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py [--cases N] [--sections …]
    make bench        # every section at the issue's scale

It creates its own database (BENCH_DB, default `rehab_bench`, dropped first unless --reuse), seeds it with COPY,
VACUUM ANALYZEs it, and prints a table of medians: ours, the floor, the ratio, and the statements one call of ours
runs. Each section (SECTIONS below: the partner API's reads, intake, gunicorn, reports, admin pages, services,
issue 17's figures) is a module of bench/ with floors of its own: raw SQL for the same rows and the same output,
or the same locks and writes. Figures are timings on a shared machine: read the ratios, not the milliseconds.
Defaults are the issue's scale (1,000,000 cases, 3,000,000 enrollments).
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
# `seed(seeded, args) -> bool`, called on every run (also with --reuse): it writes its own rows when they are not
# there yet and says whether it wrote any; and `add_arguments(parser)`.
SECTIONS = {
    "read": "bench.reads",
    "intake": "bench.intake",
    "serve": "bench.serve",
    "reports": "bench.reports",
    "admin": "bench.admin",
    "home": "bench.home",
    "casefile": "bench.casefile",
    "services": "bench.services",
    "exports": "bench.exports",
    "figures": "bench.figures",
    "subject": "bench.subject_access",
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
        measured = _section(name).measure(seeded, args)
        print_table(measured)  # as each section ends: a later section's failure keeps the earlier figures
        results += measured
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


# Stages of the seeded cases, with how many are in each (a caseload of some years: most past registration).
STAGES = [
    ("registered", 15),
    ("assessed", 15),
    ("planned", 20),
    ("in_intervention", 20),
    ("reintegration", 10),
    ("aftercare", 10),
    ("closed", 10),
]
CLOSE_REASONS = ["goals_met", "transferred_out", "declined", "lost_contact"]
YEARS_OF_CASES = 4


def _seed(n_cases: int, n_enrollments: int) -> dict:
    """One district office owns every case (the worst case for a district-scoped list); its NGO registered them.
    Persons as a pendataan gives them (bench.seeding.person_lines: NIK and phone encrypted, address, birth date,
    home region, target groups); cases opened over four years in id order, each changed since at a random time,
    so that the sync order is not the id order."""
    import multiprocessing
    import random

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
    regions = [
        "35.10",
        *Region.objects.filter(code__regex=r"^35\.\d\d$").exclude(code="35.10").values_list("code", flat=True),
    ]
    now = timezone.now()
    rng = random.Random(15)  # noqa: S311 (seed data, not secrets)
    span = datetime.timedelta(days=365 * YEARS_OF_CASES)
    first = now - span
    created = [first + span * (i / max(n_cases, 1)) for i in range(n_cases)]
    stages = rng.choices([s for s, _w in STAGES], weights=[w for _s, w in STAGES], k=n_cases)
    started = time.perf_counter()
    chunk = 10_000
    connection.close()  # the workers are forked: none of them may share this process's connection
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool, connection.cursor() as cursor:
        parts = pool.imap(
            _person_chunk,
            [
                (
                    start + 1,
                    min(start + chunk, n_cases),
                    regions,
                    [t.isoformat() for t in created[start : start + chunk]],
                )
                for start in range(0, n_cases, chunk)
            ],
        )
        sequences: dict[int, int] = {}
        for start, (people, groups) in zip(range(0, n_cases, chunk), parts, strict=True):
            seeding.copy_text(cursor.cursor, "cases_person", seeding.PERSON_COLUMNS, people)
            seeding.copy_text(cursor.cursor, "cases_person_target_groups", ["person_id", "targetgroup_id"], groups)
            lines = []
            for i in range(start, min(start + chunk, n_cases)):
                opened = created[i]
                updated = opened + (now - opened) * rng.random()
                changed = opened + (updated - opened) * rng.random()
                year = opened.year
                serial = sequences[year] = sequences.get(year, 0) + 1
                stage = stages[i]
                lines.append(
                    f"{i + 1},35.10-{year}-{serial:05d},{seeding.SEEDED_EXTERNAL_ID}{i + 1:07d},{i + 1},{office.pk},"
                    f'{ngo.pk},10,{stage},"{rng.choice(CLOSE_REASONS) if stage == "closed" else ""}",'
                    f"{changed.isoformat()},{opened.isoformat()},{updated.isoformat()}\n"
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
                lines,
            )
        # Intake goes on numbering where the seed stopped.
        seeding.copy(
            cursor.cursor,
            "cases_casenumbersequence",
            ["region_id", "year", "last"],
            (f"35.10,{year},{last}\n" for year, last in sequences.items()),
        )
    seeded_persons = time.perf_counter() - started
    print(f"Seeded {n_cases:,} persons (NIK and phone encrypted) and their cases in {seeded_persons:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
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
        stamp = now.isoformat()
        for b, batch_id in enumerate(batch_ids):
            count = min(n_cases, n_enrollments - written)
            if count <= 0:
                break
            starts = day.replace(year=2000 + b).isoformat()
            seeding.copy(
                cursor.cursor,
                "programs_enrollment",
                ["batch_id", "case_id", "status", "starts_on", "ends_on", "created_at", "updated_at"],
                (f"{batch_id},{i},enrolled,{starts},{starts},{stamp},{stamp}\n" for i in range(1, count + 1)),
            )
            written += count
        for table in ("cases_person", "cases_case", "programs_enrollment", "cases_person_target_groups"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    print(f"Seeded {written:,} enrollments by COPY in {time.perf_counter() - started:.1f} s")
    return {"office": office, "ngo": ngo, "staff": staff, "token": token, "copy_rate": None}


def _person_chunk(arguments: tuple) -> tuple[str, str]:
    return seeding.person_lines(*arguments)


if __name__ == "__main__":
    main()
