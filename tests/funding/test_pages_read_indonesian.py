"""Every funding page, for the maker and the checker, reads in Indonesian: no stored codes (statuses, methods,
ledger kinds), no ISO dates, no English words of ours (issue 12 §11)."""

import re

import pytest

from funding import services
from funding.models import Benefit, Disbursement, Entitlement, FundingSource, LedgerEntry
from tests.funding.factories import pay, request_payment
from tests.funding.pages import visible_text

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
    "Commitment", "Release", "Reversal", "Change", "Save", "Total", "reason", "amount",
]  # fmt: skip
ISO_DATE = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")


@pytest.fixture
def every_kind_of_money(staff, approver, allowance_for):
    """Disbursements in every status and ledger rows of every kind."""
    allowance = allowance_for()
    paid = pay(staff, approver, allowance, 1)
    reversed_ = pay(staff, approver, allowance, 2)
    services.disbursement_reverse(actor=approver, disbursement=reversed_, reason="Salah transfer")
    approved = services.disbursement_approve(actor=approver, disbursement=request_payment(staff, allowance, 3))
    other = allowance_for()
    rejected = services.disbursement_reject(
        actor=approver, disbursement=request_payment(staff, other, 1), reason="Rekening salah"
    )
    requested = request_payment(staff, other, 2)
    services.entitlement_cancel(actor=staff, entitlement=allowance_for())
    return {"paid": paid, "reversed": reversed_, "approved": approved, "rejected": rejected, "requested": requested}


def funding_pages(money) -> list[str]:
    some = money["paid"]
    entitlement = some.installment.entitlement
    allocation = entitlement.allocation
    pages = [
        "/admin/funding/",
        "/admin/funding/fundingsource/",
        f"/admin/funding/fundingsource/{allocation.source_id}/change/",
        "/admin/funding/allocation/",
        f"/admin/funding/allocation/{allocation.pk}/change/",
        "/admin/funding/allocation/realization/",
        *(f"/admin/funding/allocation/realization/?by={by}" for by in ["source", "program", "district", "month"]),
        "/admin/funding/benefit/",
        f"/admin/funding/benefit/{entitlement.benefit_id}/change/",
        "/admin/funding/entitlement/",
        f"/admin/funding/entitlement/{entitlement.pk}/change/",
        "/admin/funding/installment/",
        f"/admin/funding/installment/{some.installment_id}/change/",
        "/admin/funding/disbursement/",
        "/admin/funding/ledgerentry/",
        f"/admin/funding/disbursement/{some.pk}/receipt/",
        f"/admin/funding/disbursement/{money['approved'].pk}/pay/",
        f"/admin/funding/disbursement/{money['requested'].pk}/reject/",
        f"/admin/funding/disbursement/{money['requested'].pk}/approve/",
        f"/admin/funding/disbursement/{some.pk}/reverse/",
    ]
    pages += [f"/admin/funding/disbursement/{d.pk}/change/" for d in money.values()]
    pages += [f"/admin/funding/ledgerentry/{pk}/change/" for pk in LedgerEntry.objects.values_list("pk", flat=True)]
    return pages


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
