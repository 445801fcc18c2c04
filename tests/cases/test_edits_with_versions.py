"""Edits that name the version they were made on (If-Match, issue 13 item 6 and "offline-safe editing").

Each service compares the version under the row lock, before any other check: a stale version changes nothing and
writes no audit row; the current one (or "*") goes through, is audited with field names only, and moves the
version. A person's edit answers whether a new NIK is registered only when every other field is right (item 4), and
refuses a birth date before 1900 (item 10).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import AuditEvent, Role
from agencies.writes import VersionMismatch, version_of
from cases import services
from cases.models import Assessment, Case, Person, StageChange
from tests.cases.factories import IntakeFactory, NgoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = Case.Stage
# Kota Semarang, kecamatan 01; a woman born 5 January 1990; serial 0001.
NIK = "3374014501900001"


@pytest.fixture
def case(staff):
    """A case Semarang's office registered a moment ago (stage `registered`), its person without a NIK."""
    return IntakeFactory(actor=staff, full_name="Siti Aminah").case


def current(obj):
    return type(obj).objects.get(pk=obj.pk)


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# Stage moves


def test_a_stage_move_naming_an_old_version_changes_nothing_and_writes_no_audit_row(staff, colleague, case):
    read = version_of(current(case))
    services.case_assign(actor=colleague, case=case, caseworker=colleague)  # someone else saved the case since
    before = audited("cases.case.stage_changed")

    with pytest.raises(VersionMismatch):
        services.case_transition(actor=staff, case=case, to=S.ASSESSED, if_match=[read])

    assert current(case).stage == S.REGISTERED
    assert not StageChange.objects.filter(case=case, to_stage=S.ASSESSED).exists()
    assert audited("cases.case.stage_changed") == before


def test_a_stage_move_naming_the_current_version_moves_the_case_and_its_version(staff, case):
    read = version_of(current(case))

    moved = services.case_transition(actor=staff, case=case, to=S.ASSESSED, if_match=[read])

    assert current(case).stage == S.ASSESSED
    assert audited("cases.case.stage_changed") == 1
    assert version_of(current(case)) == version_of(moved) != read


def test_a_stage_move_names_any_of_several_versions_or_every_version_with_a_star(staff, case):
    services.case_transition(actor=staff, case=case, to=S.ASSESSED, if_match=['"1-1"', version_of(current(case))])
    services.case_transition(actor=staff, case=case, to=S.PLANNED, if_match=["*"])

    assert current(case).stage == S.PLANNED


def test_the_version_is_compared_before_the_move_is_judged(staff, colleague, case):
    # A stale client asking for a move that is wrong by now hears that the case changed, not that the move is wrong.
    read = version_of(current(case))
    services.case_transition(actor=colleague, case=case, to=S.ASSESSED)

    with pytest.raises(VersionMismatch):
        services.case_transition(actor=staff, case=case, to=S.ASSESSED, if_match=[read])


# Caseworker assignment


def test_an_assignment_naming_an_old_version_changes_nothing(staff, colleague, case):
    read = version_of(current(case))
    services.case_transition(actor=colleague, case=case, to=S.ASSESSED)
    before = audited("cases.case.assigned")

    with pytest.raises(VersionMismatch):
        services.case_assign(actor=staff, case=case, caseworker=colleague, if_match=[read])

    assert current(case).caseworker is None
    assert audited("cases.case.assigned") == before


def test_an_assignment_naming_the_current_version_assigns_the_caseworker(staff, colleague, case):
    read = version_of(current(case))

    services.case_assign(actor=staff, case=case, caseworker=colleague, if_match=[read])

    assert current(case).caseworker == colleague
    assert version_of(current(case)) != read


# A person's details


def test_a_person_edit_naming_an_old_version_changes_nothing(staff, colleague, case):
    person = case.person
    read = version_of(current(person))
    services.person_update(actor=colleague, person=person, known_as="Ani")
    before = audited("cases.person.updated")

    with pytest.raises(VersionMismatch):
        services.person_update(actor=staff, person=person, phone="081234567890", if_match=[read])

    assert current(person).phone == ""
    assert audited("cases.person.updated") == before


def test_a_person_edit_naming_the_current_version_is_saved_and_audited_by_field_name(staff, case):
    person = case.person
    read = version_of(current(person))

    services.person_update(actor=staff, person=person, phone="081234567890", if_match=[read])

    assert current(person).phone == "081234567890"
    event = AuditEvent.objects.get(action="cases.person.updated")
    assert event.data == {"fields": ["phone"]}
    assert version_of(current(person)) != read


@pytest.fixture
def registered_elsewhere(outsider):
    """NIK's person, registered in Banyuwangi: nobody of Semarang's may see the case."""
    return IntakeFactory(actor=outsider, nik=NIK, full_name="Ratna Kusumawati").case


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sex", "X"),
        ("birth_date", datetime.date(2999, 1, 1)),
        ("birth_date", datetime.date(1, 1, 1)),
        ("full_name", "x" * 151),
    ],
)
def test_a_nik_change_refused_for_another_field_does_not_say_the_nik_is_registered_elsewhere(
    staff, case, registered_elsewhere, field, value
):
    with pytest.raises(ValidationError) as refused:
        services.person_update(actor=staff, person=case.person, nik=NIK, **{field: value})

    assert set(refused.value.message_dict) == {field}
    assert current(case.person).nik == ""


def test_a_nik_change_right_in_every_other_field_still_hears_the_nik_is_registered_elsewhere(
    staff, case, registered_elsewhere
):
    with pytest.raises(ValidationError) as refused:
        services.person_update(actor=staff, person=case.person, nik=NIK, known_as="Ani")

    assert set(refused.value.message_dict) == {"nik"}
    assert "another district" in " ".join(refused.value.messages)
    assert current(case.person).nik == "" and current(case.person).known_as == ""


@pytest.mark.parametrize("birth_date", [datetime.date(1, 1, 1), datetime.date(1899, 12, 31)])
def test_a_person_edit_with_a_birth_date_before_1900_is_refused_on_birth_date(staff, case, birth_date):
    with pytest.raises(ValidationError) as refused:
        services.person_update(actor=staff, person=case.person, birth_date=birth_date)

    assert set(refused.value.message_dict) == {"birth_date"}
    assert current(case.person).birth_date is None


def test_a_person_edit_may_give_a_birth_date_of_1900(staff, case):
    person, _warnings = services.person_update(actor=staff, person=case.person, birth_date=datetime.date(1900, 1, 1))

    assert current(person).birth_date == datetime.date(1900, 1, 1)


# Assessments


@pytest.fixture
def assessment(staff, case) -> Assessment:
    return services.assessment_record(
        actor=staff,
        case=case,
        assessed_on=timezone.localdate() - datetime.timedelta(days=3),
        needs="Modal usaha",
        skills_wanted="Menjahit",
    )


def test_an_assessment_has_a_version_that_moves_when_it_is_corrected(staff, assessment):
    read = version_of(current(assessment))

    services.assessment_update(actor=staff, assessment=assessment, business_idea="Warung jahit", if_match=[read])

    assert version_of(current(assessment)) != read


def test_an_assessment_edit_naming_an_old_version_changes_nothing_and_writes_no_audit_row(staff, colleague, assessment):
    read = version_of(current(assessment))
    services.assessment_update(actor=colleague, assessment=assessment, needs="Modal usaha dan alat jahit")

    with pytest.raises(VersionMismatch):
        services.assessment_update(actor=staff, assessment=assessment, skills_wanted="Salon", if_match=[read])

    assert current(assessment).skills_wanted == "Menjahit"
    assert audited("cases.assessment.updated") == 1  # the colleague's only


def test_an_assessment_edit_naming_the_current_version_is_saved_and_audited_by_field_name(staff, assessment):
    read = version_of(current(assessment))

    services.assessment_update(
        actor=staff, assessment=assessment, skills_wanted="Salon", wants_to_go_home=True, if_match=[read]
    )

    saved = current(assessment)
    assert (saved.skills_wanted, saved.wants_to_go_home, saved.needs) == ("Salon", True, "Modal usaha")
    event = AuditEvent.objects.get(action="cases.assessment.updated")
    assert event.data == {"case": assessment.case_id, "fields": ["skills_wanted", "wants_to_go_home"]}
    assert "Salon" not in str(event.data)


def test_an_assessment_edit_with_a_star_saves_whatever_the_version(staff, assessment):
    services.assessment_update(actor=staff, assessment=assessment, needs="Pelatihan", if_match=["*"])

    assert current(assessment).needs == "Pelatihan"


def test_an_assessment_cannot_be_moved_into_the_future(staff, assessment):
    with pytest.raises(ValidationError) as refused:
        services.assessment_update(
            actor=staff, assessment=assessment, assessed_on=timezone.localdate() + datetime.timedelta(days=1)
        )

    assert set(refused.value.message_dict) == {"assessed_on"}
    assert current(assessment).assessed_on < timezone.localdate()
    assert audited("cases.assessment.updated") == 0


def test_an_assessment_is_corrected_only_by_those_who_may_change_the_case(member, semarang, assessment):
    auditor = member(Role.AUDITOR, agency=semarang)

    with pytest.raises(PermissionDenied):
        services.assessment_update(actor=auditor, assessment=assessment, needs="Lainnya")

    assert current(assessment).needs == "Modal usaha"


def test_an_ngo_corrects_the_assessments_of_the_cases_it_registered(member, semarang):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(name="Yayasan Lentera Semarang"))
    case = IntakeFactory(actor=caseworker).case
    assessment = services.assessment_record(actor=caseworker, case=case, assessed_on=timezone.localdate())

    services.assessment_update(
        actor=caseworker, assessment=assessment, needs="Modal", if_match=[version_of(current(assessment))]
    )

    assert current(assessment).needs == "Modal"


def test_an_unchanged_assessment_edit_writes_nothing(staff, assessment):
    read = version_of(current(assessment))

    services.assessment_update(actor=staff, assessment=assessment, needs="Modal usaha", if_match=[read])

    assert version_of(current(assessment)) == read
    assert audited("cases.assessment.updated") == 0


def test_a_person_without_changes_keeps_their_version(staff, case):
    read = version_of(current(case.person))

    services.person_update(actor=staff, person=case.person, known_as="", if_match=[read])

    assert version_of(Person.objects.get(pk=case.person.pk)) == read
