"""Every link on a funding page, followed as a browser follows it, opens a page for the person who was shown it:
no link to a record they may not see, such as a person's account, a case outside their scope or, for an NGO, the
budget a benefit is paid from (issue 12 §1)."""

from urllib.parse import urljoin, urlparse

import pytest

from agencies.models import Role
from tests.agencies.factories import AgencyFactory
from tests.funding.factories import request_payment
from tests.funding.pages import funding_pages, links, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def ngo_caseworker_with_a_payment(ngo_caseworker, lentera, allowance_for, staff):
    """Lentera's caseworker, once Lentera registered a Semarang case with a payment requested."""
    request_payment(staff, allowance_for(registered_by=lentera))
    return ngo_caseworker


@pytest.fixture
def leadership(member):
    return member(Role.LEADERSHIP_VIEWER, agency=AgencyFactory(ministry=True))


@pytest.mark.parametrize("viewer", ["staff", "approver", "ngo_caseworker_with_a_payment", "leadership"])
def test_every_link_on_a_funding_page_opens(request, client, every_kind_of_money, viewer):
    client.force_login(request.getfixturevalue(viewer))

    broken, seen = [], set()
    for url in funding_pages(every_kind_of_money):
        page = client.get(url, follow=True).content.decode()
        for href in links(page, after='id="content"'):
            target = urljoin(f"http://testserver{url}", href)
            if target in seen or urlparse(target).path.startswith("/static/"):
                continue
            seen.add(target)
            response = client.get(target)
            if response.status_code != 200:
                broken.append((url, href, response.status_code))

    assert broken == [], "\n".join(map(str, broken))


def test_leadership_reads_the_ledger_of_a_budget_without_the_cases_it_paid(client, leadership, every_kind_of_money):
    client.force_login(leadership)
    allocation = every_kind_of_money["paid"].installment.entitlement.allocation
    case_number = every_kind_of_money["paid"].installment.entitlement.case.number

    budget = visible_text(client.get(f"/admin/funding/allocation/{allocation.pk}/change/").content.decode())
    ledger = visible_text(client.get("/admin/funding/ledgerentry/").content.decode())

    assert "Rp600.000" in budget and "Rp600.000" in ledger
    assert case_number not in budget and case_number not in ledger
