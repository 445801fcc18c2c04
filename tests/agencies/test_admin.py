"""The admin, as staff use it: Indonesian by default, scoped by the access rule, saving through services."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, ApiClient, AuditEvent, Membership, Role
from tests.agencies.factories import AgencyFactory, ApiClientFactory, MembershipFactory, RegionFactory, UserFactory
from tests.conftest import sign_in_with_code

pytestmark = pytest.mark.django_db

K = Agency.Kind


@pytest.fixture
def province_client(signed_in, jateng, province_staff):
    RegionFactory(code="33.74")  # Kota Semarang, where the forms below place agencies
    return signed_in(province_staff)


def _agency_form(**overrides):
    return {"name": "Lentera Asa", "kind": K.NGO, "region": "33.74", "parent": "", "contact_email": "", **overrides}


def test_the_login_page_speaks_indonesian_by_default(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert 'lang="id"' in response.content.decode()
    assert "Manajemen Kasus Rehabilitasi Sosial" in response.content.decode()


def test_the_login_page_switches_to_english(client):
    response = client.get("/admin/login/", headers={"accept-language": "en"})

    assert "Social rehabilitation case management" in response.content.decode()


def test_a_member_signs_in_without_being_flagged_staff(client):
    user = MembershipFactory(role=Role.DISTRICT_STAFF, user=UserFactory(username="kab", is_staff=False)).user
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    sign_in_with_code(client, "kab", "secret-pass-123")  # the password, then the code (issue 18)

    assert client.get("/admin/").status_code == 200
    assert not user.is_staff


def test_a_person_without_a_membership_is_turned_away_at_login(client):
    UserFactory(username="nobody", is_staff=True)

    response = client.post("/admin/login/", {"username": "nobody", "password": "secret-pass-123"})

    assert response.status_code == 200
    assert "keanggotaan" in response.content.decode().lower()
    assert client.get("/admin/").status_code == 302


def test_province_staff_add_an_agency_in_their_province(province_client):
    response = province_client.post("/admin/agencies/agency/add/", _agency_form())

    assert response.status_code == 302
    agency = Agency.objects.get(name="Lentera Asa")
    assert AuditEvent.objects.filter(action="agencies.agency.created", target_id=str(agency.pk)).exists()


def test_an_agency_outside_the_province_is_refused_on_the_form_and_nothing_is_saved(province_client):
    RegionFactory(code="35.10")

    response = province_client.post("/admin/agencies/agency/add/", _agency_form(region="35.10"))

    assert response.status_code == 200
    assert response.context["errors"]
    assert not Agency.objects.filter(name="Lentera Asa").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"region": ""}, "region", id="no-region"),
        pytest.param({"region": "99.99"}, "region", id="unknown-region-code"),
        pytest.param({"kind": K.SOCIAL_SERVICE_PROVINCE}, "region", id="kind-does-not-fit-region-level"),
        pytest.param({"contact_email": "not-an-email"}, "contact_email", id="bad-email"),
    ],
)
def test_bad_agency_input_names_the_field_and_saves_nothing(province_client, overrides, field):
    RegionFactory(code="33.74")

    response = province_client.post("/admin/agencies/agency/add/", _agency_form(**overrides))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Agency.objects.filter(name="Lentera Asa").exists()


def test_province_staff_add_a_person_to_an_agency_of_their_province(province_client, jateng):
    response = province_client.post(
        "/admin/agencies/membership/add/",
        {"email": "siti@example.test", "first_name": "Siti", "last_name": "", "agency": jateng.pk, "role": "auditor"},
    )

    assert response.status_code == 302
    assert Membership.objects.get(user__email="siti@example.test").role == Role.AUDITOR


def test_a_role_that_does_not_fit_the_agency_is_refused_on_the_form(province_client, jateng):
    response = province_client.post(
        "/admin/agencies/membership/add/",
        {"email": "siti@example.test", "agency": jateng.pk, "role": Role.NGO_CASEWORKER},
    )

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(user__email="siti@example.test").exists()


def test_a_second_active_membership_is_refused_on_the_form(province_client, jateng):
    MembershipFactory(agency=jateng, role=Role.AUDITOR, user=UserFactory(email="siti@example.test"))

    response = province_client.post(
        "/admin/agencies/membership/add/",
        {"email": "siti@example.test", "agency": jateng.pk, "role": Role.FINANCE_APPROVER},
    )

    assert response.status_code == 200
    assert "sudah memiliki keanggotaan aktif" in str(response.context["errors"])
    assert Membership.objects.filter(user__email="siti@example.test").count() == 1


def test_the_membership_form_offers_only_agencies_of_the_province(province_client, jateng):
    AgencyFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=RegionFactory(code="35.10"))

    response = province_client.get("/admin/agencies/membership/add/")

    offered = {agency.name for agency in response.context["adminform"].form.fields["agency"].queryset}
    assert offered == {"Dinas Sosial Provinsi Jawa Tengah"}


def test_district_staff_list_only_their_own_agency_people(signed_in):
    staff = MembershipFactory(role=Role.DISTRICT_STAFF)
    colleague = MembershipFactory(agency=staff.agency)
    MembershipFactory()  # someone elsewhere

    response = signed_in(staff.user).get("/admin/agencies/membership/")

    assert {m.pk for m in response.context["cl"].result_list} == {staff.pk, colleague.pk}


def test_an_out_of_scope_membership_page_looks_exactly_like_a_missing_one(signed_in):
    staff = MembershipFactory(role=Role.DISTRICT_STAFF)
    elsewhere = MembershipFactory()
    client = signed_in(staff.user)

    out_of_scope = client.get(f"/admin/agencies/membership/{elsewhere.pk}/change/")
    missing = client.get("/admin/agencies/membership/999999/change/")

    assert out_of_scope.status_code == missing.status_code == 302
    assert out_of_scope["Location"] == missing["Location"] == "/admin/"


def test_a_read_only_colleague_cannot_post_changes(signed_in):
    staff = MembershipFactory(role=Role.DISTRICT_STAFF)
    colleague = MembershipFactory(agency=staff.agency, role=Role.DISTRICT_STAFF)

    response = signed_in(staff.user).post(
        f"/admin/agencies/membership/{colleague.pk}/change/", {"role": Role.FINANCE_APPROVER, "active": "on"}
    )

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.role == Role.DISTRICT_STAFF


def test_nothing_can_be_deleted_from_the_admin(province_client, jateng):
    response = province_client.get(f"/admin/agencies/agency/{jateng.pk}/delete/")

    assert response.status_code == 403


def test_a_new_api_token_is_shown_once_and_never_again(province_client, jateng):
    response = province_client.post(
        "/admin/agencies/apiclient/add/", {"agency": jateng.pk, "name": "Dasbor", "scope": "read"}
    )

    client = ApiClient.objects.get(name="Dasbor")
    token = response.context["issued"][0][1]
    assert token.startswith(f"rhb_{client.key_id}_")
    assert "no-store" in response["Cache-Control"]
    assert token not in province_client.get(f"/admin/agencies/apiclient/{client.pk}/change/").content.decode()


def test_rotating_from_the_admin_shows_the_new_token(province_client, jateng):
    client = ApiClientFactory(agency=jateng)

    response = province_client.post("/admin/agencies/apiclient/", {"action": "rotate", "_selected_action": [client.pk]})

    client.refresh_from_db()
    assert response.status_code == 200
    assert response.context["issued"][0][1].startswith(f"rhb_{client.key_id}_")


def test_revoking_from_the_admin_goes_through_the_service(province_client, jateng):
    client = ApiClientFactory(agency=jateng)

    province_client.post("/admin/agencies/apiclient/", {"action": "revoke", "_selected_action": [client.pk]})

    client.refresh_from_db()
    assert client.revoked_at is not None
    assert AuditEvent.objects.filter(action="agencies.api_client.revoked").count() == 1


def test_auditors_read_the_trail_of_their_jurisdiction(signed_in, jateng, province_client):
    province_client.post("/admin/agencies/agency/add/", _agency_form())
    auditor = MembershipFactory(role=Role.AUDITOR, agency=jateng).user

    response = signed_in(auditor).get("/admin/agencies/auditevent/")

    assert [e.action for e in response.context["cl"].result_list] == ["agencies.agency.created"]


def test_pages_name_accounts_without_linking_to_the_set_up_only_account_page(signed_in, jateng, province_client):
    # Only set-up superusers open accounts: a link there would answer 403 to everyone who sees it.
    province_client.post("/admin/agencies/agency/add/", _agency_form())
    membership = MembershipFactory(role=Role.DISTRICT_STAFF, agency=AgencyFactory(name="Dinsos Kendal"))
    client = ApiClientFactory(agency=jateng, created_by=UserFactory(username="pembuat"))
    auditor = MembershipFactory(role=Role.AUDITOR, agency=jateng).user
    event = AuditEvent.objects.get(action="agencies.agency.created")

    pages = [
        province_client.get(f"/admin/agencies/membership/{membership.pk}/change/"),
        province_client.get(f"/admin/agencies/apiclient/{client.pk}/change/"),
        signed_in(auditor).get(f"/admin/agencies/auditevent/{event.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert not [page for page in pages if "/admin/agencies/user/" in page.content.decode()]
    assert "pembuat" in pages[1].content.decode()


def test_a_colleagues_account_page_opens_by_name_only(signed_in):
    office = AgencyFactory()
    reader = MembershipFactory(role=Role.DISTRICT_STAFF, agency=office).user
    colleague = MembershipFactory(
        role=Role.DISTRICT_STAFF, agency=office, user=UserFactory(first_name="Ratna", email="ratna@dinsos.example")
    ).user
    stranger = MembershipFactory(role=Role.DISTRICT_STAFF, agency=AgencyFactory()).user
    client = signed_in(reader)

    page = client.get(f"/admin/agencies/user/{colleague.pk}/change/")

    assert page.status_code == 200
    assert "Ratna" in page.content.decode() and "ratna@dinsos.example" not in page.content.decode()
    # Someone outside the reader's offices "does not exist", as on every scoped page.
    assert client.get(f"/admin/agencies/user/{stranger.pk}/change/")["Location"] == "/admin/"
    colleagues = client.get("/admin/agencies/user/")
    assert [row.pk for row in colleagues.context["cl"].result_list] == sorted([reader.pk, colleague.pk])
    assert "ratna@dinsos.example" not in colleagues.content.decode()
