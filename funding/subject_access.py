"""What funding adds to a subject-access bundle (cases/subject_access.py): her entitlements and every payment's
steps, in Rupiah."""

from django.utils.translation import gettext as _
from lokal import format_rupiah

from cases import subject_access
from cases.subject_access import Subject

from .models import Disbursement, Entitlement


@subject_access.source
def money_rows(s: Subject):
    yield s.section(
        "entitlements",
        _("Entitlements"),
        Entitlement.objects.filter(case_id__in=s.case_ids).select_related("case", "benefit").order_by("created_at"),
        [
            (_("Granted at"), lambda r: s.when(r.created_at)),
            (_("Case number"), lambda r: r.case.number),
            (_("Benefit"), lambda r: r.benefit),
            (_("Total"), lambda r: format_rupiah(r.total)),
            (_("Status"), lambda r: r.get_status_display()),
        ],
    )
    payments = s.section(
        "disbursements",
        _("Payments"),
        Disbursement.objects.filter(installment__entitlement__case_id__in=s.case_ids)
        .select_related("installment__entitlement__benefit", "requested_by", "decided_by", "paid_by")
        .order_by("requested_at", "pk"),
        [
            (_("Requested at"), lambda r: s.when(r.requested_at)),
            (_("Benefit"), lambda r: r.installment.entitlement.benefit),
            (_("Installment"), lambda r: r.installment.number),
            (_("Amount"), lambda r: format_rupiah(r.amount)),
            (_("Status"), lambda r: r.get_status_display()),
            (_("Decided at"), lambda r: s.when(r.decided_at) if r.decided_at else ""),
            (_("Paid on"), lambda r: s.when(r.paid_on) if r.paid_on else ""),
            (_("Payment method"), lambda r: r.get_method_display()),
            (_("Reason for rejecting or reversing"), lambda r: r.reject_reason or r.reversed_reason),
        ],
    )
    payments.free_text = (8,)
    yield payments
