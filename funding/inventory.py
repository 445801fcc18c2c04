"""The data inventory of assistance and its money (agencies.inventory, UU 27/2022): what a person is entitled to
and was paid is personal financial data (Article 4(2)(f)); budgets are not about people."""

from django.utils.translation import gettext_lazy as _

from agencies.inventory import LegalBasis, Specific, activity, not_personal, record, security_measure
from agencies.retention import RetentionClass as R

from .models import Allocation, Benefit, Disbursement, Entitlement, FundingSource, Installment, LedgerEntry

security_measure(
    "four_eyes",
    _("A payment is approved by a finance approver other than its requester; the ledger is append-only."),
)

ASSISTANCE = activity(
    "funding.assistance",
    name=_("Social assistance: entitlements and payments"),
    purpose=_(
        "Set the assistance each graduate is entitled to (business grant, living allowance, goods, repatriation "
        "transport), approve and pay it, and account for the budget."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    legal_note=_("Accountability for state and regional budgets (APBN, APBD)."),
    order=45,
    measures=("four_eyes",),
)
MONEY = (Specific.FINANCIAL,)

not_personal(FundingSource, "name", "kind", "agency", "fiscal_year", "created_at")
not_personal(
    Allocation,
    "source",
    "name",
    "fiscal_year",
    "program",
    "district",
    "ceiling",
    "committed",
    "paid",
    "closed",
    "created_at",
    "updated_at",
)
not_personal(
    Benefit, "program", "kind", "description", "amount", "installments", "quantity", "allocation", "created_at"
)
record(
    Entitlement,
    activity=ASSISTANCE,
    retention=R.CASE_RECORD,
    general=("case", "benefit", "allocation", "enrollment", "status", "created_at", "updated_at"),
    specific={"total": MONEY},
)
record(
    Installment,
    activity=ASSISTANCE,
    retention=R.CASE_RECORD,
    general=("entitlement", "number", "due_on"),
    specific={"amount": MONEY},
)
record(
    Disbursement,
    activity=ASSISTANCE,
    retention=R.CASE_RECORD,
    general=(
        "installment",
        "status",
        "requested_at",
        "decided_at",
        "method",
        "paid_on",
        "reversed_reason",
        "updated_at",
    ),
    specific={"amount": MONEY, "reference": MONEY, "reject_reason": MONEY},
    staff=("requested_by", "decided_by", "paid_by"),
    not_personal=("idempotency_key",),
)
record(
    LedgerEntry,
    activity=ASSISTANCE,
    retention=R.CASE_RECORD,
    general=("kind", "entitlement", "disbursement", "created_at"),
    specific={"committed_delta": MONEY, "paid_delta": MONEY},
    staff=("recorded_by",),
    not_personal=("allocation",),
)
