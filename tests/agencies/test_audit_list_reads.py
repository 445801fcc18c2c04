"""Every list read is filed under an agency, so that the auditors of that agency's jurisdiction see it: a list spans
the reader's scope, so it is filed under the agency the reader acts for (agencies.audit). Before, the API's list
reads carried none, and an event without an agency is in no auditor's trail."""

import pytest

from agencies import audit
from agencies import services as agency_services
from agencies.models import ApiClient, AuditEvent, Role
from cases.models import Case
from tests.agencies.factories import ApiClientFactory, MembershipFactory, UserFactory
from tests.api.helpers import bearer
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _listed(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, target_id="").latest("created_at")


@pytest.mark.parametrize("prepared", [True, False])
@pytest.mark.parametrize("fast_path", [True, False])
def test_an_api_page_of_cases_is_filed_under_the_clients_agency(lentera, semarang, prepared, fast_path, settings):
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    settings.ACCESS_MEMO = fast_path
    CaseFactory(owner=semarang, registered_by=lentera)
    _client, token = agency_services.api_client_create(
        actor=UserFactory(is_superuser=True), agency=lentera, name="sheet sync", scope=ApiClient.Scope.READ
    )

    response = bearer(token).get("/api/v1/cases/")

    assert response.status_code == 200
    assert _listed("cases.case.read_by_api").agency == lentera


def test_a_list_read_without_a_named_agency_is_filed_under_the_readers_acting_agency(staff, semarang):
    audit.record_read(staff, "cases.case.read_by_api", Case, {"count": 3})
    audit.record(staff, "cases.case.listed", Case, {"count": 3})

    assert _listed("cases.case.read_by_api").agency == semarang
    assert _listed("cases.case.listed").agency == semarang


def test_a_named_agency_is_kept(staff, semarang, banyuwangi):
    audit.record_read(staff, "cases.case.read_by_api", CaseFactory(owner=banyuwangi), agency_id=banyuwangi.pk)

    assert AuditEvent.objects.get().agency == banyuwangi


def test_the_province_auditor_sees_an_ngos_api_list_reads(client, lentera, semarang, jateng):
    auditor = MembershipFactory(role=Role.AUDITOR, agency=jateng).user
    audit.record_read(ApiClientFactory(agency=lentera), "cases.case.read_by_api", Case, {"count": 50})
    client.force_login(auditor)

    trail = client.get("/admin/agencies/auditevent/", {"action": "cases.case.read_by_api"})

    assert [e.data for e in trail.context["cl"].result_list] == [{"count": 50}]


def test_a_regency_auditor_does_not_see_a_province_wide_list(client, province_staff, semarang):
    regency_auditor = MembershipFactory(role=Role.AUDITOR, agency=semarang).user
    audit.record(province_staff, "cases.case.listed", Case, {"count": 100})
    client.force_login(regency_auditor)

    trail = client.get("/admin/agencies/auditevent/", {"action": "cases.case.listed"})

    assert list(trail.context["cl"].result_list) == []
