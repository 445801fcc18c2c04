"""The programs' indicators (issue 17): each compute's facts against counts made by hand from a program's rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import indicators as catalogue
from agencies.indicators import Unit, first_of_month
from cases.models import Case, TargetGroup
from programs import indicators
from programs.models import Attendance, Batch, Enrollment, FollowUp, Outcome
from tests.cases.factories import BWBLP, TUNA_SUSILA, CaseFactory, SiteFactory
from tests.cases.test_indicators import by_dims, fact
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

SEMARANG, BANYUWANGI = "33.74", "35.10"
MARCH, APRIL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)


def enroll(batch: Batch, case: Case, status: str) -> Enrollment:
    return Enrollment.objects.create(
        batch=batch, case=case, status=status, starts_on=batch.starts_on, ends_on=batch.ends_on
    )


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan tata boga", fiscal_year=2026, left_site_target=20)


@pytest.fixture
def training(program, semarang, banyuwangi):
    """Batch 1 ran 2–6 March and finished: four of Semarang's people (three completed, one did not), one of
    Banyuwangi's (completed), one who withdrew and one left on the waiting list. Batch 2 starts 6 April, two of
    Semarang's enrolled (one a former prisoner). Two sessions of batch 1 marked: Semarang's four present on the
    first day and two of them on the second; Banyuwangi's one present on both."""
    first = BatchFactory(
        program=program,
        number=1,
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 6),
        status=Batch.Status.FINISHED,
    )
    second = BatchFactory(
        program=program, number=2, starts_on=datetime.date(2026, 4, 6), ends_on=datetime.date(2026, 4, 10)
    )
    ours = [enroll(first, CaseFactory(owner=semarang), status) for status in ["completed"] * 3 + ["not_completed"]]
    theirs = enroll(first, CaseFactory(owner=banyuwangi), "completed")
    enroll(first, CaseFactory(owner=semarang), "withdrawn")
    enroll(first, CaseFactory(owner=semarang), "waitlisted")
    enroll(second, CaseFactory(owner=semarang), "enrolled")
    enroll(second, CaseFactory(owner=semarang, target_group=TargetGroup.objects.get(code=BWBLP)), "enrolled")
    day_one, day_two = (SessionFactory(batch=first, date=first.starts_on + datetime.timedelta(days=d)) for d in (0, 1))
    for n, enrollment in enumerate(ours):
        Attendance.objects.create(enrollment=enrollment, session=day_one, present=True)
        Attendance.objects.create(enrollment=enrollment, session=day_two, present=n < 2)
    for session in (day_one, day_two):
        Attendance.objects.create(enrollment=theirs, session=session, present=True)
    return {"first": first, "ours": ours, "theirs": theirs}


def test_enrollment_counts_who_took_part_by_the_month_the_batch_starts(program, training):
    table = by_dims(indicators.compute_enrollment())

    assert table == {
        fact(month=MARCH, district=SEMARANG, program=program.pk, target_group=TUNA_SUSILA): (4, None),
        fact(month=MARCH, district=BANYUWANGI, program=program.pk, target_group=TUNA_SUSILA): (1, None),
        fact(month=APRIL, district=SEMARANG, program=program.pk, target_group=TUNA_SUSILA): (1, None),
        fact(month=APRIL, district=SEMARANG, program=program.pk, target_group=BWBLP): (1, None),
    }


def test_completion_rate_is_completed_over_enrolled_in_finished_batches(program, training):
    table = by_dims(indicators.compute_completion_rate())

    assert table == {
        fact(month=MARCH, district=SEMARANG, program=program.pk, target_group=TUNA_SUSILA): (3, 4),
        fact(month=MARCH, district=BANYUWANGI, program=program.pk, target_group=TUNA_SUSILA): (1, 1),
    }


def test_attendance_rate_is_present_marks_over_marks_recorded(program, training):
    table = by_dims(indicators.compute_attendance_rate())

    assert table == {
        fact(month=MARCH, district=SEMARANG, program=program.pk, target_group=TUNA_SUSILA): (4 + 2, 8),
        fact(month=MARCH, district=BANYUWANGI, program=program.pk, target_group=TUNA_SUSILA): (2, 2),
    }


def follow_up(enrollment: Enrollment, offset: int, due_on: datetime.date, done_on=None) -> FollowUp:
    return FollowUp.objects.create(
        case=enrollment.case, enrollment=enrollment, offset_days=offset, due_on=due_on, done_on=done_on
    )


@pytest.fixture
def visits(training):
    """Of Semarang's completers: one visit made 40 days ago, one due 10 days ago and not made, one due in 20 days
    and made early, one due in 20 days; Banyuwangi's completer's visit due 10 days ago, but its case is closed."""
    a, b, c, _not_completed = training["ours"]
    long_ago, lately, soon = days_from_today(-40), days_from_today(-10), days_from_today(20)
    follow_up(a, 30, long_ago, done_on=long_ago)
    follow_up(b, 30, lately)
    follow_up(c, 30, soon, done_on=days_from_today(-1))
    follow_up(a, 90, soon)
    theirs = training["theirs"]
    follow_up(theirs, 30, lately)
    Case.objects.filter(pk=theirs.case_id).update(stage=Case.Stage.CLOSED, close_reason="lost_contact")
    return {"long_ago": first_of_month(long_ago), "lately": first_of_month(lately), "soon": first_of_month(soon)}


def test_follow_ups_done_are_visits_made_over_visits_fallen_due_or_made(program, visits):
    expected = {}
    for month, district, value, base in (
        (visits["long_ago"], SEMARANG, 1, 1),
        (visits["lately"], SEMARANG, 0, 1),
        (visits["soon"], SEMARANG, 1, 1),  # made early; the other one due then is not due yet
        (visits["lately"], BANYUWANGI, 0, 1),
    ):
        key = fact(month=month, district=district, program=program.pk)
        previous = expected.get(key, (0, 0))
        expected[key] = (previous[0] + value, previous[1] + base)

    assert by_dims(indicators.compute_follow_ups_done()) == expected


def test_follow_ups_overdue_are_those_of_open_cases_past_due_and_not_made(program, visits):
    assert by_dims(indicators.compute_follow_ups_overdue()) == {
        fact(month=visits["lately"], district=SEMARANG, program=program.pk): (1, None),
    }


@pytest.fixture
def outcomes(training, semarang):
    """Visits of Semarang's three completers, all from Argorejo, recorded in April and May:
    at 28 days: two left the site (one went home), one still there; two run a business, one is in BPJS;
    at 180 days: one left, running a business, in BPJS, earning Rp1–3 million;
    at 365 days (recorded in May): one returned to the site, no income recorded."""
    argorejo = SiteFactory(name="Argorejo", region=semarang.region)
    a, b, c, _not_completed = training["ours"]
    Case.objects.filter(pk__in=[a.case_id, b.case_id, c.case_id]).update(site=argorejo)

    def visit(enrollment, offset, on, site_status, business=False, bpjs=False, income=""):
        made = follow_up(enrollment, offset, on, done_on=on)
        Outcome.objects.create(
            follow_up=made,
            case=enrollment.case,
            recorded_on=on,
            site_status=site_status,
            business_started=business,
            bpjs_enrolled=bpjs,
            income_band=income,
        )

    april, may = datetime.date(2026, 4, 8), datetime.date(2026, 5, 8)
    visit(a, 28, april, "left_site", business=True, income="below_1m")
    visit(b, 28, april, "returned_home", business=True, bpjs=True, income="below_1m")
    visit(c, 28, april, "still_at_site", income="none")
    visit(a, 180, april, "left_site", business=True, bpjs=True, income="1m_3m")
    visit(b, 365, may, "returned_to_site")
    return argorejo


MAY = datetime.date(2026, 5, 1)


def test_left_site_share_by_months_after_completion_and_site_of_origin(program, outcomes):
    site = outcomes.pk

    assert by_dims(indicators.compute_left_site()) == {
        fact(month=APRIL, district=SEMARANG, program=program.pk, months_after=1, site=site): (2, 3),
        fact(month=APRIL, district=SEMARANG, program=program.pk, months_after=6, site=site): (1, 1),
        fact(month=MAY, district=SEMARANG, program=program.pk, months_after=12, site=site): (0, 1),
    }
    assert indicators.program_targets([program.pk]) == {program.pk: 20}


def test_business_and_bpjs_shares_by_months_after_completion(program, outcomes):
    assert by_dims(indicators.compute_business_running()) == {
        fact(month=APRIL, district=SEMARANG, program=program.pk, months_after=1): (2, 3),
        fact(month=APRIL, district=SEMARANG, program=program.pk, months_after=6): (1, 1),
        fact(month=MAY, district=SEMARANG, program=program.pk, months_after=12): (0, 1),
    }
    assert by_dims(indicators.compute_bpjs()) == {
        fact(month=APRIL, district=SEMARANG, program=program.pk, months_after=1): (1, 3),
        fact(month=APRIL, district=SEMARANG, program=program.pk, months_after=6): (1, 1),
        fact(month=MAY, district=SEMARANG, program=program.pk, months_after=12): (0, 1),
    }


def test_income_counts_visits_by_band_with_unrecorded_under_none(program, outcomes):
    one = {"month": APRIL, "district": SEMARANG, "program": program.pk, "months_after": 1}
    assert by_dims(indicators.compute_income()) == {
        fact(**one, outcome="below_1m"): (2, None),
        fact(**one, outcome="none"): (1, None),
        fact(**{**one, "months_after": 6}, outcome="1m_3m"): (1, None),
        fact(month=MAY, district=SEMARANG, program=program.pk, months_after=12, outcome=None): (1, None),
    }


@pytest.mark.parametrize(("offset", "months"), [(14, 1), (30, 1), (45, 1), (60, 3), (90, 3), (180, 6), (365, 12)])
def test_a_visits_days_after_completion_fall_to_the_nearest_reported_month(training, offset, months):
    made = follow_up(training["theirs"], offset, datetime.date(2026, 6, 1), done_on=datetime.date(2026, 6, 1))
    Outcome.objects.create(follow_up=made, case=made.case, recorded_on=made.done_on, site_status="left_site")

    (only,) = indicators.compute_bpjs()

    assert only.dims["months_after"] == months


def test_label_resolvers(program):
    assert indicators.program_labels([program.pk, None]) == {program.pk: "Pelatihan tata boga (2026)"}
    assert set(indicators.months_after_labels([1, 3, 6, 12, 2])) == {1, 3, 6, 12}
    labels = indicators.income_band_labels(["none", None, "bogus"])
    assert set(labels) == {"none", None}


PROGRAMS_INDICATORS = [i for i in catalogue.all_indicators() if i.code.startswith("programs.")]


def test_the_catalogue_holds_the_programs_figures():
    assert {i.code for i in PROGRAMS_INDICATORS} == {
        "programs.enrollment",
        "programs.completion_rate",
        "programs.attendance_rate",
        "programs.follow_ups_done",
        "programs.follow_ups_overdue",
        "programs.outcome_left_site",
        "programs.outcome_business_running",
        "programs.outcome_bpjs",
        "programs.outcome_income",
    }


@pytest.mark.parametrize("indicator", PROGRAMS_INDICATORS, ids=lambda i: i.code)
def test_each_compute_is_one_query_and_its_facts_carry_exactly_its_dimensions(indicator, visits, outcomes):
    with CaptureQueriesContext(connection) as queries:
        facts = list(indicator.compute())

    assert len(queries) == 1
    assert facts
    for one in facts:
        assert set(one.dims) == set(indicator.dimensions)
        assert isinstance(one.value, int)
        assert (one.base is not None) == (indicator.unit in (Unit.PERCENT, Unit.DAYS))
        if one.base is not None:
            assert 0 <= one.value <= one.base


def test_a_figure_table_names_programs_and_target_groups_not_their_ids(program, training, member, semarang):
    from agencies.figures import figure_table
    from agencies.figures_refresh import figures_refresh
    from agencies.models import Role

    figures_refresh()
    staff = member(Role.DISTRICT_STAFF, agency=semarang)

    by_program = figure_table(staff, "programs.enrollment", rows="program", columns="target_group")

    assert [label for _key, label in by_program.rows] == ["Pelatihan tata boga (2026)"]
    assert {label for _key, label in by_program.columns} >= {str(TargetGroup.objects.get(code=TUNA_SUSILA).name)}


def test_stages_and_months_after_completion_are_listed_in_their_own_order(program, training, member, semarang):
    from agencies.figures import figure_table
    from agencies.figures_refresh import figures_refresh
    from agencies.models import Role

    CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE)
    CaseFactory(owner=semarang, stage=Case.Stage.ASSESSED)
    figures_refresh()
    staff = member(Role.DISTRICT_STAFF, agency=semarang)

    stages = [key for key, _label in figure_table(staff, "cases.cases", rows="stage").rows]

    assert stages == sorted(stages, key=Case.STAGE_ORDER.index)
