"""What funding's services say when they refuse, one constant per refusal.

Tests and pages name a refusal instead of repeating its English; the Indonesian comes from the same msgid in
funding/locale. Lazy, so each is translated where it is shown; one with %(…)s placeholders is filled by the
service (`MORE_THAN_INSTALLMENT % {...}`), which translates it then.
"""

from django.utils.translation import gettext_lazy as _

NOT_WHOLE_RUPIAH = _("Enter a positive whole number of Rupiah (got %(value)s).")

# Budgets
MAY_NOT_MANAGE_BUDGETS = _("You may not manage budgets.")
FISCAL_YEAR_CLOSED = _("The fiscal year %(year)s of this allocation is closed.")
CEILING_BELOW_COMMITTED = _("%(committed)s is already committed; the ceiling cannot go below it.")

# Entitlements
MORE_THAN_LEFT = _("%(needed)s is more than the %(remaining)s left in %(allocation)s.")
ENTITLEMENTS_BY_OWNING_OFFICE = _("Entitlements are granted by the owning office's staff.")
ABOVE_BENEFIT_CAP = _("%(amount)s is above this benefit's cap of %(cap)s.")
ENTITLEMENT_ALREADY_CANCELLED = _("This entitlement is already cancelled.")
PENDING_DISBURSEMENTS = _("Decide its pending disbursements first.")

# Disbursements: requesting
KEY_USED_FOR_ANOTHER_INSTALLMENT = _("This key was already used for another installment.")
REQUESTS_BY_OWNING_OFFICE = _("Disbursements are requested by the owning office's staff.")
ENTITLEMENT_CANCELLED = _("This entitlement is cancelled.")
MORE_THAN_INSTALLMENT = _("%(amount)s is more than the installment's %(due)s.")

# Disbursements: approving and rejecting
ONLY_APPROVER_APPROVES = _("Only a finance approver may approve.")
REQUESTER_CANNOT_APPROVE = _("The requester cannot approve their own request.")
ONLY_REQUESTED_APPROVED = _("Only a requested disbursement can be approved (this one is %(status)s).")
ALREADY_APPROVED = _("It is already approved.")
ONLY_APPROVER_REJECTS = _("Only a finance approver may reject.")
REQUESTER_CANNOT_DECIDE = _("The requester cannot decide their own request.")
ONLY_REQUESTED_REJECTED = _("Only a requested disbursement can be rejected.")
REJECT_REASON_MISSING = _("Give the reason for rejecting.")

# Disbursements: paying and reversing
MAY_NOT_RECORD_PAYMENTS = _("You may not record payments.")
ONLY_APPROVED_PAID = _("Only an approved disbursement can be paid (this one is %(status)s).")
METHOD_MISSING = _("Choose how it was paid.")
REFERENCE_MISSING = _("Give the bank reference or the receipt number.")
PAID_ON_MISSING = _("Give the date of the payment.")
PAID_ON_IN_FUTURE = _("A payment cannot be dated in the future.")
PAYMENTS_PAST_COMMITTED = _("Payments would pass what is committed in %(allocation)s.")
ONLY_APPROVER_REVERSES = _("Only a finance approver may reverse a payment.")
ONLY_PAID_REVERSED = _("Only a paid disbursement can be reversed.")
REVERSE_REASON_MISSING = _("Give the reason for reversing.")
