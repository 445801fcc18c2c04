"""A page shows a save button only where something is saved: rows that change only through actions and buttons
(referrals, consents, follow-ups, entitlements, installments, disbursements, …) have none, and a POST to such a
page anyway is answered, never a server error. Walks every admin of our apps, so a new page is covered."""

import pytest
from django.contrib import admin
from django.utils import timezone

from agencies import figures_refresh, snapshots
from agencies.models import Export, Figure, MonthlySnapshot, Role
from agencies.scoped_admin import ScopedModelAdmin
from cases import retention
from cases.models import Referral
from funding import services as funding_services
from programs import services as program_services
from programs.models import Outcome
from tests.agencies.factories import MembershipFactory, NotificationFactory, UserFactory
from tests.cases.factories import (
    CaseFactory,
    ConsentFactory,
    CorrectionRequestFactory,
    DistrictOfficeFactory,
    LegalHoldFactory,
    PossibleDuplicateFactory,
    ReferralFactory,
    RestrictionFactory,
)
from tests.funding.factories import AllocationFactory, BenefitFactory, EntitlementFactory, FundingSourceFactory
from tests.programs.factories import FollowUpFactory, ProgramFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {"agencies", "cases", "programs", "funding"}
SAVE_BUTTONS = ['name="_save"', 'name="_continue"', 'name="_addanother"', 'name="_saveasnew"']

WITHOUT_SAVE = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
        # An export is read by the person who asked for it alone, set-up superusers included
        # (tests/agencies/test_exports.py); it has no page of anybody else's to check here. A figure has no page
        # of its own (the dashboard stands in its list's place), and an approved month has its own page, with no
        # form at all (tests/agencies/test_dashboard.py, test_snapshots.py).
        and model not in (Export, Figure, MonthlySnapshot)
        and isinstance(model_admin, ScopedModelAdmin)
        and type(model_admin).save_with_service is ScopedModelAdmin.save_with_service  # no save service of its own
    ),
    key=lambda pair: pair[0]._meta.label,
)


@pytest.fixture
def one_of_each():
    """A row of every model the factories make, and of what making them leaves behind (installments, ledger
    rows, audit events): each through the factories and services the other suites use."""
    semarang = DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")
    staff = MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user
    case = CaseFactory(owner=semarang)
    ConsentFactory(person=case.person)
    ReferralFactory(case=case, status=Referral.Status.PENDING)
    PossibleDuplicateFactory(person=CaseFactory(owner=semarang).person)
    follow_up = FollowUpFactory(case=CaseFactory(owner=semarang))
    program_services.follow_up_record(
        actor=staff, follow_up=follow_up, recorded_on=timezone.localdate(), site_status=Outcome.SiteStatus.LEFT_SITE
    )
    NotificationFactory(recipient=staff, agency=semarang)
    program = ProgramFactory(organizer=semarang)
    allocation = AllocationFactory(source=FundingSourceFactory(agency=semarang), program=program)
    benefit = BenefitFactory(program=program, allocation=allocation, living_allowance=True)
    entitlement = EntitlementFactory(actor=staff, case=case, benefit=benefit)
    funding_services.disbursement_request(actor=staff, installment=entitlement.installments.order_by("number")[0])
    # The figures of all that, and last month's approved by the office (issue 17's aggregate tables).
    figures_refresh.figures_refresh()
    region = semarang.region
    snapshots.monthly_snapshot_approve(actor=staff, district=region, month=snapshots.recent_months(region.time_zone)[0])
    # A legal hold on a case, and a run of the retention job (issue 18 item 9).
    LegalHoldFactory(case=case)
    retention.retention_run()
    # A correction request waiting for the officer, and a restriction in force (issue 18 item 8).
    CorrectionRequestFactory(case=CaseFactory(owner=semarang))
    RestrictionFactory(case=CaseFactory(owner=semarang))


@pytest.fixture
def setup_user(client):
    """The set-up superuser sees and may change every row, so every page shows what it can at its fullest."""
    client.force_login(UserFactory(is_superuser=True))
    return client


def _row_or_skip(model):
    row = model._default_manager.order_by("pk").first()
    if row is None:
        pytest.skip(f"no factory in tests/*/factories.py makes a {model._meta.label} row (add one to cover its page)")
    return row


def _change_url(model, row) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{row.pk}/change/"


@pytest.mark.parametrize(("model", "model_admin"), WITHOUT_SAVE, ids=[m._meta.label for m, _ in WITHOUT_SAVE])
def test_a_page_whose_rows_change_through_actions_shows_no_save_button(setup_user, one_of_each, model, model_admin):
    row = _row_or_skip(model)

    response = setup_user.get(_change_url(model, row))

    assert response.status_code == 200
    page = response.content.decode()
    assert [button for button in SAVE_BUTTONS if button in page] == []


@pytest.mark.parametrize(("model", "model_admin"), WITHOUT_SAVE, ids=[m._meta.label for m, _ in WITHOUT_SAVE])
def test_posting_to_a_page_without_save_is_answered_not_an_error(setup_user, one_of_each, model, model_admin):
    row = _row_or_skip(model)
    url = _change_url(model, row)

    response = setup_user.post(url, {"_save": "Simpan"})

    assert response.status_code < 500
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == url


def test_pages_that_save_through_a_service_keep_their_save_button(setup_user, one_of_each):
    case = CaseFactory()

    page = setup_user.get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    assert 'name="_save"' in page


def test_the_walk_covers_the_pages_named_in_the_issue():
    walked = {model._meta.label for model, _ in WITHOUT_SAVE}

    assert {
        "cases.Referral",
        "cases.Consent",
        "cases.PossibleDuplicate",
        "programs.FollowUp",
        "funding.Entitlement",
        "funding.Installment",
        "funding.Disbursement",
    } <= walked
