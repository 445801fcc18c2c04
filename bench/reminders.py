"""Benchmark of one morning's reminder run (issue 7): compose the digests, then send them through a real SMTP
server. Not a test: run it by hand.

    .venv/bin/python bench/reminders.py [--follow-ups 100000] [--caseworkers 2000] [--database NAME]

It creates its own database (BENCH_REMINDERS_DB or --database, default `rehab_bench_reminders`, dropped first) on
the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), migrates it, loads the regions
and seeds district offices and NGOs in all four time zones, caseworkers with active memberships and addresses,
and open follow-ups due (overdue by at most 13 days, so none is escalated, or due within the next 6), each with
the person, case, program, batch and enrollment the schema asks for. Persons carry no NIK or phone: an empty
encrypted field is stored as is, and no reminder reads them.

Compose runs twice, at a tenth of the scale and at full scale, so the query counts can be compared: they must
not grow with the follow-ups. Delivery goes through aiosmtpd on 127.0.0.1, started here, in chunks as the worker
takes them. A second run right after must write and send nothing (exactly once). The exit status is 1 when
an expectation fails. Timings are from a shared machine: read the ratios and the query counts.
"""

import argparse
import collections
import cProfile
import datetime
import io
import logging
import math
import os
import pstats
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import seeding  # noqa: E402 (the path first)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# DEBUG off, as production runs (DEBUG keeps every SQL statement in memory). The keys are made up for this run:
# the database is thrown away, and persons carry nothing encrypted.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-reminders-not-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "YmVuY2gtcmVtaW5kZXJzLW5vdC1hLXJlYWwta2V5ISE=")
DEFAULT_DB = os.environ.get("BENCH_REMINDERS_DB", "rehab_bench_reminders")
# Each office pair (a district office and an NGO of the same regency) in these zones, round robin.
ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Pontianak"]
# Follow-ups fall due from this many days ago to DUE_AHEAD days ahead (UTC dates): within every office's digest
# window, and never more than REMINDER_ESCALATE_AFTER_DAYS (14) overdue, so the run is the digests alone.
OVERDUE_AT_MOST = 13
DUE_AHEAD = 6
COPY_CHUNK = 100_000
CASE_COLUMNS = [
    "id",
    "number",
    "external_id",
    "person_id",
    "owner_id",
    "registered_by_id",
    "caseworker_id",
    "target_group_id",
    "stage",
    "close_reason",
    "stage_changed_at",
    "created_at",
    "updated_at",
]
ENROLLMENT_COLUMNS = [
    "id",
    "batch_id",
    "case_id",
    "status",
    "starts_on",
    "ends_on",
    "attendance_rate",
    "created_at",
    "updated_at",
]
FOLLOW_UP_COLUMNS = [
    "id",
    "case_id",
    "enrollment_id",
    "offset_days",
    "due_on",
    "caseworker_id",
    "done_on",
    "created_at",
    "updated_at",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingHandler:
    """An SMTP server that keeps nothing but counts: sessions (one EHLO each), messages, distinct recipients."""

    def __init__(self):
        self.sessions = 0
        self.messages = 0
        self.recipients = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 (aiosmtpd's name)
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 Message accepted"


class QueryCounter:
    """connection.execute_wrapper: counts statements by their first word (SELECT, INSERT, UPDATE…)."""

    def __init__(self):
        self.by_verb = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        self.by_verb[sql.lstrip().split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        return sum(self.by_verb.values())

    def breakdown(self) -> str:
        return ", ".join(f"{n} {verb}" for verb, n in self.by_verb.most_common())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--follow-ups", type=int, default=100_000)
    parser.add_argument("--caseworkers", type=int, default=2_000)
    parser.add_argument("--offices", type=int, default=40, help="district offices (each with an NGO beside it)")
    parser.add_argument("--small", type=int, default=10, help="the first compose runs at 1/SMALL of the scale")
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of the compose")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the database is dropped first: its name must contain 'bench'")
    if args.caseworkers > args.follow_ups or args.caseworkers < args.small or args.offices < 2:
        parser.error("need at least one follow-up per caseworker, --small caseworkers and two offices")

    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP command at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = CountingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    os.environ["EMAIL_URL"] = f"smtp://{smtp.hostname}:{smtp.port}"

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    seeding.recreate_database(base, args.database)
    os.environ["DATABASE_URL"] = seeding.database_url(base, args.database)

    import django

    django.setup()
    try:
        return _run(args, handler)
    finally:
        smtp.stop()


def _run(args, handler) -> int:
    from django.core.management import call_command

    from agencies.models import Notification, Region

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        call_command("load_regions", stdout=io.StringIO())
    print(f"Database {args.database} migrated, regions loaded in {time.perf_counter() - started:.1f} s")

    pairs = _offices(args.offices)
    small_workers = args.caseworkers // args.small
    small_follow_ups = args.follow_ups // args.small
    workers = _caseworkers(pairs, 0, small_workers)
    _follow_ups(workers, 0, small_follow_ups)
    small = _compose(profile=False)
    # The small run's digests are removed so that the full run writes one for every caseworker.
    Notification.objects.all().delete()

    workers += _caseworkers(pairs, small_workers, args.caseworkers - small_workers)
    _follow_ups(workers[small_workers:], small_follow_ups, args.follow_ups - small_follow_ups)
    full = _compose(profile=args.profile)
    delivery = _deliver()
    emails, sessions = handler.messages, handler.sessions
    again = _compose(profile=False)
    again_delivery = _deliver()

    print(f"\nScale: {args.follow_ups:,} open follow-ups due, {args.caseworkers:,} caseworkers, {len(pairs)} offices")
    print("Compose (notifications_compose, all time zones):")
    print(
        f"  at {small_follow_ups:,} follow-ups / {small_workers:,} caseworkers: {small['queries'].total} queries"
        f" ({small['queries'].breakdown()}), {small['seconds']:.2f} s, {small['written']:,} digests written"
    )
    print(
        f"  at {args.follow_ups:,} follow-ups / {args.caseworkers:,} caseworkers: {full['queries'].total} queries"
        f" ({full['queries'].breakdown()}), {full['seconds']:.2f} s, {full['written']:,} digests written"
    )
    print(
        f"  {args.small}× the follow-ups and caseworkers: {full['seconds'] / small['seconds']:.1f}× the time,"
        f" {full['queries'].total - small['queries'].total} more queries"
        f" (INSERTs of {_write_chunk()} rows; the follow-ups are read through a server-side cursor, in"
        f" {math.ceil(args.follow_ups / 5000)} fetches of 5,000 rows that Django does not count as queries)"
    )
    print("Delivery (notifications_deliver, in chunks of DELIVERY_CHUNK as the worker takes them):")
    sent = delivery["result"].sent
    print(
        f"  {delivery['seconds']:.2f} s, {delivery['queries'].total} queries ({delivery['queries'].breakdown()}):"
        f" {delivery['queries'].total / max(sent, 1):.2f} per email (expected about 2: the row locked, then marked"
        f" sent, in one transaction per email; plus one opt-out query per chunk)"
    )
    print(
        f"  sent {sent:,}, failed {delivery['result'].failed}, skipped {delivery['result'].skipped};"
        f" the SMTP server received {emails:,} emails for {len(handler.recipients):,} distinct addresses"
        f" over {sessions:,} SMTP connections; {emails / delivery['seconds']:,.0f} emails/s"
    )
    print(
        f"Second run right after: wrote {again['written']}, sent {again_delivery['result'].sent}"
        f" ({again['queries'].total} + {again_delivery['queries'].total} queries, {again['seconds']:.2f} s +"
        f" {again_delivery['seconds']:.2f} s)"
    )
    print(f"Total: compose + delivery {full['seconds'] + delivery['seconds']:.1f} s for {args.follow_ups:,} follow-ups")

    checks = {
        "one digest per caseworker written": full["written"] == args.caseworkers,
        "one email per caseworker received": emails == args.caseworkers == len(handler.recipients),
        "same compose queries apart from INSERT chunks": _without_inserts(small) == _without_inserts(full),
        "second run wrote nothing": again["written"] == 0,
        "second run sent nothing": again_delivery["result"].sent == 0 and handler.messages == emails,
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    return 0 if all(checks.values()) else 1


def _write_chunk() -> int:
    from agencies.notifications import WRITE_CHUNK

    return WRITE_CHUNK


def _without_inserts(run: dict) -> collections.Counter:
    return collections.Counter({verb: n for verb, n in run["queries"].by_verb.items() if verb != "INSERT"})


def _compose(*, profile: bool) -> dict:
    from django.db import connection

    from agencies.notifications import notifications_compose

    counter = QueryCounter()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        written = notifications_compose(time_zones=None)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())
    return {"written": written, "seconds": seconds, "queries": counter}


def _deliver() -> dict:
    from django.db import connection

    from agencies.notifications import DELIVERY_CHUNK, Delivery, due_for_sending, notifications_deliver

    counter = QueryCounter()
    total = Delivery()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        ids = due_for_sending()
        for start in range(0, len(ids), DELIVERY_CHUNK):
            result = notifications_deliver(ids[start : start + DELIVERY_CHUNK])
            total.sent += result.sent
            total.failed += result.failed
            total.skipped += result.skipped
    return {"result": total, "seconds": time.perf_counter() - started, "queries": counter}


# Seeding


def _offices(count: int) -> list[dict]:
    """`count` district offices, each with an NGO in its regency and a finished batch, round robin over ZONES."""
    from django.utils import timezone

    from agencies.models import Agency, Region
    from programs.models import Batch, Program

    regencies = {
        zone: list(Region.objects.filter(level=Region.Level.REGENCY, time_zone=zone).order_by("code")[:count])
        for zone in ZONES
    }
    ended = timezone.localdate() - datetime.timedelta(days=120)
    pairs = []
    for i in range(count):
        region = regencies[ZONES[i % len(ZONES)]][i // len(ZONES)]
        office = Agency.objects.create(
            name=f"Dinas Sosial {region.name}", kind="social_service_district", region=region
        )
        ngo = Agency.objects.create(name=f"LKS Bina Sejahtera {region.name}", kind=Agency.Kind.NGO, region=region)
        program = Program.objects.create(
            name="Pelatihan keterampilan", kind="skills_training", organizer=office, region=region, fiscal_year=2026
        )
        batch = Batch.objects.create(
            program=program,
            number=1,
            starts_on=ended - datetime.timedelta(days=10),
            ends_on=ended,
            status=Batch.Status.FINISHED,
        )
        pairs.append({"office": office, "ngo": ngo, "batch": batch, "region": region})
    return pairs


def _caseworkers(pairs: list[dict], first: int, count: int) -> list[dict]:
    """Caseworkers `first`… spread over the offices: district staff and NGO caseworkers in turn."""
    from agencies.models import Membership, Role, User

    users, memberships, workers = [], [], []
    for i in range(first, first + count):
        pair = pairs[i % len(pairs)]
        in_ngo = (i // len(pairs)) % 2 == 1
        user = User(
            username=f"caseworker{i:05d}",
            email=f"caseworker{i:05d}@bench.example",
            password="!",  # noqa: S106 (unusable: nobody signs in)
            language="id" if i % 5 else "en",
        )
        users.append(user)
        agency = pair["ngo"] if in_ngo else pair["office"]
        role = Role.NGO_CASEWORKER if in_ngo else Role.DISTRICT_STAFF
        memberships.append((user, agency, role))
        workers.append({"user": user, "pair": pair, "registered_by": agency})
    User.objects.bulk_create(users, batch_size=1000)
    Membership.objects.bulk_create(
        [Membership(user=user, agency=agency, role=role) for user, agency, role in memberships], batch_size=1000
    )
    return workers


def _follow_ups(workers: list[dict], first: int, count: int) -> None:
    """Follow-ups `first`… (ids from first + 1), round robin over `workers`, each with its own person, case and
    enrollment. Half name their caseworker; the other half leave it to the case's."""
    from django.db import connection
    from django.utils import timezone

    started = time.perf_counter()
    now = timezone.now().isoformat()
    today = timezone.now().date()
    window = OVERDUE_AT_MOST + DUE_AHEAD + 1
    with connection.cursor() as cursor:
        for start in range(first, first + count, COPY_CHUNK):
            persons, cases, enrollments, follow_ups = [], [], [], []
            for i in range(start + 1, min(start + COPY_CHUNK, first + count) + 1):
                worker = workers[(i - first - 1) % len(workers)]
                office, batch, user_id = worker["pair"]["office"], worker["pair"]["batch"], worker["user"].pk
                due_on = today + datetime.timedelta(days=i % window - OVERDUE_AT_MOST)
                persons.append(f'{i},Penerima {i},"","",{"FM"[i % 2]},"","",1990,{now},{now}\n')
                cases.append(
                    f'{i},{office.region_id}-B-{i:07d},"",{i},{office.pk},{worker["registered_by"].pk},{user_id},'
                    f'10,aftercare,"",{now},{now},{now}\n'
                )
                enrollments.append(f"{i},{batch.pk},{i},completed,{batch.starts_on},{batch.ends_on},90,{now},{now}\n")
                follow_ups.append(f"{i},{i},{i},120,{due_on},{user_id if i % 2 else ''},,{now},{now}\n")
            seeding.copy(cursor.cursor, "cases_person", seeding.PERSON_COLUMNS, persons)
            seeding.copy(cursor.cursor, "cases_case", CASE_COLUMNS, cases)
            seeding.copy(cursor.cursor, "programs_enrollment", ENROLLMENT_COLUMNS, enrollments)
            seeding.copy(cursor.cursor, "programs_followup", FOLLOW_UP_COLUMNS, follow_ups)
        for table in ("cases_person", "cases_case", "programs_enrollment", "programs_followup"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE")
    print(
        f"Seeded {count:,} follow-ups for {len(workers):,} caseworkers by COPY in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
