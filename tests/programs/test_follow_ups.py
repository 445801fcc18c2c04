"""Follow-up visits after completion (pemantauan): each records an outcome and closes its follow-up (issue 4 §5)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, AuditEvent, Role
from cases.models import Case
from programs import services
from programs.models import Batch, FollowUp, Outcome
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

SITE = Outcome.SiteStatus


@pytest.fixture
def case(semarang, lentera, staff):
    return CaseFactory(owner=semarang, registered_by=lentera, stage=Case.Stage.PLANNED, caseworker=staff)


@pytest.fixture
def follow_ups(semarang, staff, case) -> list[FollowUp]:
    """The case completed a one-day training two months ago; its follow-ups at +30, +90 and +180 days."""
    batch = BatchFactory(program=ProgramFactory(organizer=semarang), starts_on=days_from_today(-60))
    session = SessionFactory(batch=batch, date=batch.starts_on)
    enrollment = services.enrollment_create(actor=staff, batch=batch, case=case)
    services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    services.attendance_record(actor=staff, session=session, present={enrollment.pk: True})
    services.batch_complete(actor=staff, batch=batch)
    return list(FollowUp.objects.filter(case=case).order_by("offset_days"))


@pytest.fixture
def follow_up(follow_ups) -> FollowUp:
    """The 30-day follow-up, due four weeks ago."""
    assert follow_ups[0].offset_days == 30 and follow_ups[0].due_on < timezone.localdate()
    return follow_ups[0]


@pytest.fixture
def record(staff, follow_up):
    """follow_up_record of a visit yesterday with a complete, valid outcome; a test overrides one thing."""

    def visit(actor=staff, **overrides):
        details = {
            "recorded_on": days_from_today(-1),
            "site_status": SITE.LEFT_SITE,
            "left_site_on": days_from_today(-20),
            "business_started": True,
            "business_type": "Warung makan",
            "income_band": Outcome.IncomeBand.FROM_1M_TO_3M,
            "bpjs_enrolled": True,
        }
        return services.follow_up_record(actor=actor, follow_up=follow_up, **{**details, **overrides})

    return visit


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_a_visit_records_the_outcome_and_closes_the_follow_up(record, staff, follow_up, case, semarang):
    outcome = record()

    assert (outcome.case, outcome.follow_up, outcome.recorded_by) == (case, follow_up, staff)
    assert (outcome.site_status, outcome.left_site_on) == (SITE.LEFT_SITE, days_from_today(-20))
    assert (outcome.business_started, outcome.business_type, outcome.bpjs_enrolled) == (True, "Warung makan", True)
    assert _fresh(follow_up).done_on == days_from_today(-1)
    event = AuditEvent.objects.get(action="programs.follow_up.recorded")
    assert (event.agency, event.data) == (semarang, {"site_status": SITE.LEFT_SITE, "business_started": True})


def test_recording_one_visit_leaves_the_later_follow_ups_open(record, follow_ups):
    record()

    still_open = FollowUp.objects.filter(case=follow_ups[0].case, done_on__isnull=True)
    assert [f.offset_days for f in still_open] == [90, 180]


def test_the_ngo_that_registered_the_case_records_its_follow_up(record, ngo_caseworker):
    assert record(actor=ngo_caseworker).recorded_by == ngo_caseworker


def test_a_follow_up_is_recorded_once(record, follow_up):
    record()

    with pytest.raises(ValidationError) as exc:
        record()

    assert list(exc.value.message_dict) == ["follow_up"]
    assert Outcome.objects.count() == 1
    assert _fresh(follow_up).done_on == days_from_today(-1)


@pytest.mark.parametrize("field", ["recorded_on", "left_site_on"])
def test_a_visit_or_a_departure_dated_in_the_future_is_refused(record, follow_up, field):
    with pytest.raises(ValidationError) as exc:
        record(**{field: days_from_today(1)})

    assert list(exc.value.message_dict) == [field]
    assert not Outcome.objects.exists()
    assert _fresh(follow_up).done_on is None


def test_a_visit_today_is_fine(record):
    assert record(recorded_on=days_from_today(0)).recorded_on == timezone.localdate()


@pytest.mark.parametrize("business_type", ["", "   "])
def test_a_business_started_needs_its_type(record, follow_up, business_type):
    with pytest.raises(ValidationError) as exc:
        record(business_started=True, business_type=business_type)

    assert list(exc.value.message_dict) == ["business_type"]
    assert not Outcome.objects.exists()
    assert _fresh(follow_up).done_on is None


def test_no_business_needs_no_type(record):
    outcome = record(business_started=False, business_type="")

    assert (outcome.business_started, outcome.business_type) == (False, "")


def test_an_unknown_site_status_is_refused(record, follow_up):
    with pytest.raises(ValidationError) as exc:
        record(site_status="moved_abroad")

    assert list(exc.value.message_dict) == ["site_status"]
    assert _fresh(follow_up).done_on is None


def test_staff_of_another_district_do_not_find_the_follow_up(record, member, follow_up):
    outsider = member(
        Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(name="Dinsos Banyuwangi", region=RegionFactory(code="35.10"))
    )

    with pytest.raises(Http404):
        record(actor=outsider)

    assert not Outcome.objects.exists()
    assert _fresh(follow_up).done_on is None


def test_a_partner_trainer_does_not_find_the_follow_up(record, member, follow_up):
    trainer = member(Role.PARTNER_TRAINER, agency=AgencyFactory(kind=Agency.Kind.POLICE))

    with pytest.raises(Http404):
        record(actor=trainer)

    assert not Outcome.objects.exists()
