"""The money work on the admin home (agencies.work): the disbursements waiting for a finance approver, with their
total in Rupiah and the oldest first, counted by their one definition in funding.due, through agencies.access."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Role
from agencies.work import Line, WorkContext, work_source

from . import due

APPROVALS = _("Approvals")


def oldest_first() -> str:
    """The list's ordering parameter for "requested at, oldest first" (its column's place in the list)."""
    from .admin import DisbursementAdmin  # read when a page is drawn, once the admin is registered

    return str(DisbursementAdmin.list_display.index("requested_at") + 1)


@work_source(order=30)
def approvals(actor, context: WorkContext):
    if not context.holds(Role.FINANCE_APPROVER):
        return
    url = reverse("admin:funding_disbursement_changelist")
    yield Line(
        section=APPROVALS,
        label=_("Disbursements waiting for my approval"),
        url=f"{url}?{urlencode({'waiting': 'me', 'o': oldest_first()})}",
        rows=due.approvals_waiting(actor),
        total_of="amount",
        oldest_of="requested_at",
        always=True,
    )
