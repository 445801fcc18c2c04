"""The reports against their raw GROUP BY floors (issue 15, "Reports in one pass").

Seeds, on top of the base seed's program, batches and enrollments: sites for the cases, the program's batches
run (all but the last finished) with their enrollments completed, not completed or withdrawn, follow-up visits
with their outcomes (several per case, at different dates, a realistic mix of where people live now); and a
district's budget: funding sources, allocations and `--ledger-rows` ledger rows (commitments, releases, payments,
reversals), each allocation's committed and paid set to its ledger's sums as the services keep them.

Measures the program report (the selector, and the admin page) and the budget realization (the selector per
allocation and per month, and the admin page) against hand-written SQL returning the same figures, checked equal
once before timing. The floors run with JIT off too, as the report does: a floor slowed by JIT would flatter us.
"""

import functools
import html
import re
import time

from bench.common import Result, paired_medians, sign_in, statements

SITES = (
    "Gempol Porong",
    "Wonosobo",
    "Sunan Kuning",
    "Dolly",
    "Jarak",
    "Kalijodo",
    "Saritem",
    "Pasar Kembang",
    "Silir",
    "Tanjung Elmo",
    "Bandungan",
    "Kramat Tunggak",
    "Sintai",
    "Kedung Banteng",
    "Klubuk",
    "Moroseneng",
    "Padang Bulan",
    "Gang Sadar",
    "Karaoke Bintang",
    "Karaoke Melati",
)
LEDGER_MARK = "bench realization"


def add_arguments(parser) -> None:
    parser.add_argument("--ledger-rows", type=int, default=1_000_000, help="ledger rows the realization sums")
    parser.add_argument("--report-repeat", type=int, default=15, help="timed calls of each report and its floor")


def seed(seeded: dict, args) -> bool:
    wrote = _seed_outcomes(seeded)
    return _seed_ledger(seeded, args.ledger_rows) or wrote


def _program():
    from programs.models import Program

    return Program.objects.get(name="bench")


def _seed_outcomes(seeded: dict) -> bool:
    from django.db import connection, transaction

    from cases.models import Site

    if Site.objects.filter(name=SITES[0]).exists():
        return False
    started = time.perf_counter()
    office = seeded["office"]
    program = _program()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.15)")
        site_ids = [Site.objects.create(name=name, kind="lokalisasi", region=office.region).pk for name in SITES]
        # Where each case was reached: a few big sites hold most people (squared uniform), one in eight unknown.
        cursor.execute(
            "UPDATE cases_case SET site_id = (%s::bigint[])[1 + floor(%s * power(random(), 2))::int]"
            " WHERE owner_id = %s AND random() > 0.125",
            [site_ids, len(site_ids), office.pk],
        )
        # Every batch but the last has run; its people completed (75%), did not (17%) or withdrew (8%). The last
        # is under way: enrolled, a tenth on its waiting list.
        cursor.execute("SELECT max(number) FROM programs_batch WHERE program_id = %s", [program.pk])
        (last,) = cursor.fetchone()
        cursor.execute(
            "UPDATE programs_batch SET status = 'finished' WHERE program_id = %s AND number < %s", [program.pk, last]
        )
        cursor.execute(
            "UPDATE programs_enrollment e SET status = CASE WHEN r < 0.75 THEN 'completed'"
            " WHEN r < 0.92 THEN 'not_completed' ELSE 'withdrawn' END, attendance_rate = (60 + 40 * r)::int"
            " FROM (SELECT id, random() AS r FROM programs_enrollment) x, programs_batch b"
            " WHERE x.id = e.id AND b.id = e.batch_id AND b.program_id = %s AND b.number < %s",
            [program.pk, last],
        )
        cursor.execute(
            "UPDATE programs_enrollment e SET status = 'waitlisted' FROM programs_batch b"
            " WHERE b.id = e.batch_id AND b.program_id = %s AND b.number = %s AND random() < 0.1",
            [program.pk, last],
        )
        # Visits after completion at 30, 90 and 180 days, fewer the later (80%, 60%, 40%), done within ten days.
        cursor.execute(
            "INSERT INTO programs_followup (case_id, enrollment_id, offset_days, due_on, done_on, created_at,"
            " updated_at) SELECT e.case_id, e.id, o.days, e.ends_on + o.days,"
            " e.ends_on + o.days + floor(random() * 10)::int, now(), now()"
            " FROM programs_enrollment e JOIN programs_batch b ON b.id = e.batch_id"
            " CROSS JOIN (VALUES (30, 0.8), (90, 0.6), (180, 0.4)) o(days, share)"
            " WHERE b.program_id = %s AND e.status = 'completed' AND random() < o.share"
            # The home section, when seeded first, has visited some of them already.
            " ON CONFLICT DO NOTHING",
            [program.pk],
        )
        # What each visit found: left the site (45%), went home (20%), still there (25%), came back (10%).
        cursor.execute(
            "INSERT INTO programs_outcome (follow_up_id, case_id, recorded_on, business_started, business_type,"
            " income_band, site_status, left_site_on, bpjs_enrolled, created_at)"
            " SELECT f.id, f.case_id, f.done_on, r < 0.5, CASE WHEN r < 0.5 THEN 'Warung' ELSE '' END,"
            " CASE WHEN r < 0.3 THEN 'low' ELSE '' END,"
            " CASE WHEN s < 0.45 THEN 'left_site' WHEN s < 0.65 THEN 'returned_home'"
            " WHEN s < 0.9 THEN 'still_at_site' ELSE 'returned_to_site' END,"
            " CASE WHEN s < 0.65 THEN f.done_on - 20 END, r < 0.6, now()"
            " FROM (SELECT *, random() AS r, random() AS s FROM programs_followup) f"
            " JOIN programs_enrollment e ON e.id = f.enrollment_id JOIN programs_batch b ON b.id = e.batch_id"
            # Visits made (the home section's may not be yet) that no other section has recorded an outcome of.
            " WHERE b.program_id = %s AND f.done_on IS NOT NULL ON CONFLICT DO NOTHING",
            [program.pk],
        )
        cursor.execute("SELECT count(*) FROM programs_outcome")
        (outcomes,) = cursor.fetchone()
    print(f"Seeded {outcomes:,} outcomes of the program's follow-ups in {time.perf_counter() - started:.1f} s")
    return True


def _seed_ledger(seeded: dict, rows: int) -> bool:
    from django.db import connection, transaction

    from funding.models import Allocation, FundingSource

    if FundingSource.objects.filter(name__startswith=LEDGER_MARK).exists():
        return False
    started = time.perf_counter()
    office, program = seeded["office"], _program()
    allocation_ids = []
    with transaction.atomic():
        for year in (2025, 2026):
            for kind, source_name in (("apbd_district", "APBD Banyuwangi"), ("apbn_kemensos", "APBN Kemensos")):
                source = FundingSource.objects.create(
                    name=f"{LEDGER_MARK} {source_name}", kind=kind, agency=office, fiscal_year=year
                )
                for n in range(6):
                    allocation_ids.append(
                        Allocation.objects.create(
                            source=source,
                            name=f"{source_name} {year} pos {n + 1}",
                            fiscal_year=year,
                            program=program if n % 2 == 0 else None,
                            district=office if n % 3 else None,
                            ceiling=1,  # set below from what the ledger commits
                        ).pk
                    )
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.25)")
            # Some allocations move far more money than others; a row's time spreads over its fiscal year.
            cursor.execute(
                "INSERT INTO funding_ledgerentry (allocation_id, kind, committed_delta, paid_delta, created_at)"
                " SELECT a.id, k.kind, k.committed, k.paid,"
                " make_timestamptz(a.fiscal_year, 1, 1, 8, 0, 0, 'Asia/Jakarta') + random() * interval '364 days'"
                " FROM (SELECT (%s::bigint[])[1 + floor(%s * power(random(), 1.5))::int] AS id, random() AS r"
                "       FROM generate_series(1, %s)) pick"
                " JOIN funding_allocation a ON a.id = pick.id"
                " JOIN (VALUES ('commit', 0.0, 0.4, 1800000, 0), ('release', 0.4, 0.45, -600000, 0),"
                "              ('payment', 0.45, 0.95, 0, 600000), ('reversal', 0.95, 1.01, 0, -600000))"
                "   k(kind, low, high, committed, paid) ON pick.r >= k.low AND pick.r < k.high",
                [allocation_ids, len(allocation_ids), rows],
            )
            # The totals the services keep under the allocation's lock, and a ceiling a quarter above them.
            cursor.execute(
                "UPDATE funding_allocation a SET committed = s.committed, paid = s.paid,"
                " ceiling = greatest(s.committed + s.committed / 4, 1)"
                " FROM (SELECT allocation_id, sum(committed_delta) AS committed, sum(paid_delta) AS paid"
                "       FROM funding_ledgerentry GROUP BY allocation_id) s WHERE s.allocation_id = a.id"
            )
    print(
        f"Seeded {rows:,} ledger rows over {len(allocation_ids)} allocations in {time.perf_counter() - started:.1f} s"
    )
    return True


# The floors: hand-written SQL for the same figures.

REPORT_FLOOR = """
    WITH taken AS (
        SELECT e.case_id, e.status, b.number AS batch_number, b.status AS batch_status, s.name AS site_name
        FROM programs_enrollment e
        JOIN programs_batch b ON b.id = e.batch_id
        JOIN cases_case c ON c.id = e.case_id
        LEFT JOIN cases_site s ON s.id = c.site_id
        WHERE b.program_id = %(program)s AND e.status NOT IN ('withdrawn', 'waitlisted')
    ), latest AS (
        SELECT DISTINCT ON (case_id) case_id, site_status FROM programs_outcome
        ORDER BY case_id, recorded_on DESC, id DESC
    )
    SELECT GROUPING(batch_number) = 0, batch_number, site_name,
        count(*),
        count(*) FILTER (WHERE t.status = 'completed'),
        count(*) FILTER (WHERE t.status = 'completed' AND l.site_status IS NOT NULL),
        count(*) FILTER (WHERE t.status = 'completed' AND l.site_status IN ('left_site', 'returned_home')),
        count(*) FILTER (WHERE t.status = 'completed' AND l.site_status IN ('still_at_site', 'returned_to_site')),
        count(*) FILTER (WHERE batch_status = 'finished')
    FROM taken t LEFT JOIN latest l USING (case_id)
    GROUP BY GROUPING SETS ((batch_number), (site_name))
    ORDER BY 1 DESC, batch_number, site_name
"""

# The allocations district staff see (funding/access_rules.py), written out by hand: the offices %(user)s acts for
# as district staff are read by the same statement, as the selector reads the viewer's grants on every call (a
# membership may end between two calls).
_ACTING = (
    "(SELECT m.agency_id FROM agencies_membership m JOIN agencies_agency g ON g.id = m.agency_id"
    " WHERE m.user_id = %(user)s AND m.active AND g.active AND m.role = 'district_staff')"
)
_VISIBLE = f"(f.agency_id IN {_ACTING} OR a.district_id IN {_ACTING} OR p.organizer_id IN {_ACTING})"
_ALLOCATIONS = (
    "funding_allocation a JOIN funding_fundingsource f ON f.id = a.source_id"
    " LEFT JOIN programs_program p ON p.id = a.program_id"
)
REALIZATION_FLOOR = f"""
    SELECT a.name, f.name, sum(a.ceiling)::bigint, sum(a.committed)::bigint, sum(a.paid)::bigint FROM {_ALLOCATIONS}
    WHERE {_VISIBLE} GROUP BY a.name, f.name ORDER BY a.name, f.name
"""  # noqa: S608
REALIZATION_LEDGER_FLOOR = f"""
    SELECT a.name, f.name, sum(a.ceiling)::bigint, sum(l.committed)::bigint, sum(l.paid)::bigint
    FROM {_ALLOCATIONS}
    LEFT JOIN (SELECT allocation_id, sum(committed_delta) AS committed, sum(paid_delta) AS paid
               FROM funding_ledgerentry GROUP BY allocation_id) l ON l.allocation_id = a.id
    WHERE {_VISIBLE} GROUP BY a.name, f.name ORDER BY a.name, f.name
"""  # noqa: S608
MONTH_FLOOR = f"""
    SELECT date_trunc('month', CASE WHEN l.kind = 'payment' AND d.paid_on IS NOT NULL THEN d.paid_on
                                    ELSE (l.created_at AT TIME ZONE %(zone)s)::date END)::date AS month,
        sum(l.committed_delta)::bigint, sum(l.paid_delta)::bigint
    FROM funding_ledgerentry l LEFT JOIN funding_disbursement d ON d.id = l.disbursement_id
    WHERE l.allocation_id IN (SELECT a.id FROM {_ALLOCATIONS} WHERE {_VISIBLE})
    GROUP BY month ORDER BY month
"""  # noqa: S608


def _floor_rows(sql: str, params: dict) -> list[tuple]:
    from django.db import connection, transaction

    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _report_floor(program_id: int) -> list[tuple]:
    return _floor_rows(REPORT_FLOOR, {"program": program_id})


def _realization_floor(user_id: int, sql: str = REALIZATION_FLOOR) -> list[tuple]:
    from django.conf import settings
    from django.db import connection

    params = {"user": user_id, "zone": settings.TIME_ZONE}
    if sql not in (REALIZATION_FLOOR, REALIZATION_YEARS_FLOOR):
        return _floor_rows(sql, params)
    # Summing a district's allocations is far below JIT's cost threshold, and the selector does not switch it off
    # either: the floor needs no transaction and no SET, the round trips ours does not make.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


REALIZATION_YEARS_FLOOR = f"SELECT DISTINCT a.fiscal_year FROM {_ALLOCATIONS} WHERE {_VISIBLE} ORDER BY 1 DESC"  # noqa: S608


def report_floor_page(request, pk: int):
    """The report's figures by the floor's SQL, as JSON, behind the same middleware as the admin page."""
    import orjson
    from django.http import HttpResponse, HttpResponseForbidden

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    return HttpResponse(orjson.dumps(_report_floor(pk)), content_type="application/json")


def realization_floor_page_bare(request, user: int):
    """The first bench's floor of the realization page: its figures as JSON, without the page's words or years."""
    import orjson
    from django.http import HttpResponse, HttpResponseForbidden

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    return HttpResponse(orjson.dumps(_realization_floor(user)), content_type="application/json")


def realization_floor_page(request, user: int):
    """The realization page per allocation as finance staff read it: the grouping and year choices (the years of
    the allocations in scope), the column names, and per allocation its name, source, ceiling, committed, paid and
    remaining in Rupiah ("Rp5.000.000") and % realized with a decimal comma; raw SQL, HTML by hand."""
    from decimal import Decimal

    from django.http import HttpResponse, HttpResponseForbidden

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    rows, years = _realization_floor(user), _realization_floor(user, REALIZATION_YEARS_FLOOR)
    w = _realization_words()

    def rupiah(amount: int) -> str:
        return f"Rp{amount:,}".replace(",", ".")

    body = []
    for allocation, source, ceiling, committed, paid in rows:
        realized = (Decimal(100 * paid) / ceiling).quantize(Decimal("0.1")) if ceiling else None
        shown = "" if realized is None else f"{str(realized).replace('.', ',')}%"
        body.append(
            f"<tr><td>{html.escape(allocation)}</td><td>{html.escape(source)}</td><td>{rupiah(ceiling)}</td>"
            f"<td>{rupiah(committed)}</td><td>{rupiah(paid)}</td><td>{rupiah(ceiling - committed)}</td>"
            f"<td>{shown}</td></tr>"
        )
    if not body:
        body.append(f'<tr><td colspan="7">{w["none"]}</td></tr>')
    year_options = "".join(f'<option value="{year}">{year}</option>' for (year,) in years)
    return HttpResponse(
        f'<!doctype html><html><body><div id="content" class="colM"><h1>{w["title"]}</h1><form method="get">'
        f'<label>{w["per"]}<select name="by">{w["groupings"]}</select></label><label>{w["year"]}<select name="year">'
        f'<option value="">{w["all"]}</option>{year_options}</select></label><input type="submit" value="{w["show"]}">'
        '<a class="button" href="?by=allocation&amp;year=&amp;format=csv">CSV</a>'
        '<a class="button" href="?by=allocation&amp;year=&amp;format=xlsx">XLSX</a></form>'
        f"<table><thead><tr>{w['header']}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        '<br class="clear"></div></body></html>'
    )


@functools.cache
def _realization_words() -> dict:
    """The realization page's words in the installation's language, made once per process."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.html import escape
    from django.utils.text import capfirst

    from funding.admin import _header
    from funding.selectors import GROUPING_LABELS

    with translation.override(settings.LANGUAGE_CODE):
        return {
            "title": escape(translation.gettext("Budget realization")),
            "per": escape(translation.gettext("Per")),
            "year": escape(translation.gettext("fiscal year")),
            "all": escape(translation.gettext("All")),
            "show": escape(translation.gettext("Show")),
            "none": escape(translation.gettext("No allocations in your scope.")),
            "groupings": "".join(
                f'<option value="{code}"{" selected" * (code == "allocation")}>{escape(capfirst(label))}</option>'
                for code, label in GROUPING_LABELS.items()
            ),
            "header": "".join(f"<th>{escape(name)}</th>" for name in _header("allocation")),
        }


def content_text(page: bytes) -> str:
    """The text a person reads in an admin page's content (below the header and menu): tags dropped, entities
    read, spaces collapsed."""
    text = page.decode()
    content = re.search(r'<div id="content" class="[^"]*">(.*?)<br class="clear">', text, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def floor_urls() -> list:
    from django.urls import path

    return [
        path("floor/reports/program/<int:pk>/", report_floor_page),
        path("floor/reports/realization/<int:user>/", realization_floor_page),
        path("floor/reports/realization-bare/<int:user>/", realization_floor_page_bare),
    ]


# The report's figures, in the floor's column order.
FIGURES = ("enrolled", "trained", "followed_up", "left_site", "still_there", "enrolled_finished")


def _report_as_floor_rows(report) -> list[tuple]:
    batches = [(True, int(r.label), None, *(getattr(r, f) for f in FIGURES)) for r in report.batches]
    sites = [
        (False, None, None if r.label == "-" else r.label, *(getattr(r, f) for f in FIGURES)) for r in report.sites
    ]
    return batches + sites


def measure(seeded: dict, args) -> list[Result]:
    from django.test import Client

    from funding import selectors as funding_selectors
    from programs import selectors

    staff, program = seeded["staff"], _program()
    repeat = args.report_repeat
    results = []

    def report():
        return selectors.program_report(staff, program.pk)

    ours_rows, floor_rows = _report_as_floor_rows(report()), _report_floor(program.pk)
    assert ours_rows == floor_rows, (ours_rows, floor_rows)
    ours, floor = paired_medians(report, lambda: _report_floor(program.pk), repeat)
    results.append(Result("program report, selector (ms)", ours, floor, "≤ 1.5×", statements(report)))

    client = Client()
    sign_in(client, staff)
    page, floor_page = f"/admin/programs/program/{program.pk}/report/", f"/floor/reports/program/{program.pk}/"
    assert client.get(page).status_code == 200 and client.get(floor_page).status_code == 200
    ours, floor = paired_medians(lambda: client.get(page), lambda: client.get(floor_page), repeat)
    results.append(
        Result("program report, admin page (ms)", ours, floor, "≤ 1.5×", statements(lambda: client.get(page)))
    )

    def realization(by="allocation"):
        return [(*r.labels, r.ceiling, r.committed, r.paid) for r in funding_selectors.realization(staff, by=by)]

    assert realization() == _realization_floor(staff.pk) == _realization_floor(staff.pk, REALIZATION_LEDGER_FLOOR)
    ours, floor = paired_medians(realization, lambda: _realization_floor(staff.pk), repeat)
    results.append(
        Result("realization per allocation vs its totals (ms)", ours, floor, "≤ 1.5×", statements(realization))
    )
    ours, floor = paired_medians(realization, lambda: _realization_floor(staff.pk, REALIZATION_LEDGER_FLOOR), repeat)
    results.append(Result("realization per allocation vs ledger GROUP BY (ms)", ours, floor, "≤ 1.5×"))

    def by_month():
        return realization("month")

    months = [(month, None, committed, paid) for month, committed, paid in _realization_floor(staff.pk, MONTH_FLOOR)]
    assert by_month() == months, (by_month(), months)
    ours, floor = paired_medians(by_month, lambda: _realization_floor(staff.pk, MONTH_FLOOR), repeat)
    results.append(Result("realization per month vs ledger GROUP BY (ms)", ours, floor, "≤ 1.5×", statements(by_month)))

    page, floor_page = "/admin/funding/allocation/realization/", f"/floor/reports/realization/{staff.pk}/"
    ours_text, floor_text = content_text(client.get(page).content), content_text(client.get(floor_page).content)
    if ours_text != floor_text:
        raise SystemExit(f"The realization page's floor does not show what our page shows:\n{ours_text}\n{floor_text}")
    ours, floor = paired_medians(lambda: client.get(page), lambda: client.get(floor_page), repeat)
    results.append(Result("realization, admin page (ms)", ours, floor, "≤ 1.5×", statements(lambda: client.get(page))))
    bare_page = f"/floor/reports/realization-bare/{staff.pk}/"
    ours, floor = paired_medians(lambda: client.get(page), lambda: client.get(bare_page), repeat)
    results.append(Result("realization, admin page [bare floor] (ms)", ours, floor, "(before)", None))
    return results
