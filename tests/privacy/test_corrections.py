"""Correction requests (issue 18 item 8): recorded at the owning office's desk, decided by the data-protection
officer (never by their maker), applied in the approval's own transaction, with no personal value in the trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import translation

from agencies.models import AuditEvent, Role
from cases import refusals, services
from cases.encryption import keyed_hash
from cases.models import Case, CorrectionRequest, Person
from tests.cases.factories import IntakeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NIK = "3374014505900001"
OTHER_NIK = "3374014505900002"
FIELD = CorrectionRequest.Field


@pytest.fixture
def case(staff):
    return IntakeFactory(actor=staff, caseworker=staff, nik=NIK, phone="081234567890").case


def _record(actor, case, field=FIELD.PHONE, value="085700001111", **kwargs):
    request, _warnings = services.correction_request_record(
        actor=actor, case=case, field=field, new_value=value, evidence=CorrectionRequest.Evidence.KTP, **kwargs
    )
    return request


def _raw_columns(request) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT old_value || new_value || evidence_note FROM cases_correctionrequest WHERE id = %s", [request.pk]
        )
        return cursor.fetchone()[0]


def test_district_staff_record_a_request_with_both_values_encrypted(staff, case):
    request = _record(staff, case, evidence_note="KTP dilihat di loket")

    request.refresh_from_db()
    assert (request.old_value, request.new_value) == ("081234567890", "085700001111")
    assert request.status == CorrectionRequest.Status.PENDING
    assert request.due_at - request.received_at == datetime.timedelta(hours=72)
    raw = _raw_columns(request)
    assert "0812" not in raw and "0857" not in raw and "KTP dilihat" not in raw


def test_the_trail_names_the_field_and_never_a_value(staff, dpo, case):
    request = _record(staff, case)
    services.correction_request_approve(actor=dpo, request=request)

    events = AuditEvent.objects.filter(action__startswith="cases.").values_list("action", "data")
    text = str(list(events))
    assert "0857" not in text and "0812" not in text
    assert ("cases.correction_request.recorded", {"field": "phone", "evidence": "ktp"}) in events
    assert ("cases.correction_request.applied", {"field": "phone"}) in events


def test_the_officer_approves_and_the_record_takes_the_new_value(staff, dpo, case):
    request = _record(staff, case)

    services.correction_request_approve(actor=dpo, request=request)

    assert Person.objects.get(pk=case.person_id).phone == "085700001111"
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (CorrectionRequest.Status.APPLIED, dpo)


def test_whoever_recorded_a_request_may_not_decide_it(dpo, case):
    request = _record(dpo, case)

    with pytest.raises(ValidationError) as refused:
        services.correction_request_approve(actor=dpo, request=request)

    assert refused.value.message_dict == {"decided_by": [refusals.CORRECTION_OWN_REQUEST]}
    assert Person.objects.get(pk=case.person_id).phone == "081234567890"


def test_the_owning_offices_staff_may_not_decide(staff, colleague, case):
    request = _record(staff, case)

    with pytest.raises(PermissionDenied):
        services.correction_request_approve(actor=colleague, request=request)


def test_an_officer_of_another_jurisdiction_does_not_find_the_request(staff, other_dpo, case):
    request = _record(staff, case)

    with pytest.raises(Http404):
        services.correction_request_approve(actor=other_dpo, request=request)


def test_an_ngo_caseworker_may_not_record_a_request(ngo_caseworker, staff, case):
    with pytest.raises(PermissionDenied):
        _record(ngo_caseworker, case)


def test_a_corrected_nik_is_re_encrypted_and_re_hashed(staff, dpo, case):
    request = _record(staff, case, field=FIELD.NIK, value=OTHER_NIK)

    services.correction_request_approve(actor=dpo, request=request)

    person = Person.objects.get(pk=case.person_id)
    assert person.nik == OTHER_NIK
    assert person.nik_hash == keyed_hash("nik", OTHER_NIK)
    assert not Person.objects.filter(nik_hash=keyed_hash("nik", NIK)).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik FROM cases_person WHERE id = %s", [person.pk])
        assert OTHER_NIK not in cursor.fetchone()[0]
    assert OTHER_NIK not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_corrected_nik_of_another_registered_person_is_refused_without_naming_them(staff, dpo, case, outsider):
    other = IntakeFactory(actor=outsider, nik=OTHER_NIK).case
    request = _record(staff, case, field=FIELD.NIK, value=OTHER_NIK)

    with pytest.raises(ValidationError) as refused:
        services.correction_request_approve(actor=dpo, request=request)

    assert refused.value.message_dict == {"new_value": [refusals.CORRECTION_NIK_REGISTERED]}
    assert other.number not in str(refused.value)
    assert Person.objects.get(pk=case.person_id).nik == NIK
    assert CorrectionRequest.objects.get(pk=request.pk).status == CorrectionRequest.Status.PENDING


def test_a_field_changed_since_the_request_is_not_overwritten(staff, dpo, case):
    request = _record(staff, case)
    services.person_update(actor=staff, person=case.person, phone="081111111111")

    with pytest.raises(ValidationError) as refused:
        services.correction_request_approve(actor=dpo, request=request)

    assert refused.value.message_dict == {"new_value": [refusals.CORRECTION_CHANGED_MEANWHILE]}
    assert Person.objects.get(pk=case.person_id).phone == "081111111111"


def test_a_rejection_needs_a_reason_and_changes_nothing(staff, dpo, case):
    request = _record(staff, case)

    with pytest.raises(ValidationError):
        services.correction_request_reject(actor=dpo, request=request, reason=" ")
    services.correction_request_reject(actor=dpo, request=request, reason="Nomor di KTP tidak terbaca")

    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.REJECTED
    assert Person.objects.get(pk=case.person_id).phone == "081234567890"
    with pytest.raises(ValidationError) as again:
        services.correction_request_approve(actor=dpo, request=request)
    assert again.value.message_dict == {"status": [refusals.CORRECTION_DECIDED_ALREADY]}


def test_the_cases_target_group_is_corrected_too(staff, dpo, case):
    request = _record(staff, case, field=FIELD.TARGET_GROUP, value="15")

    services.correction_request_approve(actor=dpo, request=request)

    assert Case.objects.get(pk=case.pk).target_group_id == 15


def test_a_birth_date_is_typed_day_first_and_a_bad_one_is_refused_on_the_value(staff, dpo, case):
    with pytest.raises(ValidationError) as refused:
        _record(staff, case, field=FIELD.BIRTH_DATE, value="31/02/1990")
    assert refused.value.message_dict == {"new_value": [refusals.CORRECTION_DATE_INVALID]}

    request = _record(staff, case, field=FIELD.BIRTH_DATE, value="05/05/1990")
    services.correction_request_approve(actor=dpo, request=request)

    assert Person.objects.get(pk=case.person_id).birth_date == datetime.date(1990, 5, 5)


def test_the_same_value_is_not_a_correction(staff, case):
    with pytest.raises(ValidationError) as refused:
        _record(staff, case, value="081234567890")
    assert refused.value.message_dict == {"new_value": [refusals.CORRECTION_SAME_VALUE]}


def test_the_refusals_read_indonesian(staff, case):
    with translation.override("id"):
        with pytest.raises(ValidationError) as refused:
            _record(staff, case, value="081234567890")
        assert "sama" in refused.value.message_dict["new_value"][0]


def test_the_officer_sees_requests_of_their_jurisdiction_and_no_case(staff, dpo, other_dpo, case):
    from agencies import access

    request = _record(staff, case)

    assert list(access.visible_to(dpo, CorrectionRequest)) == [request]
    assert not access.visible_to(other_dpo, CorrectionRequest).exists()
    assert not access.visible_to(dpo, Case).exists()
    assert not access.visible_to(dpo, Person).exists()


def test_an_officer_role_is_what_decides_not_a_change_grant(member, semarang, staff, case):
    # A district staff member of the owning office may change the request row (to record it), never decide it.
    other = member(Role.DISTRICT_STAFF, agency=semarang)
    request = _record(staff, case)
    with pytest.raises(PermissionDenied):
        services.correction_request_reject(actor=other, request=request, reason="tidak")
