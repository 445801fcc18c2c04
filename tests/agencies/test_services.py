"""Agencies, memberships and API clients change only through services: validated, scoped, audited, atomic."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404

from agencies import access, services
from agencies.models import Agency, ApiClient, AuditEvent, Membership, Role, User
from tests.agencies.factories import AgencyFactory, ApiClientFactory, MembershipFactory, RegionFactory, UserFactory

# Messages are checked in English here; tests/agencies/test_admin.py checks the Indonesian ones.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

K = Agency.Kind


def _field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# Agencies


def test_province_staff_adds_an_agency_in_their_province_and_it_is_audited(province_staff):
    agency = services.agency_create(
        actor=province_staff, name="Lentera Asa", kind=K.NGO, region=RegionFactory(code="33.74")
    )

    event = AuditEvent.objects.get(action="agencies.agency.created")
    assert agency.pk and agency.active
    assert (event.actor_user, event.agency, event.target_id) == (province_staff, agency, str(agency.pk))
    assert event.data == {"kind": "ngo", "region": "33.74", "parent": None, "active": True}


def test_province_staff_cannot_add_an_agency_in_another_province(province_staff):
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=province_staff, name="Bina Sehat", kind=K.NGO, region=RegionFactory(code="35.10"))

    assert not Agency.objects.filter(name="Bina Sehat").exists()
    assert not AuditEvent.objects.exists()


def test_district_staff_cannot_add_agencies(member):
    district_staff = member(Role.DISTRICT_STAFF)

    with pytest.raises(PermissionDenied):
        services.agency_create(actor=district_staff, name="X", kind=K.NGO, region=RegionFactory(code="33.03"))


def test_an_agency_without_a_region_is_refused_naming_the_field(province_staff):
    with pytest.raises(ValidationError) as refused:
        services.agency_create(actor=province_staff, name="Nowhere", kind=K.NGO, region=None)

    assert set(_field_errors(refused)) == {"region"}
    assert not Agency.objects.filter(name="Nowhere").exists()


@pytest.mark.parametrize(
    ("kind", "code"),
    [(K.SOCIAL_SERVICE_DISTRICT, "33"), (K.SOCIAL_SERVICE_PROVINCE, "33.74"), (K.SOCIAL_SERVICE_DISTRICT, "33.74.01")],
)
def test_a_social_service_office_must_serve_a_region_of_its_level(province_staff, kind, code):
    with pytest.raises(ValidationError) as refused:
        services.agency_create(actor=province_staff, name="Dinsos", kind=kind, region=RegionFactory(code=code))

    assert set(_field_errors(refused)) == {"region"}


def test_two_agencies_of_one_name_cannot_serve_one_region(province_staff):
    region = RegionFactory(code="33.74")
    services.agency_create(actor=province_staff, name="Lentera Asa", kind=K.NGO, region=region)

    with pytest.raises(ValidationError) as refused:
        services.agency_create(actor=province_staff, name="Lentera Asa", kind=K.NGO, region=region)

    assert _field_errors(refused) == {"name": ["An agency with this name already serves this region."]}


def test_moving_an_agency_out_of_the_province_is_refused_and_rolled_back(province_staff):
    ngo = AgencyFactory(kind=K.NGO, region=RegionFactory(code="33.74"))

    with pytest.raises(PermissionDenied):
        services.agency_update(actor=province_staff, agency=ngo, region=RegionFactory(code="35.10"))

    ngo.refresh_from_db()
    assert ngo.region_id == "33.74"
    assert not AuditEvent.objects.filter(action="agencies.agency.updated").exists()


def test_an_agency_cannot_become_its_own_ancestor(province_staff):
    parent = AgencyFactory(region=RegionFactory(code="33.74"))
    child = AgencyFactory(region=RegionFactory(code="33.03"), parent=parent)

    with pytest.raises(ValidationError) as refused:
        services.agency_update(actor=province_staff, agency=parent, parent=child)

    assert set(_field_errors(refused)) == {"parent"}


def test_deactivating_records_only_what_changed(province_staff):
    ngo = AgencyFactory(kind=K.NGO, region=RegionFactory(code="33.74"))

    services.agency_update(actor=province_staff, agency=ngo, active=False, name=ngo.name)

    event = AuditEvent.objects.get(action="agencies.agency.updated")
    assert event.data == {"changed": {"active": [True, False]}}


def test_an_update_that_changes_nothing_writes_nothing(province_staff):
    ngo = AgencyFactory(kind=K.NGO, region=RegionFactory(code="33.74"))

    services.agency_update(actor=province_staff, agency=ngo, name=ngo.name)

    assert not AuditEvent.objects.exists()


def test_province_staff_cannot_edit_an_agency_of_another_province(province_staff):
    elsewhere = AgencyFactory(region=RegionFactory(code="35.10"))

    with pytest.raises(PermissionDenied):
        services.agency_update(actor=province_staff, agency=elsewhere, name="Renamed")


# Memberships


def test_adding_a_person_by_email_creates_their_account_without_a_password(province_staff, jateng):
    membership = services.membership_create(
        actor=province_staff, agency=jateng, role=Role.AUDITOR, email="Siti@Example.test", first_name="Siti"
    )

    user = membership.user
    assert (user.username, user.email, user.first_name) == ("siti@example.test", "siti@example.test", "Siti")
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(action="agencies.membership.created")
    assert event.data == {"user": user.pk, "role": "auditor"}


def test_adding_a_known_email_reuses_the_account(province_staff, jateng):
    known = UserFactory(email="budi@example.test")

    membership = services.membership_create(
        actor=province_staff, agency=jateng, role=Role.AUDITOR, email="BUDI@example.test"
    )

    assert membership.user == known
    assert User.objects.filter(email__iexact="budi@example.test").count() == 1


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.NGO_CASEWORKER, K.SOCIAL_SERVICE_DISTRICT),
        (Role.DISTRICT_STAFF, K.NGO),
        (Role.PARTNER_TRAINER, K.SOCIAL_SERVICE_DISTRICT),
        (Role.PROVINCE_STAFF, K.SOCIAL_SERVICE_DISTRICT),
        (Role.FINANCE_APPROVER, K.POLICE),
        (Role.LEADERSHIP_VIEWER, K.NGO),
    ],
)
def test_a_role_that_does_not_fit_the_agency_kind_is_refused(province_staff, role, kind):
    agency = AgencyFactory(kind=kind, region=RegionFactory(code="33.74"))

    with pytest.raises(ValidationError) as refused:
        services.membership_create(actor=province_staff, agency=agency, role=role, email="x@example.test")

    assert set(_field_errors(refused)) == {"role"}
    assert not Membership.objects.filter(agency=agency).exists()
    assert not User.objects.filter(email="x@example.test").exists()


def test_a_second_active_membership_of_one_agency_is_refused(province_staff, jateng):
    services.membership_create(actor=province_staff, agency=jateng, role=Role.AUDITOR, email="a@example.test")

    with pytest.raises(ValidationError) as refused:
        services.membership_create(
            actor=province_staff, agency=jateng, role=Role.FINANCE_APPROVER, email="a@example.test"
        )

    assert _field_errors(refused) == {"user": ["This person already has an active membership of this agency."]}
    assert Membership.objects.filter(user__email="a@example.test").count() == 1


def test_an_ended_membership_makes_room_for_a_new_one(province_staff, jateng):
    first = services.membership_create(actor=province_staff, agency=jateng, role=Role.AUDITOR, email="a@example.test")
    services.membership_update(actor=province_staff, membership=first, active=False)

    again = services.membership_create(
        actor=province_staff, agency=jateng, role=Role.FINANCE_APPROVER, email="a@example.test"
    )

    assert again.active and again.user == first.user


def test_a_membership_needs_an_email_when_no_account_is_given(province_staff, jateng):
    with pytest.raises(ValidationError) as refused:
        services.membership_create(actor=province_staff, agency=jateng, role=Role.AUDITOR, email="  ")

    assert set(_field_errors(refused)) == {"email"}


def test_province_staff_cannot_add_people_to_agencies_of_another_province(province_staff):
    elsewhere = AgencyFactory(region=RegionFactory(code="35.10"))

    with pytest.raises(PermissionDenied):
        services.membership_create(
            actor=province_staff, agency=elsewhere, role=Role.DISTRICT_STAFF, email="z@example.test"
        )

    assert not User.objects.filter(email="z@example.test").exists()


def test_district_staff_see_their_colleagues_but_cannot_change_them(member):
    district_staff = member(Role.DISTRICT_STAFF)
    colleague = MembershipFactory(agency=district_staff.memberships.get().agency)

    with pytest.raises(PermissionDenied):
        services.membership_update(actor=district_staff, membership=colleague, role=Role.FINANCE_APPROVER)


# API clients


def test_an_issued_token_authenticates_and_is_stored_only_as_a_hash(province_staff, jateng):
    client, token = services.api_client_create(
        actor=province_staff, agency=jateng, name="Dashboard", scope=ApiClient.Scope.READ
    )

    assert token.startswith(f"rhb_{client.key_id}_")
    assert token not in str(ApiClient.objects.filter(pk=client.pk).values().get())
    assert services.api_client_authenticate(token=token) == client
    assert services.api_client_authenticate(token=token + "x") is None
    assert services.api_client_authenticate(token="") is None


def test_authenticating_notes_when_a_client_was_last_used(province_staff, jateng):
    client, token = services.api_client_create(
        actor=province_staff, agency=jateng, name="Dashboard", scope=ApiClient.Scope.READ
    )

    services.api_client_authenticate(token=token)

    client.refresh_from_db()
    assert client.last_used_at is not None


def test_rotating_a_token_stops_the_old_one_at_once(province_staff, jateng):
    client, old = services.api_client_create(
        actor=province_staff, agency=jateng, name="Dashboard", scope=ApiClient.Scope.READ
    )

    client, new = services.api_client_rotate(actor=province_staff, client=client)

    assert services.api_client_authenticate(token=old) is None
    assert services.api_client_authenticate(token=new) == client
    assert AuditEvent.objects.filter(action="agencies.api_client.rotated").count() == 1


def test_a_revoked_client_no_longer_authenticates_and_cannot_be_rotated(province_staff, jateng):
    client, token = services.api_client_create(
        actor=province_staff, agency=jateng, name="Dashboard", scope=ApiClient.Scope.READ
    )

    services.api_client_revoke(actor=province_staff, client=client)
    services.api_client_revoke(actor=province_staff, client=client)

    assert services.api_client_authenticate(token=token) is None
    assert AuditEvent.objects.filter(action="agencies.api_client.revoked").count() == 1
    with pytest.raises(ValidationError):
        services.api_client_rotate(actor=province_staff, client=client)


def test_a_client_of_a_deactivated_agency_no_longer_authenticates(province_staff):
    ngo = services.agency_create(
        actor=province_staff, name="Lentera Asa", kind=K.NGO, region=RegionFactory(code="33.74")
    )
    _, token = services.api_client_create(
        actor=province_staff, agency=ngo, name="App", scope=ApiClient.Scope.READ_WRITE
    )

    services.agency_update(actor=province_staff, agency=ngo, active=False)

    assert services.api_client_authenticate(token=token) is None


def test_a_read_only_client_may_see_but_never_change(db):
    jateng = AgencyFactory(province_office=True)
    client = ApiClientFactory(agency=jateng, scope=ApiClient.Scope.READ)
    other = ApiClientFactory(agency=jateng)

    assert access.visible_to(client, ApiClient).filter(pk=other.pk).exists()
    with pytest.raises(PermissionDenied):
        services.api_client_revoke(actor=client, client=other)


def test_an_ngo_caseworker_cannot_revoke_their_agency_token(member):
    caseworker = member(Role.NGO_CASEWORKER)
    client = ApiClientFactory(agency=caseworker.memberships.get().agency)

    with pytest.raises(PermissionDenied):
        services.api_client_revoke(actor=caseworker, client=client)


def test_outsiders_get_not_found_for_another_agency_client(member):
    client = ApiClientFactory()

    with pytest.raises(Http404):
        services.api_client_revoke(actor=member(Role.DISTRICT_STAFF), client=client)


# The audit trail


@pytest.mark.postgres
def test_postgres_refuses_to_update_or_delete_audit_events(province_staff, jateng):
    services.agency_update(actor=province_staff, agency=jateng, contact_email="dinsos@jatengprov.go.id")
    event = AuditEvent.objects.get()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.get().action == "agencies.agency.updated"
