"""Correcting a recorded follow-up visit (issue 13, "offline-safe editing"): `follow_up_visit_update` edits the
visit's outcome under the follow-up's lock, with the follow-up's version as If-Match, the same checks as recording
it, and an audit row naming the fields that changed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from agencies.models import AuditEvent, Role
from agencies.writes import VersionMismatch, version_of
from cases.models import Case
from programs import services
from programs.models import Batch, FollowUp, Outcome
from tests.agencies.factories import RegionFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

SITE = Outcome.SiteStatus


@pytest.fixture
def follow_up(semarang, lentera, staff) -> FollowUp:
    """The 30-day follow-up of a case that completed a one-day training two months ago; not visited yet."""
    case = CaseFactory(owner=semarang, registered_by=lentera, stage=Case.Stage.PLANNED, caseworker=staff)
    batch = BatchFactory(program=ProgramFactory(organizer=semarang), starts_on=days_from_today(-60))
    session = SessionFactory(batch=batch, date=batch.starts_on)
    enrollment = services.enrollment_create(actor=staff, batch=batch, case=case)
    services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    services.attendance_record(actor=staff, session=session, present={enrollment.pk: True})
    services.batch_complete(actor=staff, batch=batch)
    return FollowUp.objects.get(case=case, offset_days=30)


@pytest.fixture
def visited(staff, follow_up) -> FollowUp:
    """The same follow-up, visited yesterday: the person had left the site and runs a food stall."""
    services.follow_up_record(
        actor=staff,
        follow_up=follow_up,
        recorded_on=days_from_today(-1),
        site_status=SITE.LEFT_SITE,
        left_site_on=days_from_today(-20),
        business_started=True,
        business_type="Warung makan",
        income_band=Outcome.IncomeBand.BELOW_1M,
    )
    return FollowUp.objects.get(pk=follow_up.pk)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def outcome_of(follow_up) -> Outcome:
    return Outcome.objects.get(follow_up=follow_up)


def updates() -> int:
    return AuditEvent.objects.filter(action="programs.follow_up.updated").count()


def test_a_correction_naming_the_current_version_is_saved_audited_and_moves_the_version(staff, semarang, visited):
    read = version_of(visited)

    outcome = services.follow_up_visit_update(
        actor=staff,
        follow_up=visited,
        income_band=Outcome.IncomeBand.FROM_1M_TO_3M,
        bpjs_enrolled=True,
        if_match=[read],
    )

    saved = outcome_of(visited)
    assert (saved.income_band, saved.bpjs_enrolled, saved.business_type) == ("1m_3m", True, "Warung makan")
    event = AuditEvent.objects.get(action="programs.follow_up.updated")
    assert (event.agency, event.data) == (semarang, {"fields": ["bpjs_enrolled", "income_band"]})
    assert version_of(fresh(visited)) == version_of(outcome.follow_up) != read


def test_a_correction_naming_an_old_version_changes_nothing_and_writes_no_audit_row(staff, colleague, visited):
    read = version_of(visited)
    services.follow_up_visit_update(actor=colleague, follow_up=visited, bpjs_enrolled=True)

    with pytest.raises(VersionMismatch):
        services.follow_up_visit_update(
            actor=staff, follow_up=visited, site_status=SITE.RETURNED_TO_SITE, if_match=[read]
        )

    assert outcome_of(visited).site_status == SITE.LEFT_SITE
    assert updates() == 1  # the colleague's only


def test_a_correction_with_a_star_is_saved_whatever_the_version(staff, visited):
    services.follow_up_visit_update(actor=staff, follow_up=visited, business_type="Katering", if_match=["*"])

    assert outcome_of(visited).business_type == "Katering"


def test_a_new_visit_date_is_the_follow_up_s_date_too(staff, visited):
    services.follow_up_visit_update(actor=staff, follow_up=visited, recorded_on=days_from_today(-2))

    assert outcome_of(visited).recorded_on == fresh(visited).done_on == days_from_today(-2)


def test_a_follow_up_not_visited_yet_cannot_be_corrected(staff, follow_up):
    with pytest.raises(ValidationError) as refused:
        services.follow_up_visit_update(actor=staff, follow_up=follow_up, bpjs_enrolled=True)

    assert list(refused.value.message_dict) == ["follow_up"]
    assert fresh(follow_up).done_on is None and not Outcome.objects.exists()


@pytest.mark.parametrize("field", ["recorded_on", "left_site_on"])
def test_a_correction_into_the_future_is_refused(staff, visited, field):
    with pytest.raises(ValidationError) as refused:
        services.follow_up_visit_update(actor=staff, follow_up=visited, **{field: days_from_today(1)})

    assert list(refused.value.message_dict) == [field]
    assert getattr(outcome_of(visited), field) < days_from_today(0)
    assert updates() == 0


@pytest.mark.parametrize("business_type", ["", "   "])
def test_a_business_started_still_needs_its_type(staff, visited, business_type):
    with pytest.raises(ValidationError) as refused:
        services.follow_up_visit_update(actor=staff, follow_up=visited, business_type=business_type)

    assert list(refused.value.message_dict) == ["business_type"]
    assert outcome_of(visited).business_type == "Warung makan"


def test_an_unknown_site_status_is_refused(staff, visited):
    with pytest.raises(ValidationError) as refused:
        services.follow_up_visit_update(actor=staff, follow_up=visited, site_status="moved_abroad")

    assert list(refused.value.message_dict) == ["site_status"]
    assert outcome_of(visited).site_status == SITE.LEFT_SITE


def test_the_ngo_that_registered_the_case_corrects_its_visit(member, lentera, visited):
    services.follow_up_visit_update(
        actor=member(Role.NGO_CASEWORKER, agency=lentera), follow_up=visited, bpjs_enrolled=True
    )

    assert outcome_of(visited).bpjs_enrolled is True


def test_an_auditor_may_not_correct_a_visit(member, semarang, visited):
    with pytest.raises(PermissionDenied):
        services.follow_up_visit_update(
            actor=member(Role.AUDITOR, agency=semarang), follow_up=visited, bpjs_enrolled=True
        )

    assert outcome_of(visited).bpjs_enrolled is False


def test_staff_of_another_district_do_not_find_the_visit(member, visited):
    outsider = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region=RegionFactory(code="35.10")))

    with pytest.raises(Http404):
        services.follow_up_visit_update(actor=outsider, follow_up=visited, bpjs_enrolled=True)

    assert outcome_of(visited).bpjs_enrolled is False


def test_an_unchanged_correction_keeps_the_version(staff, visited):
    read = version_of(visited)

    services.follow_up_visit_update(actor=staff, follow_up=visited, business_type=" Warung makan ", if_match=[read])

    assert version_of(fresh(visited)) == read
    assert updates() == 0
