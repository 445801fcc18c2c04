"""The privacy pages (issue 18 item 8), through the admin: the desk records from the case page, the officer decides
and restricts from the request's page or by a case number, and each page shows what its reader may read."""

import pytest

from agencies.models import AuditEvent
from cases.models import Case, CorrectionRequest, Person, Referral, Restriction
from tests.cases.factories import IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(staff):
    return IntakeFactory(actor=staff, caseworker=staff, phone="081234567890").case


def _record(client, case, value="085700001111"):
    return client.post(
        f"/admin/cases/case/{case.pk}/correction/",
        {"field": "phone", "new_value": value, "evidence": "ktp", "evidence_note": "KTP dilihat"},
    )


def test_the_desk_records_a_request_from_the_case_page(signed_in, staff, case):
    client = signed_in(staff)

    page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    response = _record(client, case)

    assert f"/admin/cases/case/{case.pk}/correction/" in page
    assert response.status_code == 302
    assert CorrectionRequest.objects.get().new_value == "085700001111"


def test_a_bad_value_is_named_on_the_form_and_nothing_is_saved(signed_in, staff, case):
    response = _record(signed_in(staff), case, value="081234567890")

    assert response.status_code == 200
    assert "sama dengan nilai yang sudah tercatat" in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_the_officer_reads_the_one_field_and_approves(signed_in, staff, dpo, case):
    _record(signed_in(staff), case)
    request = CorrectionRequest.objects.get()
    officer = signed_in(dpo)

    page = officer.get(f"/admin/cases/correctionrequest/{request.pk}/change/").content.decode()
    answer = officer.post(f"/admin/cases/correctionrequest/{request.pk}/approve/")

    assert "085700001111" in page and "081234567890" in page
    assert case.person.full_name not in page  # the case's content stays out
    viewed = AuditEvent.objects.get(action="cases.correction_request.viewed", actor_user=dpo)
    assert viewed.data == {"field": "phone"} and viewed.agency_id == case.owner_id
    assert answer.status_code == 302
    assert Person.objects.get(pk=case.person_id).phone == "085700001111"


def test_the_officer_of_another_province_finds_no_such_request(signed_in, staff, other_dpo, case):
    _record(signed_in(staff), case)
    request = CorrectionRequest.objects.get()

    client = signed_in(other_dpo)
    page = client.get(f"/admin/cases/correctionrequest/{request.pk}/change/")
    missing = client.get(f"/admin/cases/correctionrequest/{request.pk + 1000}/change/")

    assert (page.status_code, page.url) == (missing.status_code, missing.url)  # the admin's "no such row"
    assert client.post(f"/admin/cases/correctionrequest/{request.pk}/approve/").status_code == 404


def test_the_desk_sees_its_request_without_the_buttons_to_decide(signed_in, staff, case):
    client = signed_in(staff)
    _record(client, case)
    request = CorrectionRequest.objects.get()

    page = client.get(f"/admin/cases/correctionrequest/{request.pk}/change/").content.decode()

    assert "/approve/" not in page and "/restrict/" not in page
    assert client.post(f"/admin/cases/correctionrequest/{request.pk}/approve/").status_code == 200  # refused on form
    assert CorrectionRequest.objects.get().status == CorrectionRequest.Status.PENDING


def test_the_officer_restricts_by_case_number_and_the_case_page_says_so(signed_in, staff, dpo, case):
    response = signed_in(dpo).post(
        "/admin/cases/restriction/add/", {"case_number": case.number, "reason": "objection", "note": ""}
    )

    assert response.status_code == 302
    assert Restriction.objects.get().in_force
    page = signed_in(staff).get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "Pemrosesan data dibatasi" in page


def test_a_case_number_outside_the_officers_reach_is_as_unknown_as_one_that_does_not_exist(signed_in, other_dpo, case):
    client = signed_in(other_dpo)

    outside = client.post("/admin/cases/restriction/add/", {"case_number": case.number, "reason": "objection"})
    unknown = client.post("/admin/cases/restriction/add/", {"case_number": "99.99-2026-00001", "reason": "objection"})

    assert outside.status_code == unknown.status_code == 200
    assert "Tidak ada kasus dengan nomor ini" in outside.content.decode()
    assert not Restriction.objects.exists()


def test_the_officer_lifts_a_restriction_from_its_page(signed_in, dpo, case):
    client = signed_in(dpo)
    client.post("/admin/cases/restriction/add/", {"case_number": case.number, "reason": "safety"})
    restriction = Restriction.objects.get()

    response = client.post(f"/admin/cases/restriction/{restriction.pk}/lift/", {"lift_reason": "withdrawn"})

    assert response.status_code == 302
    assert not Restriction.objects.get().in_force


def test_the_refer_button_refuses_a_restricted_person_in_indonesian(signed_in, staff, dpo, case, lentera):
    signed_in(dpo).post("/admin/cases/restriction/add/", {"case_number": case.number, "reason": "safety"})

    response = signed_in(staff).post(
        f"/admin/cases/case/{case.pk}/refer/",
        {"to_agency": lentera.pk, "kind": Referral.Kind.NGO_MENTORING, "reason": "Pendampingan"},
    )

    assert "Pemrosesan data orang ini dibatasi" in response.content.decode()
    assert not Referral.objects.exists()
    assert Case.objects.get(pk=case.pk).owner_id == case.owner_id


def test_an_officer_records_a_request_by_case_number_and_another_officer_decides_it(signed_in, member, dpo, case):
    from agencies.models import Agency, Role
    from tests.agencies.factories import AgencyFactory

    client = signed_in(dpo)
    response = client.post(
        "/admin/cases/correctionrequest/add/",
        {"case_number": case.number, "field": "phone", "new_value": "085700001111", "evidence": "statement"},
    )
    request = CorrectionRequest.objects.get()
    page = client.get(f"/admin/cases/correctionrequest/{request.pk}/change/").content.decode()
    ministry_officer = member(Role.DATA_PROTECTION_OFFICER, agency=AgencyFactory(ministry=True))

    assert response.status_code == 302 and request.made_by == dpo
    assert "/approve/" not in page and "orang lain yang memutuskannya" in page
    assert signed_in(ministry_officer).post(f"/admin/cases/correctionrequest/{request.pk}/approve/").status_code == 302
    assert Person.objects.get(pk=case.person_id).phone == "085700001111"
    assert Agency.objects.filter(kind=Agency.Kind.MINISTRY).exists()
