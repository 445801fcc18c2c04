"""What the retention job removes from the money rows about a pseudonymized case (agencies.retention): free text and
the bank reference (it finds her account at the bank). Amounts, statuses and dates stay: the money figures and the
ledger (append-only) need them."""

from django.utils.translation import gettext_lazy as _

from agencies.retention import register_scrub

from .models import Disbursement, Entitlement, Installment

register_scrub(Entitlement, case="case", kept=_("benefit, allocation, amounts, status"))
register_scrub(Installment, case="entitlement__case", kept=_("amounts and due dates"))
register_scrub(
    Disbursement,
    case="installment__entitlement__case",
    replaced=("reject_reason", "reversed_reason", "reference"),
    kept=_("amount, status, method, dates"),
)
