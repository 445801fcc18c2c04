"""The `figures` section of bench/api.py: issue 17's aggregate layer at a million cases, three million enrollments
and the reports section's `--ledger-rows` ledger rows.

1. **The refresh** (`agencies.figures_refresh.figures_refresh`, in-process, what the nightly task runs) against its
   floor: every registered indicator's own GROUP BY (the one statement its `compute` runs, captured once) run raw
   through a cursor and fetched, the cost of computing the facts without storing them. Before timing, the facts the
   refresh stored are checked against the floor's rows: as many per indicator, with the same sums of value and
   base. Then each indicator's `compute` (its GROUP BY and a Fact per row) against its raw statement, and where
   the refresh's time beyond the computes goes (the facts as COPY lines in Python, the DELETE, the COPY).
2. **The national dashboard** (Laporan → Dasbor) for a ministry leadership viewer: the page itself, signed in,
   through the whole middleware, against raw SQL reading the same figures grouped the same way, one statement for
   each table the page shows (the tables are learnt by watching one page being drawn); then those tables read
   through `agencies.figures.figure_table` alone, each checked equal to its raw sums first.

It seeds a ministry (Kemensos, kind ministry) with a leadership viewer; the facts are the refresh's own.
"""

import datetime
import time

from bench.common import Result, paired_medians, sign_in, statements

MINISTRY = "Kementerian Sosial RI (Kemensos)"
LEADER = "bench-kemensos"


def add_arguments(parser) -> None:
    parser.add_argument("--figures-repeat", type=int, default=3, help="timed refreshes and computes (figures)")
    parser.add_argument(
        "--figures-spread", type=int, default=200, help="regencies the facts are copied into to time the store"
    )
    parser.add_argument("--dashboard-repeat", type=int, default=20, help="timed reads of the dashboard's tables")
    parser.add_argument(
        "--figures-dashboard-only",
        action="store_true",
        help="time the dashboard alone, over the facts a previous run's refresh stored (refreshed first if none)",
    )


def seed(seeded: dict, args) -> bool:
    """The ministry and its leadership viewer (a few rows: nothing to vacuum for)."""
    from agencies.models import Agency, Membership, Region, Role, User

    ministry, _ = Agency.objects.get_or_create(
        name=MINISTRY, defaults={"kind": Agency.Kind.MINISTRY, "region": Region.objects.get(code="31")}
    )
    user, _ = User.objects.get_or_create(username=LEADER, defaults={"first_name": "Pimpinan Kemensos"})
    Membership.objects.get_or_create(user=user, agency=ministry, defaults={"role": Role.LEADERSHIP_VIEWER})
    return False


def leader():
    from agencies.models import User

    return User.objects.get(username=LEADER)


# 1. The refresh against the raw GROUP BYs


def captured_statements() -> dict[str, str]:
    """{indicator code: the SQL its compute runs}, as sent to the server (parameters in place)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.indicators import all_indicators

    found = {}
    for indicator in all_indicators():
        with CaptureQueriesContext(connection) as captured:
            list(indicator.compute())
        if len(captured) != 1:
            raise SystemExit(f"{indicator.code}'s compute runs {len(captured)} statements, not one GROUP BY")
        found[indicator.code] = captured[0]["sql"]
    return found


def _raw(sql: str) -> tuple[list[str], list[tuple]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)  # no parameters: the captured statement has them in place, and no % is read
        return [column.name for column in cursor.description], cursor.fetchall()


def _floor_sums(indicator, sql: str) -> tuple[int, int, int | None]:
    """(rows, sum of value, sum of base) of the raw statement; the base is the one aggregate besides the value."""
    names, rows = _raw(sql)
    dims = set(indicator.dimensions) | {f"of_{d}" for d in indicator.dimensions}
    others = [i for i, name in enumerate(names) if name not in dims and name != "value"]
    value = names.index("value")

    def number(cell) -> int:
        # A waiting time is summed as an interval (cases.indicators.compute_referral_days): in whole days.
        return cell // datetime.timedelta(days=1) if isinstance(cell, datetime.timedelta) else cell or 0

    if indicator.unit in ("percent", "days"):
        (base,) = others
        return len(rows), sum(number(r[value]) for r in rows), sum(r[base] or 0 for r in rows)
    return len(rows), sum(number(r[value]) for r in rows), None


def _stored_sums() -> dict[str, tuple[int, int, int | None]]:
    from django.db.models import Count, Sum

    from agencies.models import Figure

    grouped = Figure.objects.values("indicator").annotate(n=Count("id"), v=Sum("value"), b=Sum("base")).order_by()
    return {row["indicator"]: (row["n"], int(row["v"] or 0), row["b"]) for row in grouped}


def _store_parts(spread: int) -> list[Result]:
    """Where the refresh's time beyond the computes goes, each part timed once in a transaction rolled back."""
    from django.db import transaction

    from agencies import figures_refresh as refresh
    from agencies.indicators import all_indicators
    from agencies.models import Figure

    results = []
    started = time.perf_counter()
    computed = [(indicator, refresh._computed(indicator)) for indicator in all_indicators()]
    results.append(Result("refresh part: every compute, facts in Python (ms)", (time.perf_counter() - started) * 1000))
    started = time.perf_counter()
    lines = [line for indicator, facts in computed for line in refresh._fact_lines(indicator, facts, [0])]
    results.append(Result("refresh part: facts as COPY lines (ms)", (time.perf_counter() - started) * 1000))
    with transaction.atomic():
        started = time.perf_counter()
        Figure.objects.all().delete()
        results.append(Result("refresh part: DELETE of the stored facts (ms)", (time.perf_counter() - started) * 1000))
        started = time.perf_counter()
        refresh._copy(iter(lines))
        results.append(Result("refresh part: COPY of the facts (ms)", (time.perf_counter() - started) * 1000))
        transaction.set_rollback(True)
    return results + _store_spread(computed, spread)


def _store_spread(computed: list, spread: int) -> list[Result]:
    """The store at a national installation's fan-out, which the seed (one office owns every case) cannot give:
    every fact copied into `spread` regencies, as COPY lines and COPY, rolled back. The computes would read the
    same rows; only the facts grow."""
    from django.db import transaction

    from agencies import figures_refresh as refresh
    from agencies.indicators import Fact
    from agencies.models import Region

    regencies = list(Region.objects.filter(level=Region.Level.REGENCY).values_list("code", flat=True)[:spread])
    started = time.perf_counter()
    lines = [
        line
        for indicator, facts in computed
        for line in refresh._fact_lines(
            indicator, [Fact({**f.dims, "district": code}, f.value, f.base) for code in regencies for f in facts], [0]
        )
    ]
    n = f"{len(lines):,} facts over {len(regencies)} regencies"
    results = [Result(f"refresh part: COPY lines of {n} (ms)", (time.perf_counter() - started) * 1000)]
    with transaction.atomic():
        started = time.perf_counter()
        refresh._copy(iter(lines))
        results.append(Result(f"refresh part: COPY of {n} (ms)", (time.perf_counter() - started) * 1000))
        transaction.set_rollback(True)
    return results


def refresh_results(args) -> list[Result]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.figures_refresh import figures_refresh
    from agencies.indicators import all_indicators, indicator

    statements = captured_statements()
    with CaptureQueriesContext(connection) as captured:
        run = figures_refresh()
    stored = _stored_sums()
    for found in all_indicators():
        floor = _floor_sums(found, statements[found.code])
        ours = stored.get(found.code, (0, 0, None))
        if floor[0] and (ours[0], ours[1], ours[2] if floor[2] is not None else None) != floor:
            raise SystemExit(f"{found.code}: stored (facts, value, base) {ours} but the raw GROUP BY gives {floor}")
        if not floor[0] and ours[0]:
            raise SystemExit(f"{found.code}: {ours[0]} facts stored, the raw GROUP BY gives none")
    print(
        f"The refresh stored {run.rows:,} facts of {len(statements)} indicators, equal to the raw GROUP BYs' rows:",
        ", ".join(f"{code} {stored.get(code, (0,))[0]:,}" for code in statements),
    )

    def floor():
        for sql in statements.values():
            _raw(sql)

    repeat = args.figures_repeat
    ours_ms, floor_ms = paired_medians(figures_refresh, floor, repeat)
    results = [Result("figures: refresh of all aggregates (ms)", ours_ms, floor_ms, "≤ 1.5×", len(captured))]
    results.append(Result("figures: facts stored (count, not ms)", run.rows))
    results += _store_parts(args.figures_spread)
    per_indicator = []
    for code, sql in statements.items():
        compute = indicator(code).compute
        ours_ms, floor_ms = paired_medians(lambda c=compute: list(c()), lambda s=sql: _raw(s), repeat)
        per_indicator.append(Result(f"figures: compute {code} (ms)", ours_ms, floor_ms, "≈ 1×", 1))
    results += sorted(per_indicator, key=lambda r: -r.floor)
    return results


# 2. The national dashboard's tables against raw reads of the same figures


def _floor_table(code: str, rows: str, columns: str | None, period: tuple | None = None) -> list[tuple]:
    """The figures of `code` summed by `rows` (and `columns`), raw: a national reader's scope is every figure.
    `period`: the (first, last) month the page read (its default when none is chosen); a figure of the present
    (no month) is read whatever the period, as `figures._filtered` does."""
    from django.db import connection

    names = [("district_id" if d == "district" else d) for d in (rows, columns) if d]
    group = ", ".join(names)
    within, params = "", [code]
    if period is not None:
        within = " AND (month IS NULL OR month BETWEEN %s AND %s)"
        params += list(period)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {group}, sum(value), sum(base) FROM agencies_figure WHERE indicator = %s{within} GROUP BY {group}",  # noqa: S608 (our own column names)
            params,
        )
        return cursor.fetchall()


def _check_table(table, floor_rows: list[tuple], crossed: bool) -> None:
    """Every cell the table shows holds the floor's sum for its keys; every key the floor has is a row/column."""
    from agencies.figures import SHOWN

    sums = {}
    for row in floor_rows:
        key = (row[0], row[1]) if crossed else (row[0], None)
        sums[key] = (row[-2], row[-1])
    code = table.indicator.code
    row_keys, column_keys = {k for k, _l in table.rows}, {k for k, _l in table.columns}

    def same(a, b) -> bool:
        return a == b or str(a) == str(b)  # a source is stored as text and read back as such

    for r, c in sums:
        if not any(same(r, k) for k in row_keys) or (crossed and not any(same(c, k) for k in column_keys)):
            raise SystemExit(f"{code}: the floor's key {(r, c)} is not in the table")
    for (r, c), cell in table.cells.items():
        if cell.state != SHOWN:
            continue
        value, base = next((v for (fr, fc), v in sums.items() if same(fr, r) and same(fc, c)), (0, None))
        if cell.value != (value or 0) or (cell.base is not None and cell.base != (base or 0)):
            raise SystemExit(f"{code}: cell {(r, c)} shows {cell.value}/{cell.base}, the floor sums {value}/{base}")


def dashboard_results(actor, tables: list[tuple], repeat: int = 20, label: str = "") -> list:
    """The hook for the dashboard page: `tables` are the (indicator, rows, columns, period) a page reads for
    `actor`; each read through `figure_table` as a request does (the reader's grants read once), within the same
    period, against the raw sums, checked first; then the whole set, and its statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies import access
    from agencies.figures import Filters, figure_table

    def read(code, rows, columns, period):
        filters = Filters(period_from=period[0], period_to=period[1]) if period else None
        return figure_table(actor, code, rows=rows, columns=columns, filters=filters)

    def ours_set():
        access.start_request_cache(actor)  # a page's request reads the grants once (agencies.middleware)
        return [read(*spec) for spec in tables]

    def floor_set():
        return [_floor_table(*spec) for spec in tables]

    for table, spec in zip(ours_set(), tables, strict=True):
        if not table.complete:
            raise SystemExit(f"{spec[0]}: the figures are not complete (no refresh finished?)")
        _check_table(table, _floor_table(*spec), spec[2] is not None)
    with CaptureQueriesContext(connection) as captured:
        ours_set()
    results = []
    ours_ms, floor_ms = paired_medians(ours_set, floor_set, repeat)
    name = f"dashboard{label}: {len(tables)} tables, national leadership (ms)"
    results.append(Result(name, ours_ms, floor_ms, "≤ 2×, < 50 q", len(captured)))
    # Where ours spends its time: the very statements it ran, replayed raw (state, grants, sums, labels).
    replayed = [query["sql"] for query in captured]
    ours_ms, floor_ms = paired_medians(ours_set, lambda: [_raw(sql) for sql in replayed], repeat)
    results.append(Result(f"dashboard{label}: the same [its own statements run raw]", ours_ms, floor_ms, "(where)"))
    for spec in tables:
        with CaptureQueriesContext(connection) as one:
            access.start_request_cache(actor)
            read(*spec)

        def ours_one(spec=spec):
            access.start_request_cache(actor)
            return read(*spec)

        ours_ms, floor_ms = paired_medians(ours_one, lambda spec=spec: _floor_table(*spec), repeat)
        name = f"{spec[0]} by {spec[1]}" + (f" × {spec[2]}" if spec[2] else "")
        results.append(Result(f"  table {name} (ms)", ours_ms, floor_ms, "≤ 2×", len(one)))
    return results


def dashboard_page_results(actor, repeat: int) -> tuple[list[Result], list[tuple]]:
    """The national dashboard page itself (Laporan → Dasbor), signed in, through the whole middleware, against the
    raw sums of every table it shows; and the tables it asked for (found by watching one page being drawn)."""
    from django.test import Client
    from django.urls import reverse

    from agencies import dashboards

    client = Client()
    sign_in(client, actor)
    url = reverse("admin:agencies_figure_changelist")
    asked, real = [], dashboards.figure_table

    def watched(reader, code, **kwargs):
        # The page reads the default period (the last DEFAULT_MONTHS months) when none is chosen: the floor too.
        filters = kwargs["filters"]
        if filters.province or filters.district or filters.program or filters.target_group:
            raise SystemExit(f"{code}: the national page read a filter other than its period: {filters}")
        period = (filters.period_from, filters.period_to) if filters.period_from or filters.period_to else None
        asked.append((code, kwargs["rows"], kwargs.get("columns"), period))
        return real(reader, code, **kwargs)

    dashboards.figure_table = watched  # only to learn which tables the page reads; timed below without it
    try:
        assert client.get(url).status_code == 200
    finally:
        dashboards.figure_table = real

    def ours():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def floor():
        return [_floor_table(*spec) for spec in asked]

    ours_ms, floor_ms = paired_medians(ours, floor, repeat)
    name = f"dashboard page: national, {len(asked)} tables with their charts (ms)"
    return [Result(name, ours_ms, floor_ms, "≤ 2×, < 50 q", statements(ours))], asked


def _vacuum_figures() -> None:
    """The refreshes above replaced the facts several times (and their parts' rollbacks left COPYs behind): the
    dashboard is read from the table as a day's autovacuum leaves it, not through hundreds of thousands of dead rows
    that slow the floor's reads more than ours."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE agencies_figure")


def measure(seeded: dict, args) -> list[Result]:
    from agencies.models import FigureRefresh

    finished = FigureRefresh.objects.filter(status=FigureRefresh.Status.DONE).exists()
    if args.figures_dashboard_only and finished:
        results = []  # the refresh's timing is left out; its facts are those of the last run, checked by it
    else:
        results = refresh_results(args)
        _vacuum_figures()
    page, asked = dashboard_page_results(leader(), args.dashboard_repeat)
    return results + page + dashboard_results(leader(), asked, args.dashboard_repeat, label=" (the page's tables)")
