"""What funding adds to a case's file (cases/timeline.py): each entitlement and each payment's request, decision,
payment and reversal, in Rupiah. Read through the access rule, which hides money from whoever may not see it."""

from django.utils.translation import gettext
from lokal import format_rupiah

from agencies import access
from cases import timeline
from cases.timeline import Entry

from .models import Disbursement, Entitlement


def _name(user) -> str:
    return timeline.by(user.first_name, user.last_name, user.username) if user else ""


@timeline.source
def entitlements(actor, case):
    for entitlement in (
        access.visible_to(actor, Entitlement).filter(case_id=case.pk).select_related("benefit").order_by("pk")
    ):
        title = gettext("Entitled to %(benefit)s: %(total)s") % {
            "benefit": entitlement.benefit,
            "total": format_rupiah(entitlement.total),
        }
        detail = "" if entitlement.status == Entitlement.Status.ACTIVE else entitlement.get_status_display()
        yield Entry(entitlement.created_at, "money", title, detail)


@timeline.source
def payments(actor, case):
    rows = (
        access.visible_to(actor, Disbursement)
        .filter(installment__entitlement__case_id=case.pk)
        .select_related("installment__entitlement__benefit", "requested_by", "decided_by", "paid_by")
        .order_by("pk")
    )
    for payment in rows:
        installment = payment.installment
        what = {
            "amount": format_rupiah(payment.amount),
            "benefit": installment.entitlement.benefit,
            "number": installment.number,
        }
        yield Entry(
            payment.requested_at,
            "money",
            gettext("Payment of %(amount)s requested (%(benefit)s, installment %(number)d)") % what,
            "",
            _name(payment.requested_by),
        )
        if payment.decided_at and payment.status == Disbursement.Status.REJECTED:
            title = gettext("Payment of %(amount)s rejected") % what
            yield Entry(payment.decided_at, "money", title, payment.reject_reason, _name(payment.decided_by))
        elif payment.decided_at:
            yield Entry(
                payment.decided_at,
                "money",
                gettext("Payment of %(amount)s approved") % what,
                "",
                _name(payment.decided_by),
            )
        if payment.paid_on:
            detail = payment.get_method_display() if payment.method else ""
            yield Entry(payment.paid_on, "money", gettext("Paid: %(amount)s") % what, detail, _name(payment.paid_by))
        if payment.status == Disbursement.Status.REVERSED:
            title = gettext("Payment of %(amount)s reversed") % what
            yield Entry(payment.updated_at, "money", title, payment.reversed_reason)
