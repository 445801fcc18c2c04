"""Who sees and changes budgets, entitlements and disbursements (DESIGN §5, issue 5).

Money rows about a case are seen by whoever sees the case (NGO caseworkers too, read-only), and by finance
approvers of the case's jurisdiction; they are changed by the owning office (requests, payments) and by the
finance approvers (decisions). Budgets hold no personal data, so leadership sees them; nobody else's.
"""

from django.db.models import Exists, OuterRef, Q

from agencies.models import Role
from agencies.rulebook import extend, jurisdiction, own_agency, register, register_following
from cases.models import Case
from programs.models import Program

from .models import Allocation, Benefit, Disbursement, Entitlement, FundingSource, Installment, LedgerEntry


def _holder_or_district(holder: str, district: str | None = None):
    def rule(grant) -> Q:
        condition = jurisdiction(holder)(grant)
        return condition | jurisdiction(district)(grant) if district else condition

    return rule


BUDGET_READERS = (Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.FINANCE_APPROVER, Role.AUDITOR, Role.LEADERSHIP_VIEWER)

register(
    FundingSource,
    see=dict.fromkeys(BUDGET_READERS, _holder_or_district("agency")),
    change={Role.PROVINCE_STAFF: jurisdiction("agency"), Role.DISTRICT_STAFF: own_agency("agency")},
)
register(
    Allocation,
    see={
        **dict.fromkeys(BUDGET_READERS, _holder_or_district("source__agency", "district")),
        Role.DISTRICT_STAFF: lambda g: (
            Q(source__agency=g.agency) | Q(district=g.agency) | Q(program__organizer=g.agency)
        ),
    },
    change={Role.PROVINCE_STAFF: jurisdiction("source__agency"), Role.DISTRICT_STAFF: own_agency("source__agency")},
)
register_following(LedgerEntry, Allocation, child_field="allocation", with_change=False)
register_following(Benefit, Program, child_field="program")

# Seen with the case; changed only by the owning office's staff (NGOs read their cases' money).
# Partner agencies may see a case referred to them, but never its money.
MONEY_ROLES = set(Role.values) - {Role.PARTNER_TRAINER, Role.LEADERSHIP_VIEWER}
register_following(Entitlement, Case, child_field="case", with_change=False, roles=MONEY_ROLES)
extend(
    Entitlement,
    see={Role.FINANCE_APPROVER: jurisdiction("case__owner")},
    change={Role.DISTRICT_STAFF: own_agency("case__owner")},
)
register_following(Installment, Entitlement, child_field="entitlement")
register_following(Disbursement, Installment, child_field="installment", with_change=False)
extend(
    Disbursement,
    change={
        Role.DISTRICT_STAFF: own_agency("installment__entitlement__case__owner"),
        Role.FINANCE_APPROVER: jurisdiction("installment__entitlement__case__owner"),
    },
)


def _cases_with_pending_money(grant) -> Q:
    # "Finance approver: cases of their jurisdiction with pending money" (DESIGN §5). A correlated EXISTS per case,
    # not `pk IN (every case with a request in the jurisdiction)`: under the OR of a finance approver's clauses
    # PostgreSQL hashes that whole set to decide one row, so each approval cost more as requests piled up (issue 15).
    pending = Disbursement.objects.filter(
        status=Disbursement.Status.REQUESTED, installment__entitlement__case=OuterRef("pk")
    )
    return jurisdiction("owner")(grant) & Q(Exists(pending))


extend(Case, see={Role.FINANCE_APPROVER: _cases_with_pending_money})
