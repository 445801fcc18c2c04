"""Every funding page, for the maker and the checker, reads in Indonesian: no stored codes (statuses, methods,
ledger kinds), no ISO dates, no English words of ours (issue 12 §11)."""

import re

import pytest

from funding.models import Benefit, Disbursement, Entitlement, FundingSource, LedgerEntry
from tests.funding.pages import funding_pages, visible_text

pytestmark = pytest.mark.django_db

CODES = {
    *Disbursement.Status.values,
    *Disbursement.Method.values,
    *LedgerEntry.Kind.values,
    *FundingSource.Kind.values,
    *Benefit.Kind.values,
    *Entitlement.Status.values,
} - {"program"}
ENGLISH = [
    "Approve", "Reject", "Receipt", "Print", "Back to", "Not requested", "payment", "month", "remaining",
    "realized", "ceiling", "committed", "Disbursement", "Installment", "Entitlement", "Allocation", "Ledger",
    "Funding", "Benefit", "Requested", "Approved", "Paid", "Reversed", "Rejected", "Cash", "Bank transfer",
    "Commitment", "Release", "Reversal", "Change", "Save", "Total", "reason", "amount", "None",
]  # fmt: skip
ISO_DATE = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")


def content_of(page: str) -> str:
    """The page's own part, its messages included: what the header and the menu say is not the funding pages'."""
    return visible_text(page[page.index('id="content-start"') :])


@pytest.mark.parametrize("viewer", ["staff", "approver"])
def test_every_funding_page_reads_in_indonesian(request, client, every_kind_of_money, viewer):
    client.force_login(request.getfixturevalue(viewer))

    problems = []
    for url in funding_pages(every_kind_of_money):
        response = client.get(url, follow=True)
        if response.status_code != 200:
            problems.append((url, response.status_code))
            continue
        text = content_of(response.content.decode())
        words = set(re.findall(r"[A-Za-z_]+", text))
        problems += [(url, code) for code in CODES if code in words]
        problems += [(url, english) for english in ENGLISH if re.search(rf"\b{english}\b", text)]
        problems += [(url, date.group()) for date in ISO_DATE.finditer(text)]
        problems += [(url, year) for year in re.findall(r"\b2\.0\d\d\b", text)]  # a year with a thousand separator

    assert problems == []
