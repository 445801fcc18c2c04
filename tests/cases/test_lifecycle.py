"""The case lifecycle (DESIGN §4): one service moves a case, validates the move and records who, when and why."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from agencies.models import AuditEvent, Role
from cases import refusals, services
from cases.models import Assessment, Case, CaseNote, StageChange
from tests.cases.factories import CaseFactory, IntakeFactory, NgoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = Case.Stage


@pytest.fixture
def auditor(member, semarang):
    return member(Role.AUDITOR, agency=semarang)


@pytest.fixture
def case(staff):
    """A case Semarang's office registered a moment ago: stage `registered`, one StageChange."""
    return IntakeFactory(actor=staff).case


def _history(case) -> list[tuple]:
    return list(StageChange.objects.filter(case=case).values_list("from_stage", "to_stage", "reason", "changed_by"))


def _stage_of(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def _assert_nothing_moved(case, stage=S.REGISTERED):
    assert _stage_of(case) == stage
    assert StageChange.objects.filter(case=case).exclude(from_stage="").count() == 0
    assert not AuditEvent.objects.filter(action="cases.case.stage_changed").exists()


# Forward, skipping, back


def test_moving_one_stage_forward_needs_no_reason(staff, semarang, case):
    moved = services.case_transition(actor=staff, case=case, to=S.ASSESSED)

    assert moved.stage == _stage_of(case) == S.ASSESSED
    assert _history(case) == [("", S.REGISTERED, "", staff.pk), (S.REGISTERED, S.ASSESSED, "", staff.pk)]
    event = AuditEvent.objects.get(action="cases.case.stage_changed")
    assert (event.actor_user, event.agency, event.target_id) == (staff, semarang, str(case.pk))
    assert event.data == {"from": "registered", "to": "assessed", "close_reason": "", "with_reason": False}


@pytest.mark.parametrize("reason", ["", "   "])
def test_skipping_a_stage_needs_a_reason(staff, case, reason):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=case, to=S.PLANNED, reason=reason)

    assert refused.value.message_dict == {"reason": [refusals.SKIP_NEEDS_REASON]}
    _assert_nothing_moved(case)


def test_skipping_a_stage_with_a_reason_records_the_reason(staff, case):
    services.case_transition(actor=staff, case=case, to=S.PLANNED, reason="  Assessed at the shelter already  ")

    assert _stage_of(case) == S.PLANNED
    assert _history(case)[-1] == (S.REGISTERED, S.PLANNED, "Assessed at the shelter already", staff.pk)
    assert AuditEvent.objects.get(action="cases.case.stage_changed").data["with_reason"] is True


def test_going_back_a_stage_needs_a_reason(staff, case):
    services.case_transition(actor=staff, case=case, to=S.ASSESSED)

    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=case, to=S.REGISTERED)

    assert set(refused.value.message_dict) == {"reason"}
    assert _stage_of(case) == S.ASSESSED
    assert len(_history(case)) == 2


def test_going_back_a_stage_with_a_reason_records_the_reason(staff, case):
    services.case_transition(actor=staff, case=case, to=S.ASSESSED)

    services.case_transition(actor=staff, case=case, to=S.REGISTERED, reason="Assessment was for someone else")

    assert _stage_of(case) == S.REGISTERED
    assert _history(case)[-1] == (S.ASSESSED, S.REGISTERED, "Assessment was for someone else", staff.pk)


def test_moving_to_the_current_stage_is_refused(staff, case):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=case, to=S.REGISTERED, reason="again")

    assert set(refused.value.message_dict) == {"to"}
    _assert_nothing_moved(case)


def test_an_unknown_stage_is_refused(staff, case):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=case, to="graduated", reason="done")

    assert refused.value.message_dict == {"to": [refusals.STAGE_UNKNOWN]}
    _assert_nothing_moved(case)


def test_every_move_is_recorded_in_order_with_who_and_why(staff, ngo_caseworker, lentera):
    case = IntakeFactory(actor=ngo_caseworker).case

    services.case_transition(actor=ngo_caseworker, case=case, to=S.ASSESSED)
    services.case_transition(actor=staff, case=case, to=S.IN_INTERVENTION, reason="Plan agreed at intake")
    services.case_transition(actor=ngo_caseworker, case=case, to=S.CLOSED, close_reason="goals_met")

    assert _history(case) == [
        ("", S.REGISTERED, "", ngo_caseworker.pk),
        (S.REGISTERED, S.ASSESSED, "", ngo_caseworker.pk),
        (S.ASSESSED, S.IN_INTERVENTION, "Plan agreed at intake", staff.pk),
        (S.IN_INTERVENTION, S.CLOSED, "", ngo_caseworker.pk),
    ]
    assert AuditEvent.objects.filter(action="cases.case.stage_changed").count() == 3


# Closing and reopening


@pytest.mark.parametrize("close_reason", ["", "finished"])
def test_closing_needs_a_close_reason(staff, case, close_reason):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=case, to=S.CLOSED, close_reason=close_reason)

    assert refused.value.message_dict == {"close_reason": [refusals.CLOSE_REASON_MISSING]}
    _assert_nothing_moved(case)


def test_closing_with_a_close_reason_needs_no_other_reason(staff, case):
    services.case_transition(actor=staff, case=case, to=S.CLOSED, close_reason=Case.CloseReason.LOST_CONTACT)

    closed = Case.objects.get(pk=case.pk)
    assert (closed.stage, closed.close_reason) == (S.CLOSED, Case.CloseReason.LOST_CONTACT)
    assert _history(case)[-1] == (S.REGISTERED, S.CLOSED, "", staff.pk)
    assert AuditEvent.objects.get(action="cases.case.stage_changed").data["close_reason"] == "lost_contact"


def test_closing_for_another_reason_needs_an_explanation(staff, case):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=case, to=S.CLOSED, close_reason=Case.CloseReason.OTHER)

    assert set(refused.value.message_dict) == {"reason"}
    _assert_nothing_moved(case)


def test_closing_for_another_reason_with_an_explanation_is_recorded(staff, case):
    services.case_transition(
        actor=staff, case=case, to=S.CLOSED, close_reason=Case.CloseReason.OTHER, reason="Married and moved away"
    )

    closed = Case.objects.get(pk=case.pk)
    assert (closed.stage, closed.close_reason) == (S.CLOSED, Case.CloseReason.OTHER)
    assert _history(case)[-1][2] == "Married and moved away"


@pytest.fixture
def closed_case(staff, ngo_caseworker):
    """A case the NGO registered, owned by Semarang's office, closed for lost contact."""
    case = IntakeFactory(actor=ngo_caseworker).case
    return services.case_transition(actor=staff, case=case, to=S.CLOSED, close_reason="lost_contact")


def test_an_ngo_caseworker_cannot_reopen_a_closed_case(ngo_caseworker, closed_case):
    with pytest.raises(PermissionDenied):
        services.case_transition(actor=ngo_caseworker, case=closed_case, to=S.ASSESSED, reason="She came back")

    assert _stage_of(closed_case) == S.CLOSED
    assert len(_history(closed_case)) == 2


def test_reopening_a_closed_case_needs_a_reason(staff, closed_case):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=closed_case, to=S.ASSESSED)

    assert refused.value.message_dict == {"reason": [refusals.REOPEN_NEEDS_REASON]}
    assert _stage_of(closed_case) == S.CLOSED
    assert len(_history(closed_case)) == 2


def test_staff_of_the_owning_office_reopen_a_closed_case_with_a_reason(staff, closed_case):
    services.case_transition(actor=staff, case=closed_case, to=S.ASSESSED, reason="She came back to the shelter")

    reopened = Case.objects.get(pk=closed_case.pk)
    assert (reopened.stage, reopened.close_reason) == (S.ASSESSED, "")
    assert _history(closed_case)[-1] == (S.CLOSED, S.ASSESSED, "She came back to the shelter", staff.pk)


def test_a_closed_case_is_not_reopened_while_the_person_has_another_open_case(staff, semarang, closed_case):
    CaseFactory(person=closed_case.person, owner=semarang)

    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=staff, case=closed_case, to=S.ASSESSED, reason="She came back")

    assert set(refused.value.message_dict) == {"to"}
    assert _stage_of(closed_case) == S.CLOSED


# Who may move a case


def test_an_outsider_gets_404_for_a_case_in_another_district(outsider, case):
    with pytest.raises(Http404):
        services.case_transition(actor=outsider, case=case, to=S.ASSESSED)

    _assert_nothing_moved(case)


@pytest.mark.parametrize("reader", ["auditor", "province_staff"])
def test_read_only_roles_may_not_move_a_case(request, case, reader):
    with pytest.raises(PermissionDenied):
        services.case_transition(actor=request.getfixturevalue(reader), case=case, to=S.ASSESSED)

    _assert_nothing_moved(case)


@pytest.mark.parametrize("role", [Role.PARTNER_TRAINER, Role.LEADERSHIP_VIEWER])
def test_roles_that_never_see_cases_get_404(member, case, role):
    with pytest.raises(Http404):
        services.case_transition(actor=member(role), case=case, to=S.ASSESSED)

    _assert_nothing_moved(case)


def test_an_ngo_caseworker_moves_a_case_their_agency_registered(ngo_caseworker):
    case = IntakeFactory(actor=ngo_caseworker).case

    services.case_transition(actor=ngo_caseworker, case=case, to=S.ASSESSED)

    assert _stage_of(case) == S.ASSESSED


def test_an_ngo_caseworker_cannot_move_a_case_another_agency_registered(ngo_caseworker, case):
    with pytest.raises(Http404):
        services.case_transition(actor=ngo_caseworker, case=case, to=S.ASSESSED)

    _assert_nothing_moved(case)


# Assessments


def test_recording_an_assessment_moves_a_registered_case_to_assessed(staff, semarang, case):
    assessment = services.assessment_record(
        actor=staff,
        case=case,
        assessed_on=timezone.localdate(),
        needs="Modal usaha",
        skills_wanted="Menjahit",
        wants_to_go_home=True,
    )

    assert (assessment.case, assessment.assessed_by, assessment.skills_wanted) == (case, staff, "Menjahit")
    assert _stage_of(case) == S.ASSESSED
    assert _history(case)[-1] == (S.REGISTERED, S.ASSESSED, "", staff.pk)
    event = AuditEvent.objects.get(action="cases.assessment.recorded")
    assert (event.agency, event.data) == (semarang, {"case": case.pk})


def test_an_assessment_may_leave_open_whether_the_person_wants_to_go_home(staff, case):
    assessment = services.assessment_record(actor=staff, case=case, assessed_on=timezone.localdate(), needs="Modal")

    assert assessment.wants_to_go_home is None
    assert _stage_of(case) == S.ASSESSED


def test_an_assessment_cannot_be_dated_in_the_future(staff, case):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        services.assessment_record(
            actor=staff, case=case, assessed_on=tomorrow, needs="Modal usaha", wants_to_go_home=True
        )

    assert refused.value.message_dict == {"assessed_on": [refusals.ASSESSMENT_IN_FUTURE]}
    assert not Assessment.objects.exists()
    _assert_nothing_moved(case)


def test_a_later_assessment_leaves_the_stage_alone(staff, case):
    services.case_transition(actor=staff, case=case, to=S.ASSESSED)
    services.case_transition(actor=staff, case=case, to=S.PLANNED)

    services.assessment_record(
        actor=staff, case=case, assessed_on=timezone.localdate(), needs="Reassessed", wants_to_go_home=False
    )

    assert _stage_of(case) == S.PLANNED
    assert Assessment.objects.filter(case=case).count() == 1


def test_read_only_roles_may_not_record_an_assessment(auditor, case):
    with pytest.raises(PermissionDenied):
        services.assessment_record(actor=auditor, case=case, assessed_on=timezone.localdate(), wants_to_go_home=True)

    assert not Assessment.objects.exists()


def test_an_outsider_gets_404_recording_an_assessment(outsider, case):
    with pytest.raises(Http404):
        services.assessment_record(actor=outsider, case=case, assessed_on=timezone.localdate(), wants_to_go_home=True)

    assert not Assessment.objects.exists()


# Notes


def test_a_note_by_district_staff_is_in_the_name_of_their_office(staff, semarang, case):
    note = services.case_note_add(actor=staff, case=case, body="  Datang ke kantor untuk asesmen.  ")

    assert (note.case, note.author, note.agency, note.body) == (
        case,
        staff,
        semarang,
        "Datang ke kantor untuk asesmen.",
    )
    event = AuditEvent.objects.get(action="cases.case_note.added")
    assert (event.agency, event.data) == (semarang, {"case": case.pk})


def test_a_note_by_an_ngo_caseworker_is_in_the_name_of_their_ngo(ngo_caseworker, lentera):
    case = IntakeFactory(actor=ngo_caseworker).case

    note = services.case_note_add(actor=ngo_caseworker, case=case, body="Kunjungan rumah.")

    assert (note.author, note.agency) == (ngo_caseworker, lentera)
    assert note.agency != case.owner


def test_an_empty_note_is_refused(staff, case):
    with pytest.raises(ValidationError) as refused:
        services.case_note_add(actor=staff, case=case, body="   ")

    assert set(refused.value.message_dict) == {"body"}
    assert not CaseNote.objects.exists()


def test_read_only_roles_may_not_add_notes(province_staff, case):
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=province_staff, case=case, body="Catatan")

    assert not CaseNote.objects.exists()


def test_an_outsider_gets_404_adding_a_note(outsider, case):
    with pytest.raises(Http404):
        services.case_note_add(actor=outsider, case=case, body="Catatan")

    assert not CaseNote.objects.exists()


# Assigning the caseworker


def test_a_caseworker_of_the_owning_office_can_be_assigned(staff, member, semarang, case):
    worker = member(Role.DISTRICT_STAFF, agency=semarang)

    services.case_assign(actor=staff, case=case, caseworker=worker)

    assert Case.objects.get(pk=case.pk).caseworker == worker
    assert AuditEvent.objects.get(action="cases.case.assigned").data == {"caseworker": worker.pk}


def test_a_case_can_be_left_without_a_caseworker(staff, member, semarang, case):
    services.case_assign(actor=staff, case=case, caseworker=member(Role.DISTRICT_STAFF, agency=semarang))

    services.case_assign(actor=staff, case=case, caseworker=None)

    assert Case.objects.get(pk=case.pk).caseworker is None
    assert AuditEvent.objects.filter(action="cases.case.assigned").order_by("pk").last().data == {"caseworker": None}


def test_a_caseworker_of_the_registering_ngo_can_be_assigned(staff, ngo_caseworker):
    case = IntakeFactory(actor=ngo_caseworker).case

    services.case_assign(actor=staff, case=case, caseworker=ngo_caseworker)

    assert Case.objects.get(pk=case.pk).caseworker == ngo_caseworker


def test_a_caseworker_from_an_unrelated_agency_is_refused(staff, member, case):
    stranger = member(Role.NGO_CASEWORKER, agency=NgoFactory(name="Yayasan Lain"))

    with pytest.raises(ValidationError) as refused:
        services.case_assign(actor=staff, case=case, caseworker=stranger)

    assert set(refused.value.message_dict) == {"caseworker"}
    assert Case.objects.get(pk=case.pk).caseworker is None
    assert not AuditEvent.objects.filter(action="cases.case.assigned").exists()


def test_a_former_member_of_the_owning_office_cannot_be_assigned(staff, member, semarang, case):
    former = member(Role.DISTRICT_STAFF, agency=semarang, active=False)

    with pytest.raises(ValidationError) as refused:
        services.case_assign(actor=staff, case=case, caseworker=former)

    assert set(refused.value.message_dict) == {"caseworker"}


def test_an_outsider_gets_404_assigning_a_caseworker(outsider, staff, case):
    with pytest.raises(Http404):
        services.case_assign(actor=outsider, case=case, caseworker=staff)

    assert Case.objects.get(pk=case.pk).caseworker is None


def test_read_only_roles_may_not_assign_a_caseworker(auditor, staff, case):
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=auditor, case=case, caseworker=staff)

    assert Case.objects.get(pk=case.pk).caseworker is None
