"""Property-based contract test of the partner API (Schemathesis): for generated requests to every operation, with
the tokens of an NGO, a partner (the police) and the ministry, the API never answers 500 and every answer conforms to
its OpenAPI schema: a documented status, its content type, its body's schema and its documented headers (issue 13
§11)."""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies import services as agency_services
from agencies.models import Agency, ApiClient, Role
from cases import intake
from cases.models import TargetGroup
from config.wsgi import application
from programs import services as program_services
from programs.models import Program
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory, UserFactory
from tests.api.helpers import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(autouse=True)
def same_connection():
    # The WSGI app runs in this thread on the test's connection: keep Django from closing it between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    """An NGO with a case and an open batch in Banyuwangi, a police agency delivering a session of it, and the
    ministry: a token for each, by the agency's kind."""
    region = RegionFactory(code="35.10")
    office = AgencyFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=region)
    ngo = AgencyFactory(name="Bina Sehat", kind=Agency.Kind.NGO, region=region)
    police = AgencyFactory(name="Polres Banyuwangi", kind=Agency.Kind.POLICE, region=region)
    ministry = AgencyFactory(name="Kementerian Sosial", ministry=True)
    root = UserFactory(username="root", is_superuser=True)
    worker = MembershipFactory(role=Role.NGO_CASEWORKER, agency=ngo).user
    staff = MembershipFactory(role=Role.DISTRICT_STAFF, agency=office).user
    intake.case_register(
        actor=worker, full_name="Ani", sex="F", target_group=TargetGroup.objects.get(code=10), owner=office
    )
    program = program_services.program_create(
        actor=staff, name="Gelombang II", kind=Program.Kind.SKILLS_TRAINING, region=region, fiscal_year=2026
    )
    start = datetime.date.today() + datetime.timedelta(days=10)
    batch = program_services.batch_create(
        actor=staff, program=program, number=1, starts_on=start, ends_on=start + datetime.timedelta(days=4)
    )
    program_services.session_create(actor=staff, batch=batch, date=start, topic="sewing", delivering_agency=police)
    issued = {}
    for agency in (ngo, police, ministry):
        _client, issued[agency.kind] = agency_services.api_client_create(
            actor=root, agency=agency, name="App", scope=ApiClient.Scope.READ_WRITE
        )
    return issued


schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
EXAMPLES = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@EXAMPLES
def test_the_api_keeps_its_contract_with_an_ngo_token(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[Agency.Kind.NGO]}"}, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_the_api_keeps_its_contract_with_a_partner_token(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[Agency.Kind.POLICE]}"}, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_the_api_keeps_its_contract_with_a_ministry_token(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[Agency.Kind.MINISTRY]}"}, checks=CHECKS)


@pytest.mark.parametrize("kind", [Agency.Kind.NGO, Agency.Kind.POLICE, Agency.Kind.MINISTRY])
def test_each_token_of_the_contract_runs_is_accepted(tokens, kind):
    # Otherwise every generated request would be a conforming 401, and the runs above would prove nothing.
    response = bearer(tokens[kind]).get("/api/v1/cases/")

    assert response.status_code == 200
