"""The aggregate layer (issue 17): figures stored by the refresh, read through the access rule, exact for the
owning office and suppressed for everyone else, incomplete (never 0) when the refresh failed or is old."""

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agencies import access, indicators
from agencies import figures_refresh as refresh
from agencies.figures import INCOMPLETE, SHOWN, SUPPRESSED, Cell, Filters, catalogue, figure_table
from agencies.indicators import Dimension, Fact, Indicator, Unit
from agencies.models import Agency, Figure, FigureRefresh, Role
from agencies.tasks import figures_refresh_task
from tests.agencies.conftest import reader
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory

DEC, NOV = datetime.date(2026, 12, 1), datetime.date(2026, 11, 1)
READERS = frozenset({Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.AUDITOR})
M, D = Dimension.MONTH.value, Dimension.DISTRICT.value


@pytest.fixture
def facts():
    """The facts the test indicator's compute returns: test input, changed by each test as it needs."""
    return []


@pytest.fixture
def intake(db, facts, monkeypatch):
    """A test-only indicator registered for the test, alone in the catalogue (the apps' own indicators are tested in
    their suites): people taken in, by month and district."""
    monkeypatch.setattr(indicators, "_catalogue", {})
    registered = indicators.register(
        Indicator(
            code="test.intake",
            label="People taken in",
            definition="People whose case was registered in the month.",
            unit=Unit.COUNT,
            dimensions=(M, D),
            roles=READERS,
            compute=lambda: list(facts),
        )
    )
    return registered


def fact(month, district, value, base=None):
    return Fact({M: month, D: district}, value, base)


def stored(facts, new_facts):
    facts[:] = new_facts
    return refresh.figures_refresh()


def values(table):
    return {(r, c): (cell.state, cell.value) for (r, c), cell in table.cells.items()}


def test_the_ministry_reads_every_district_with_small_counts_suppressed(intake, facts, ministry_viewer):
    stored(facts, [fact(DEC, "33.74", 3), fact(DEC, "33.03", 40), fact(DEC, "35.10", 50), fact(NOV, "35.10", 60)])

    table = figure_table(ministry_viewer, "test.intake", rows=D, filters=Filters())

    assert [key for key, _label in table.rows] == ["33.03", "33.74", "35.10"]
    assert table.cells[("33.74", None)].state == SUPPRESSED
    # 40 and 3 make Jawa Tengah's 43, published on its own page: 40 would give the 3 away beside it
    assert table.cells[("33.03", None)].state == SUPPRESSED
    assert table.cells[("35.10", None)] == Cell(SHOWN, 110, None, Unit.COUNT)
    assert table.total.value == 153
    assert not table.exact and table.complete


def test_a_province_reads_its_own_districts_only(intake, facts, jateng_staff):
    stored(facts, [fact(DEC, "33.74", 30), fact(DEC, "33.03", 40), fact(DEC, "35.10", 50)])

    table = figure_table(jateng_staff, "test.intake", rows=D, filters=Filters())

    assert [key for key, _label in table.rows] == ["33.03", "33.74"]
    assert table.total.value == 70


def test_the_owning_district_reads_its_own_figures_exact(intake, facts, semarang_staff):
    stored(facts, [fact(DEC, "33.74", 3), fact(NOV, "33.74", 2), fact(DEC, "33.03", 1)])

    table = figure_table(semarang_staff, "test.intake", rows=M, filters=Filters())

    assert table.exact
    assert values(table) == {(NOV, None): (SHOWN, 2), (DEC, None): (SHOWN, 3)}
    assert table.total.value == 5


def test_another_district_sees_none_of_semaranges_figures(intake, facts, regions):
    banyuwangi_staff = reader(Role.DISTRICT_STAFF, DistrictOfficeFactory(region=regions["35.10"]))
    stored(facts, [fact(DEC, "33.74", 30)])

    table = figure_table(banyuwangi_staff, "test.intake", rows=D, filters=Filters(district="33.74"))

    assert table.rows == [] and table.total.value == 0


@pytest.mark.parametrize("role", [Role.NGO_CASEWORKER, Role.PARTNER_TRAINER])
def test_partners_and_ngos_read_no_figure_an_indicator_does_not_name_them_for(intake, facts, regions, role):
    kind = Agency.Kind.NGO if role == Role.NGO_CASEWORKER else Agency.Kind.POLICE
    outsider = reader(role, AgencyFactory(kind=kind, region=regions["33.74"]))
    stored(facts, [fact(DEC, "33.74", 30)])

    assert catalogue(outsider) == []
    with pytest.raises(Http404):
        figure_table(outsider, "test.intake", rows=D, filters=Filters())


def test_an_unknown_indicator_is_not_found(ministry_viewer):
    with pytest.raises(Http404):
        figure_table(ministry_viewer, "test.nothing", rows=D)


def test_a_district_reading_beside_a_province_grant_reads_suppressed(intake, facts, semarang_staff, regions):
    MembershipFactory(user=semarang_staff, role=Role.PROVINCE_STAFF, agency=AgencyFactory(province_office=True))
    stored(facts, [fact(DEC, "33.74", 3), fact(DEC, "33.03", 40)])

    table = figure_table(semarang_staff, "test.intake", rows=D, filters=Filters())

    assert not table.exact
    assert table.cells[("33.74", None)].state == SUPPRESSED


def test_months_and_regions_are_labelled_in_indonesian_with_no_month_missing(intake, facts, ministry_viewer):
    stored(facts, [fact(datetime.date(2026, 10, 1), "35.10", 30), fact(DEC, "35.10", 20)])

    with translation.override("id"):
        by_month = figure_table(ministry_viewer, "test.intake", rows=M, filters=Filters())
        crossed = figure_table(ministry_viewer, "test.intake", rows=D, columns=M, filters=Filters())

    assert [label for _key, label in by_month.rows] == ["Okt 2026", "Nov 2026", "Des 2026"]
    assert by_month.cells[(NOV, None)] == Cell(SHOWN, 0, None, Unit.COUNT)
    assert crossed.rows == [("35.10", "Kabupaten Banyuwangi")]
    assert crossed.row_totals["35.10"].value == 50 and crossed.column_totals[DEC].value == 20


def test_filters_narrow_by_period_and_province(intake, facts, ministry_viewer):
    stored(facts, [fact(NOV, "33.74", 30), fact(DEC, "33.74", 40), fact(DEC, "35.10", 50)])

    table = figure_table(
        ministry_viewer, "test.intake", rows=D, filters=Filters(period_from=DEC, period_to=DEC, province="33")
    )

    assert values(table) == {("33.74", None): (SHOWN, 40)}


def test_cells_read_in_indonesian():
    with translation.override("id"):
        assert Cell(SHOWN, 1234, None, Unit.COUNT).display == "1.234"
        assert Cell(SHOWN, 5_000_000, None, Unit.RUPIAH).display == "Rp5.000.000"
        assert Cell(SHOWN, 91, 200, Unit.PERCENT).display == "45,5%"
        assert Cell(SHOWN, 32, 10, Unit.DAYS).display == "3,2 hari"
        assert Cell(SHOWN, 0, 0, Unit.PERCENT).display == "–"
        assert Cell(SUPPRESSED, None, None, Unit.COUNT, "x").display == "*"
        assert Cell(INCOMPLETE, None, None, Unit.COUNT, "x").display == "tidak lengkap"
    assert Cell(SHOWN, 91, 200, Unit.PERCENT).magnitude == 45.5


def test_a_rate_is_hidden_when_its_base_or_those_who_did_not_are_few(facts, ministry_viewer):
    completion = indicators.register(
        Indicator("test.completion", "Completed", "People who completed.", Unit.PERCENT, (M, D), READERS, list)
    )
    try:
        # 3 of 4 (base small); 48 of 50 (2 did not: small); 30 of 60 (shown); and the total beside them
        stored(facts, [])
        Figure.objects.bulk_create(
            Figure(indicator=completion.code, month=DEC, district_id=code, value=v, base=b)
            for code, v, b in [("33.74", 3, 4), ("33.03", 48, 50), ("35.10", 30, 60)]
        )
        table = figure_table(ministry_viewer, completion.code, rows=D, filters=Filters())
    finally:
        indicators._catalogue.pop(completion.code)

    assert table.cells[("33.74", None)].state == SUPPRESSED
    assert table.cells[("33.03", None)].state == SUPPRESSED
    assert table.cells[("35.10", None)].state == SHOWN


def test_a_rate_is_not_hidden_beside_cells_whose_numerators_non_negativity_gives_away(facts, ministry_viewer):
    # (completed, enrolled) by month and district; October's 2 of 3 in Purbalingga is hidden (3 is few)
    OCT = datetime.date(2026, 10, 1)
    completion = indicators.register(
        Indicator("test.completion", "Completed", "People who completed.", Unit.PERCENT, (M, D), READERS, list)
    )
    grid = {
        OCT: {"33.03": (2, 3), "33.74": (10, 20)},
        NOV: {"33.03": (0, 10), "33.74": (0, 12)},
        DEC: {"33.03": (20, 30), "33.74": (20, 30)},
    }
    try:
        stored(facts, [])
        Figure.objects.bulk_create(
            Figure(indicator=completion.code, month=month, district_id=code, value=v, base=b)
            for month, row in grid.items()
            for code, (v, b) in row.items()
        )
        table = figure_table(ministry_viewer, completion.code, rows=M, columns=D, filters=Filters())
    finally:
        indicators._catalogue.pop(completion.code)

    hidden = {key for key, cell in table.cells.items() if cell.state == SUPPRESSED}
    # then not November beside it: nobody completed that month (0 of 22 shown), so its hidden numerators would
    # be 0 and October's 2 would be Purbalingga's 22 less December's 20; December's cells are hidden instead
    assert hidden == {(OCT, "33.03"), (OCT, "33.74"), (DEC, "33.03"), (DEC, "33.74")}
    assert table.row_totals[NOV].state == SHOWN and table.row_totals[NOV].value == 0


def test_nothing_refreshed_yet_reads_incomplete_never_zero(intake, ministry_viewer):
    table = figure_table(ministry_viewer, "test.intake", rows=D, filters=Filters())

    assert table.total.state == INCOMPLETE and table.total.value is None
    assert table.as_of is None and not table.complete


def test_a_failed_refresh_keeps_the_figures_and_reads_incomplete(intake, facts, ministry_viewer):
    stored(facts, [fact(DEC, "35.10", 50)])

    def broken():
        raise RuntimeError("a row with a name in it")

    facts[:] = [fact(DEC, "35.10", 70)]
    failing = indicators.register(
        Indicator("test.broken", "Broken", "Never computed.", Unit.COUNT, (M, D), READERS, broken)
    )
    try:
        with pytest.raises(RuntimeError):
            refresh.figures_refresh()
    finally:
        indicators._catalogue.pop(failing.code)

    last = FigureRefresh.objects.first()
    assert (last.status, last.error) == (FigureRefresh.Status.FAILED, "RuntimeError")
    assert list(Figure.objects.values_list("value", flat=True)) == [50]  # the old set, whole
    table = figure_table(ministry_viewer, "test.intake", rows=D, filters=Filters())
    assert table.total.state == INCOMPLETE and not table.complete
    assert table.as_of == FigureRefresh.objects.get(status=FigureRefresh.Status.DONE).started_at


def test_figures_older_than_the_stale_limit_read_incomplete(intake, facts, ministry_viewer, settings):
    done = stored(facts, [fact(DEC, "35.10", 50)])
    FigureRefresh.objects.filter(pk=done.pk).update(started_at=timezone.now() - datetime.timedelta(hours=27))

    assert figure_table(ministry_viewer, "test.intake", rows=D).total.state == INCOMPLETE
    settings.FIGURES_STALE_AFTER_HOURS = 48
    assert figure_table(ministry_viewer, "test.intake", rows=D).total.state == SHOWN


def test_a_fact_with_dimensions_not_its_indicators_fails_the_refresh(intake, facts):
    facts[:] = [Fact({M: DEC}, 5)]

    with pytest.raises(ValueError, match="dimensions"):
        refresh.figures_refresh()


def test_the_refresh_replaces_the_whole_set(intake, facts):
    stored(facts, [fact(DEC, "35.10", 50), fact(NOV, "35.10", 20)])
    done = stored(facts, [fact(DEC, "33.74", 7)])

    assert list(Figure.objects.values_list("district_id", "value")) == [("33.74", 7)]
    assert (done.status, done.rows) == (FigureRefresh.Status.DONE, 1)


def test_many_facts_are_written_in_a_few_statements(intake, facts, regions):
    facts[:] = [fact(datetime.date(2000 + n // 12, n % 12 + 1, 1), "35.10", n) for n in range(300)]

    with CaptureQueriesContext(connection) as captured:
        refresh.figures_refresh()

    assert Figure.objects.count() == 300
    assert len(captured) <= 8


@pytest.mark.parametrize("districts", [1, 40])
def test_a_table_costs_a_fixed_number_of_queries(
    intake, facts, ministry_viewer, districts, django_assert_max_num_queries
):
    codes = [f"33.{n:02d}" for n in range(1, districts + 1)]
    for code in codes:
        RegionFactory(code=code)
    stored(facts, [fact(month, code, 7) for code in codes for month in (NOV, DEC)])

    access.start_request_cache(ministry_viewer)  # as a request does (agencies.middleware): grants read once
    access.grants_of(ministry_viewer)

    # the last refresh, the figures, the regions' names; months are named without a query
    with django_assert_max_num_queries(3):
        table = figure_table(ministry_viewer, "test.intake", rows=D, columns=M, filters=Filters())

    assert len(table.rows) == districts


def test_the_task_refreshes_and_is_acknowledged_late(intake, facts, ministry_viewer):
    facts[:] = [fact(DEC, "35.10", 50)]

    figures_refresh_task.delay(actor_id=ministry_viewer.pk)

    assert figures_refresh_task.acks_late
    assert FigureRefresh.objects.get().started_by == ministry_viewer
    assert Figure.objects.get().value == 50


def test_leadership_may_ask_for_a_refresh_and_district_staff_may_not(
    intake, facts, ministry_viewer, semarang_staff, django_capture_on_commit_callbacks
):
    facts[:] = [fact(DEC, "35.10", 50)]
    with pytest.raises(refresh.PermissionDenied):
        refresh.figures_refresh_request(actor=semarang_staff)

    with django_capture_on_commit_callbacks(execute=True):
        refresh.figures_refresh_request(actor=ministry_viewer)

    assert FigureRefresh.objects.get().status == FigureRefresh.Status.DONE


def test_a_second_request_while_one_runs_is_refused(ministry_viewer):
    FigureRefresh.objects.create()

    with pytest.raises(refresh.ValidationError):
        refresh.figures_refresh_request(actor=ministry_viewer)


def test_beat_runs_the_refresh_nightly(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="agencies.tasks.figures_refresh_task")

    assert (task.crontab.hour, task.crontab.minute) == ("1", "0")


@pytest.mark.parametrize("reader_name", ["ministry_viewer", "jateng_staff"])
def test_compiled_table_reads_give_the_tables_the_orm_gives(intake, facts, reader_name, request, settings):
    # FIGURES_COMPILED keeps each table's statement per reader's scope and runs it prepared; off, the ORM builds it.
    stored(facts, [fact(DEC, "33.74", 3), fact(DEC, "33.03", 40), fact(NOV, "33.03", 7), fact(DEC, "35.10", 50)])
    actor = request.getfixturevalue(reader_name)
    asks = [
        {"rows": D},
        {"rows": M},
        {"rows": M, "columns": D},
        {"rows": D, "filters": Filters(province="33")},
        {"rows": M, "filters": Filters(period_from=DEC, period_to=DEC)},
    ]

    def tables(compiled: bool) -> list:
        settings.FIGURES_COMPILED = compiled
        access.start_request_cache(actor)
        return [figure_table(actor, "test.intake", **ask) for ask in asks]

    plain = tables(False)
    assert tables(True) == plain
    assert tables(True) == plain  # the second time from the statements kept


@pytest.mark.parametrize("reader_name", ["ministry_viewer", "jateng_staff", "semarang_staff"])
def test_tables_read_together_are_the_tables_read_one_by_one(intake, facts, reader_name, request):
    # FIGURES_BATCHED: a page's tables in one statement, each table its own compiled read; figure_table reads alone
    # any table not read together (read_before without it).
    from agencies.figures import read_together

    stored(facts, [fact(DEC, "33.74", 3), fact(DEC, "33.03", 40), fact(NOV, "33.03", 7), fact(DEC, "35.10", 50)])
    actor = request.getfixturevalue(reader_name)
    asks = [
        (D, None, Filters()),
        (M, D, Filters()),
        (M, None, Filters(province="33")),
        (D, None, Filters(district="99.99")),  # nothing
        (M, None, Filters(period_from=DEC, period_to=DEC)),
    ]
    access.start_request_cache(actor)
    alone = [figure_table(actor, "test.intake", rows=r, columns=c, filters=f) for r, c, f in asks]

    with CaptureQueriesContext(connection) as queries:
        read = read_together(actor, [("test.intake", r, c, f) for r, c, f in asks])
        together = [
            figure_table(actor, "test.intake", rows=r, columns=c, filters=f, read_before=read) for r, c, f in asks
        ]

    assert together == alone
    assert len(read) == len(asks)
    assert len([q for q in queries if "agencies_figure" in q["sql"] and "refresh" not in q["sql"]]) == 1


def test_the_compiled_refresh_state_is_the_state_the_orm_reads(db, settings):
    # FIGURES_COMPILED also runs figures_state's one query as a statement compiled once; off, the ORM builds it.
    from agencies.figures import figures_state

    def both() -> tuple:
        settings.FIGURES_COMPILED = False
        plain = figures_state()
        settings.FIGURES_COMPILED = True
        assert figures_state() == figures_state() == plain
        return plain

    assert both() == (None, False)  # never computed
    now = timezone.now()
    done = FigureRefresh.objects.create(status=FigureRefresh.Status.DONE, finished_at=now, rows=1)
    assert both() == (done.started_at, True)
    FigureRefresh.objects.create(status=FigureRefresh.Status.FAILED, finished_at=now, error="OperationalError")
    assert both() == (done.started_at, False)  # a failed refresh after it: as of the last done, incomplete
