"""The `exports` section of bench/api.py: the case list as a file (issue 17 §5, "Performance"), at the 1M scale.

1. A district officer's export of the closed cases (about 100,000 of the office's million) as CSV through our
   whole path, in-process: `export_request`, then `export_run`, the function the Celery task calls (keyset
   reads through the access rule, Indonesian words and dates, formula neutralizing, the csv module, AES-GCM
   records, the file written and fsynced, the row marked done, audit and the "ready" email), against the floor:
   PostgreSQL's `COPY (SELECT …) TO STDOUT WITH (FORMAT csv, HEADER)` of the same rows in the same order under
   the same Indonesian headers and words (stage labels, office, site and target group names, the caseworker's
   name, dates as `4 Des 2026` in the office's zone), the officer's scope and the neutralizing rule written in its
   SQL, read by psycopg2's `copy_expert` into a plain file. Before timing, our file is decrypted
   (`agencies.exports.decrypted`) and checked equal to the floor's: the same rows once parsed, and the same bytes
   but for what only the writers differ in (our UTF-8 byte-order mark for Excel, and `\\r\\n` line ends).
2. CSV and XLSX of about 10,000 cases (those reached at one site, seeded here) and of the 100,000, each in a
   fresh process started with `spawn`: its time and its peak RSS (VmHWM) less that of a process that only set
   Django up and connected. Memory is flat when the 100,000's figure is not near ten times the 10,000's. That time
   is a fresh worker's first export (translations loaded, statements planned for the first time); the times in
   this process (the CSV of 10,000 against its COPY too, and XLSX alone: there is no COPY of a workbook) are a
   warm worker's.

Seeded once (behind the site's case count): a site of origin, SITE, for 10,000 of the office's cases (every 97th by
id), as outreach records where people were reached. The files are written under a temporary EXPORT_DIR, deleted at
the end with the export rows the bench asked for. The task's message goes to an in-memory broker nobody reads:
the bench calls what the task calls, in its own process.
"""

import codecs
import csv
import datetime
import io
import multiprocessing
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Result, paired_medians, statements

SITE = "Klakah Rejo"
SMALL = 10_000
KIND = "cases.case_list"
BIG_FILTERS = {"stage__exact": "closed"}


def add_arguments(parser) -> None:
    parser.add_argument("--export-repeat", type=int, default=3, help="timed exports of 100,000 cases and COPYs")


def seed(seeded: dict, args) -> bool:
    """SMALL of the office's cases reached at SITE, unless they are there already (another section's seed may
    have moved some to its own sites since: they are topped up)."""
    from django.db import connection, transaction

    from cases.models import Case, Site

    office = seeded["office"]
    with transaction.atomic():
        site, _ = Site.objects.get_or_create(
            name=SITE, region_id=office.region_id, defaults={"kind": Site.Kind.LOKALISASI}
        )
        have = Case.objects.filter(site=site).count()
        if have >= SMALL:
            return False
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case SET site_id = %s WHERE id IN (SELECT id FROM cases_case WHERE owner_id = %s"
                " AND id %% 97 = 0 AND site_id IS DISTINCT FROM %s ORDER BY id LIMIT %s)",
                [site.pk, office.pk, site.pk, SMALL - have],
            )
    print(f"Seeded {SMALL - have:,} cases reached at {SITE} (exports) in {time.perf_counter() - started:.1f} s")
    return True


def _small_filters() -> dict:
    from cases.models import Site

    return {"site": str(Site.objects.get(name=SITE).pk)}


def _quiet_broker() -> None:
    """The task's message goes to an in-process memory broker: nobody runs it, the bench calls `export_run`."""
    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"


def export(actor, fmt: str, filters: dict):
    """Our path: the request as the admin's button makes it, then what the Celery task runs."""
    from agencies import exports
    from agencies.models import Export

    asked = exports.export_request(actor=actor, kind=KIND, format=fmt, filters=filters)
    done = exports.export_run(asked.pk)
    assert done.status == Export.Status.DONE, (done.status, done.error)
    return done


# The floor: COPY of the same rows, words and order


def _neutral(expression: str) -> str:
    """agencies.exports.neutralized in SQL: a cell a spreadsheet would read as a formula starts with an apostrophe."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))"
        f" THEN '''' || {expression} ELSE {expression} END"
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def floor_sql(cursor, actor, filters: dict) -> str:
    """The COPY statement of `actor`'s (a district officer's) case list with `filters`, parameters bound."""
    from django.utils import dateformat, translation

    from agencies import access, notifications
    from agencies.exports import KINDS
    from bench.home import _visible_case
    from cases.models import Case

    grant = next(g for g in access.grants_of(actor) if g.role == "district_staff")
    with translation.override(actor.language):
        header = KINDS[KIND].header()
        stages = {code: str(label) for code, label in Case.Stage.choices}
        months = [dateformat.format(datetime.date(2000, m, 1), "M") for m in range(1, 13)]
    zone = str(notifications.zone_of(grant.agency))
    local = "(c.created_at AT TIME ZONE %(zone)s)"
    stage_words = " ".join(f"WHEN %(code_{c})s THEN %(stage_{c})s" for c in stages)
    columns = [
        "c.number",
        _neutral("p.full_name"),
        _neutral("NULLIF(p.known_as, '')"),
        f"CASE c.stage {stage_words} ELSE c.stage END",
        _neutral("NULLIF(tg.name, '')"),
        _neutral("NULLIF(s.name, '')"),
        _neutral("NULLIF(o.name, '')"),
        _neutral("COALESCE(NULLIF(btrim(u.first_name || ' ' || u.last_name), ''), NULLIF(u.username, ''))"),
        f"to_char({local}, 'FMDD') || ' ' || (%(months)s::text[])[extract(month FROM {local})::int]"
        f" || ' ' || to_char({local}, 'YYYY')",
    ]
    where = [_visible_case("c")]
    if "stage__exact" in filters:
        where.append("c.stage = %(stage)s")
    if "site" in filters:
        where.append("c.site_id = %(site)s")
    select = (
        "SELECT "
        + ", ".join(f"{column} AS {_quoted(name)}" for column, name in zip(columns, header, strict=True))
        + " FROM cases_case c JOIN cases_person p ON p.id = c.person_id"
        " LEFT JOIN cases_targetgroup tg ON tg.code = c.target_group_id LEFT JOIN cases_site s ON s.id = c.site_id"
        " LEFT JOIN agencies_agency o ON o.id = c.owner_id LEFT JOIN agencies_user u ON u.id = c.caseworker_id"
        " WHERE " + " AND ".join(where) + " ORDER BY c.id"
    )
    params = {
        "office": grant.agency.pk,
        "zone": zone,
        "months": months,
        "stage": filters.get("stage__exact"),
        "site": int(filters.get("site") or 0),
        **{f"code_{code}": code for code in stages},
        **{f"stage_{code}": label for code, label in stages.items()},
    }
    return f"COPY ({cursor.mogrify(select, params).decode()}) TO STDOUT WITH (FORMAT csv, HEADER)"


def copy_to(path: Path, sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor, open(path, "wb") as out:
        cursor.cursor.copy_expert(sql, out)


# Comparing the files


def _ours_plain(done) -> bytes:
    from agencies import exports

    return b"".join(exports.decrypted(exports.export_dir() / done.file_name))


def _same(ours: bytes, floor: bytes) -> str:
    """How our file equals the floor's; SystemExit when it does not."""
    ours_rows = list(csv.reader(io.StringIO(ours.decode("utf-8-sig"), newline="")))
    floor_rows = list(csv.reader(io.StringIO(floor.decode("utf-8"), newline="")))
    if ours_rows != floor_rows:
        first = next(
            (i for i, (a, b) in enumerate(zip(ours_rows, floor_rows, strict=False)) if a != b),
            min(len(ours_rows), len(floor_rows)),
        )
        raise SystemExit(
            f"The COPY floor does not write what our export writes ({len(ours_rows):,} and {len(floor_rows):,}"
            f" lines; first difference at line {first + 1})"
        )
    ours_bytes = ours.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n")
    if ours_bytes != floor:
        raise SystemExit("The COPY floor writes the same rows as our export, but quoted otherwise")
    return f"{len(ours_rows) - 1:,} rows and a header equal; bytes equal but for our byte-order mark and CRLF"


# One export in a fresh process, for its peak memory


def _vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(pipe, username: str, fmt: str | None, filters: dict, export_dir: str) -> None:
    """Set Django up and connect; then, unless this is the baseline (`fmt` None), run one export. Sends back
    (milliseconds, VmHWM in kB, rows)."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import override_settings

    from agencies.models import User

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    actor = User.objects.get(username=username)
    _quiet_broker()
    if fmt is None:
        pipe.send((0.0, _vm_hwm_kb(), 0))
        return
    with override_settings(EXPORT_DIR=export_dir, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        started = time.perf_counter()
        done = export(actor, fmt, filters)
        ms = (time.perf_counter() - started) * 1000
    pipe.send((ms, _vm_hwm_kb(), done.row_count))


def in_child(username: str, fmt: str | None, filters: dict, export_dir: str) -> tuple[float, int, int]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, username, fmt, filters, export_dir))
    process.start()
    send.close()
    try:
        found = receive.recv()
    except EOFError:
        found = None
    process.join()
    if process.exitcode != 0 or found is None:
        raise SystemExit(f"The export's child process failed (exit code {process.exitcode})")
    return found


def measure(seeded: dict, args) -> list[Result]:
    from django.db import connection
    from django.test.utils import override_settings

    from agencies.models import Export
    from cases.exports import CaseListExport

    staff = seeded["staff"]
    small = _small_filters()
    counts = {name: CaseListExport().cases(staff, f).count() for name, f in (("big", BIG_FILTERS), ("small", small))}
    print(
        f"Exports as {staff.username} (district staff): closed cases {counts['big']:,} rows,"
        f" cases reached at {SITE} {counts['small']:,} rows"
    )
    _quiet_broker()
    directory = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    before = Export.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        with override_settings(
            EXPORT_DIR=str(directory / "files"), EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            results = _measure(staff, counts, small, directory, args)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        Export.objects.filter(pk__gt=before, requested_by=staff).delete()
        connection.close()
    return results


def _measure(staff, counts: dict, small: dict, directory: Path, args) -> list[Result]:
    from agencies import exports

    def ours_of(fmt: str, filters: dict):
        def call():
            done = export(staff, fmt, filters)
            (exports.export_dir() / done.file_name).unlink()

        return call

    results = []
    for filters, size, target in ((BIG_FILTERS, counts["big"], "≤ 4×"), (small, counts["small"], "")):
        floor_path = directory / "floor.csv"
        sql = _floor(staff, filters)
        copy_to(floor_path, sql)
        done = export(staff, "csv", filters)
        print(f"Export CSV of {size:,} cases against COPY: {_same(_ours_plain(done), floor_path.read_bytes())}")
        (exports.export_dir() / done.file_name).unlink()
        ours_ms, floor_ms = paired_medians(
            ours_of("csv", filters), lambda sql=sql, path=floor_path: copy_to(path, sql), args.export_repeat
        )
        results.append(
            Result(
                f"exports: CSV of {size:,} cases, district staff (ms)",
                ours_ms,
                floor_ms,
                target,
                statements(ours_of("csv", filters)),
            )
        )
    # XLSX has no COPY to compare with: its time alone (the 100,000's once, it takes long).
    for filters, size, repeat in ((small, counts["small"], args.export_repeat), (BIG_FILTERS, counts["big"], 1)):
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            ours_of("xlsx", filters)()
            samples.append((time.perf_counter() - started) * 1000)
        results.append(Result(f"exports: XLSX of {size:,} cases, district staff (ms)", statistics.median(samples)))

    _ms, base_kb, _rows = in_child(staff.username, None, {}, str(directory / "files"))
    print(f"A process that set Django up and connected peaks at {base_kb / 1024:.1f} MB")
    for fmt in ("csv", "xlsx"):
        figures = [in_child(staff.username, fmt, f, str(directory / "files")) for f in (small, BIG_FILTERS)]
        (small_ms, small_kb, small_rows), (big_ms, big_kb, big_rows) = figures
        small_mb, big_mb = (small_kb - base_kb) / 1024, (big_kb - base_kb) / 1024
        name = fmt.upper()
        results += [
            Result(f"exports: {name} of {small_rows:,} cases, fresh process's first (ms)", small_ms),
            Result(f"exports: {name} of {big_rows:,} cases, fresh process's first (ms)", big_ms),
            Result(f"exports: {name} of {small_rows:,} cases, peak RSS added (MB)", small_mb),
            # Against the 10,000's figure: memory is flat when this is far from ten times it.
            Result(f"exports: {name} of {big_rows:,} cases, peak RSS added (MB)", big_mb, small_mb, "flat, ≪ 10×"),
        ]
        print(f"{name}: peak RSS added {small_mb:.1f} MB at {small_rows:,} rows, {big_mb:.1f} MB at {big_rows:,}")
    return results


def _floor(staff, filters: dict) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        return floor_sql(cursor, staff, filters)
