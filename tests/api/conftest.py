"""The cast of the partner API suites: an APIClient, real tokens issued by agencies.services, and one small world.

The world is Kota Semarang's office with the NGO Lentera working in it, Purbalingga's office next door (the
"other district"), a police station and a health office delivering or receiving work, and the ministry.
"""

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from agencies import services as agency_services
from agencies.models import Agency, ApiClient, Role
from cases.models import Case, Consent, Referral, Site
from funding import services as funding_services
from programs import services as program_services
from programs.models import Batch, Enrollment, FollowUp, Program, Session
from tests.agencies.factories import AgencyFactory, RegionFactory, UserFactory
from tests.cases.factories import (
    CaseFactory,
    ConsentFactory,
    DistrictOfficeFactory,
    NgoFactory,
    ReferralFactory,
)
from tests.conftest import APIClient
from tests.funding.factories import AllocationFactory, BenefitFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

from .helpers import bearer


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    # The throttle counts live in the cache; no suite may inherit another's requests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def superuser(db):
    """The set-up superuser who issues API clients (as province staff would in the admin)."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def issue_token(superuser):
    """Issue a real token through agencies.services.api_client_create; returns (client, token)."""

    def issue(agency: Agency, scope: str = ApiClient.Scope.READ_WRITE, name: str | None = None):
        count = ApiClient.objects.filter(agency=agency).count()
        return agency_services.api_client_create(
            actor=superuser, agency=agency, name=name or f"Field app {count + 1}", scope=scope
        )

    return issue


@pytest.fixture
def as_token(issue_token):
    """An APIClient calling with a new token of `agency` (read-write unless told)."""

    def make(agency: Agency, scope: str = ApiClient.Scope.READ_WRITE) -> APIClient:
        _client, token = issue_token(agency, scope)
        return bearer(token)

    return make


@pytest.fixture
def as_user(member):
    """An APIClient signed in (session auth, as in the browsable API) as a new member holding `role` in `agency`."""

    def make(role: str, agency: Agency) -> APIClient:
        client = APIClient()
        client.force_login(member(role, agency=agency))
        return client

    return make


@dataclass
class World:
    semarang: Agency
    purbalingga: Agency
    lentera: Agency
    polres: Agency
    dinkes: Agency
    kemensos: Agency
    staff: object  # district staff of Semarang
    site: Site
    own_case: Case  # owned by Semarang, registered by Lentera: Lentera's to work on
    other_case: Case  # owned and registered by Purbalingga: nobody of Semarang's sees it
    referred_in: Referral  # Semarang → Lentera, pending
    referred_accepted: Referral  # Semarang → Lentera, accepted (consent held)
    program: Program
    open_batch: Batch  # Semarang's, starting in two weeks, taking enrollments
    running_batch: Batch  # Semarang's, ran last week; the police delivered its session
    past_session: Session
    enrollment: Enrollment  # own_case in the running batch
    follow_up: FollowUp
    other_enrollment: Enrollment  # the other district's case in the other district's batch
    other_follow_up: FollowUp
    entitlement: object
    disbursement: object


@pytest.fixture
def world(db, member) -> World:
    semarang = DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")
    purbalingga = DistrictOfficeFactory(name="Dinas Sosial Kabupaten Purbalingga", region=RegionFactory(code="33.03"))
    lentera = NgoFactory(name="Yayasan Lentera Semarang")
    polres = AgencyFactory(name="Polrestabes Semarang", kind=Agency.Kind.POLICE, region=RegionFactory(code="33.74"))
    dinkes = AgencyFactory(name="Dinas Kesehatan Kota Semarang", kind=Agency.Kind.HEALTH, region=polres.region)
    kemensos = AgencyFactory(name="Kementerian Sosial", ministry=True)
    staff = member(Role.DISTRICT_STAFF, agency=semarang)
    site = Site.objects.create(name="Argorejo (Sunan Kuning)", kind=Site.Kind.RESOSIALISASI, region=lentera.region)

    own_case = CaseFactory(owner=semarang, registered_by=lentera, stage=Case.Stage.PLANNED, site=site)
    ConsentFactory(person=own_case.person, agency=dinkes)  # Lentera may refer it to the health office
    other_case = CaseFactory(owner=purbalingga, registered_by=purbalingga, number="33.03-2026-99999")
    other_program = ProgramFactory(organizer=purbalingga)

    semarang_case = CaseFactory(owner=semarang, registered_by=semarang)
    ConsentFactory(person=semarang_case.person, agency=lentera)
    referred_in = ReferralFactory(case=semarang_case, from_agency=semarang, to_agency=lentera)
    accepted_case = CaseFactory(owner=semarang, registered_by=semarang)
    ConsentFactory(person=accepted_case.person, agency=lentera, purpose=Consent.Purpose.SHARING)
    referred_accepted = ReferralFactory(
        case=accepted_case, from_agency=semarang, to_agency=lentera, status=Referral.Status.ACCEPTED
    )

    program = ProgramFactory(organizer=semarang, name="Pelatihan alih profesi Semarang")
    open_batch = BatchFactory(program=program, number=2)
    running_batch = BatchFactory(program=program, number=1, starts_on=days_from_today(-10))
    past_session = SessionFactory(batch=running_batch, date=running_batch.starts_on, delivering_agency=polres)
    SessionFactory(batch=open_batch, delivering_agency=dinkes)
    enrollment = program_services.enrollment_create(actor=staff, batch=running_batch, case=own_case)
    program_services.batch_set_status(actor=staff, batch=running_batch, status=Batch.Status.RUNNING)
    own_case.refresh_from_db()
    follow_up = FollowUp.objects.create(
        case=own_case, enrollment=enrollment, offset_days=30, due_on=days_from_today(20)
    )
    other_batch = BatchFactory(program=other_program, starts_on=days_from_today(-10), status=Batch.Status.RUNNING)
    other_enrollment = Enrollment.objects.create(
        batch=other_batch,
        case=other_case,
        status=Enrollment.Status.ENROLLED,
        starts_on=other_batch.starts_on,
        ends_on=other_batch.ends_on,
    )
    other_follow_up = FollowUp.objects.create(
        case=other_case, enrollment=other_enrollment, offset_days=30, due_on=days_from_today(20)
    )

    benefit = BenefitFactory(
        program=program, allocation=AllocationFactory(source__agency=semarang, program=program, district=semarang)
    )
    entitlement = funding_services.entitlement_create(actor=staff, case=own_case, benefit=benefit)
    disbursement = funding_services.disbursement_request(actor=staff, installment=entitlement.installments.get())

    return World(
        semarang=semarang,
        purbalingga=purbalingga,
        lentera=lentera,
        polres=polres,
        dinkes=dinkes,
        kemensos=kemensos,
        staff=staff,
        site=site,
        own_case=own_case,
        other_case=other_case,
        referred_in=referred_in,
        referred_accepted=referred_accepted,
        program=program,
        open_batch=open_batch,
        running_batch=running_batch,
        past_session=past_session,
        enrollment=enrollment,
        follow_up=follow_up,
        other_enrollment=other_enrollment,
        other_follow_up=other_follow_up,
        entitlement=entitlement,
        disbursement=disbursement,
    )


@pytest.fixture
def lentera_api(world, as_token) -> APIClient:
    """Lentera's field app, read-write."""
    return as_token(world.lentera)


@pytest.fixture
def staff_api(world) -> APIClient:
    """Semarang's district staff, signed in (session auth)."""
    client = APIClient()
    client.force_login(world.staff)
    return client
