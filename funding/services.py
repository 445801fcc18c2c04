"""Every movement of money: one function, one transaction, one ledger row and one audit event.

Rows are locked through funding/locks.py, in the order it documents: Allocation, then Entitlement, then Disbursement.
An allocation's commitments never pass its ceiling and its payments never pass its commitments: checked on the
locked row, and refused by CHECK constraints should anything else try.
"""

import datetime
import numbers
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from lokal import format_rupiah

from agencies import access, audit
from agencies.fastpath import saves
from agencies.models import Agency, Role
from agencies.writes import acting_user, agency_acting_as, apply_changes, require_may_add, save_validated
from cases.models import Case
from programs import completion
from programs.models import Program

from . import locks, refusals, reminders
from .models import Allocation, Benefit, Disbursement, Entitlement, FundingSource, Installment, LedgerEntry


def whole_rupiah(value, field: str) -> int:
    """`value` as a positive whole number of Rupiah, or a ValidationError naming `field` and the value.

    Integers and integral Decimals only: a float is refused even when whole, since money never passes through one.
    """
    message = refusals.NOT_WHOLE_RUPIAH % {"value": value}
    if isinstance(value, bool | float) or not isinstance(value, numbers.Number):
        raise ValidationError({field: message})
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValidationError({field: message})
    if value != int(value) or value <= 0:
        raise ValidationError({field: message})
    return int(value)


def _rp(amount: int) -> str:
    return format_rupiah(amount)


def _require_open(allocation: Allocation) -> None:
    if allocation.closed or allocation.fiscal_year < timezone.localdate().year:
        raise ValidationError({"allocation": refusals.FISCAL_YEAR_CLOSED % {"year": allocation.fiscal_year}})


def _record(actor, allocation, kind, *, committed=0, paid=0, entitlement=None, disbursement=None) -> LedgerEntry:
    """Append to the ledger and move the allocation's cached totals with it (the caller holds the lock)."""
    entry = LedgerEntry.objects.create(
        allocation=allocation,
        kind=kind,
        committed_delta=committed,
        paid_delta=paid,
        entitlement=entitlement,
        disbursement=disbursement,
        recorded_by=acting_user(actor),
    )
    allocation.committed += committed
    allocation.paid += paid
    allocation.save(update_fields=["committed", "paid", "updated_at"])
    return entry


def _require_role(actor, obj, roles, message) -> None:
    if access.changing_grant(actor, obj, roles=roles) is None:
        raise PermissionDenied(message)


# Sources and allocations


def _budget_holder(actor) -> Agency:
    return agency_acting_as(actor, (Role.PROVINCE_STAFF, Role.DISTRICT_STAFF), refusals.MAY_NOT_MANAGE_BUDGETS)


@access.grants_read_once
@transaction.atomic
def funding_source_create(
    *, actor, name: str, kind: str, fiscal_year: int, agency: Agency | None = None
) -> FundingSource:
    """Record a budget held by the actor's office (or one in their jurisdiction)."""
    require_may_add(actor, FundingSource)
    source = FundingSource(name=name, kind=kind, fiscal_year=fiscal_year, agency=agency or _budget_holder(actor))
    save_validated(source)
    access.require_within_scope(actor, source)
    audit.record(actor, "funding.funding_source.created", source, {"kind": kind}, agency_id=source.agency_id)
    return source


@access.grants_read_once
@transaction.atomic
def allocation_create(
    *,
    actor,
    source: FundingSource,
    name: str,
    ceiling,
    program: Program | None = None,
    district: Agency | None = None,
    fiscal_year: int | None = None,
) -> Allocation:
    """Set aside a ceiling of a source for a program and/or a district office."""
    access.require_change(actor, source)
    allocation = Allocation(
        source=source,
        name=name,
        ceiling=whole_rupiah(ceiling, "ceiling"),
        program=program,
        district=district,
        fiscal_year=fiscal_year or source.fiscal_year,
    )
    _require_open(allocation)
    save_validated(allocation)
    access.require_within_scope(actor, allocation)
    audit.record(
        actor, "funding.allocation.created", allocation, {"ceiling": allocation.ceiling}, agency_id=source.agency_id
    )
    return allocation


@access.grants_read_once
@transaction.atomic
def allocation_update(*, actor, allocation: Allocation, **changes) -> Allocation:
    """Change an allocation's name or ceiling (never below what is committed), or close its fiscal year."""
    allocation = locks.allocation(allocation.pk)
    access.require_change(actor, allocation)
    if "ceiling" in changes:
        changes["ceiling"] = whole_rupiah(changes["ceiling"], "ceiling")
        if changes["ceiling"] < allocation.committed:
            raise ValidationError(
                {"ceiling": refusals.CEILING_BELOW_COMMITTED % {"committed": _rp(allocation.committed)}}
            )
    diff = apply_changes(allocation, changes, ("name", "ceiling", "closed"))
    if diff:
        save_validated(allocation, update_fields=[*diff, "updated_at"])
        audit.record(
            actor, "funding.allocation.updated", allocation, {"changed": diff}, agency_id=allocation.source.agency_id
        )
    return allocation


@access.grants_read_once
@transaction.atomic
def benefit_add(
    *,
    actor,
    program: Program,
    kind: str,
    amount,
    allocation: Allocation,
    installments: int = 1,
    quantity: int = 1,
    description: str = "",
) -> Benefit:
    """Add a line to a program's benefit package, paid from an allocation the actor can see."""
    access.require_change(actor, program)
    access.get_visible(actor, Allocation, pk=allocation.pk)
    benefit = Benefit(
        program=program,
        kind=kind,
        amount=whole_rupiah(amount, "amount"),
        allocation=allocation,
        installments=installments,
        quantity=quantity,
        description=description,
    )
    save_validated(benefit)
    audit.record(actor, "funding.benefit.added", benefit, {"total": benefit.total}, agency_id=program.organizer_id)
    return benefit


# Entitlements


def _entitle(actor, *, case: Case, benefit: Benefit, enrollment=None, total: int | None = None) -> Entitlement:
    allocation = locks.allocation(benefit.allocation_id)
    _require_open(allocation)
    total = benefit.total if total is None else total
    if allocation.committed + total > allocation.ceiling:
        raise ValidationError(
            {
                "amount": refusals.MORE_THAN_LEFT
                % {"needed": _rp(total), "remaining": _rp(allocation.remaining), "allocation": allocation}
            }
        )
    entitlement = Entitlement.objects.create(
        case=case, benefit=benefit, allocation=allocation, enrollment=enrollment, total=total
    )
    start = timezone.localdate()
    per_installment = total // benefit.installments
    Installment.objects.bulk_create(
        Installment(
            entitlement=entitlement,
            number=n + 1,
            # The last installment takes any remainder, so installments always add up to the total.
            amount=per_installment if n + 1 < benefit.installments else total - per_installment * n,
            due_on=start + relativedelta(months=n),
        )
        for n in range(benefit.installments)
    )
    _record(actor, allocation, LedgerEntry.Kind.COMMIT, committed=total, entitlement=entitlement)
    audit.record(actor, "funding.entitlement.created", entitlement, {"total": total}, agency_id=case.owner_id)
    return entitlement


@access.grants_read_once
@transaction.atomic
def entitlement_create(*, actor, case: Case, benefit: Benefit, amount=None) -> Entitlement:
    """Entitle a case to a benefit by hand (e.g. repatriation transport at its actual cost, up to the cap)."""
    _require_role(actor, case, (Role.DISTRICT_STAFF,), refusals.ENTITLEMENTS_BY_OWNING_OFFICE)
    total = None
    if amount is not None:
        total = whole_rupiah(amount, "amount")
        if total > benefit.total:
            raise ValidationError(
                {"amount": refusals.ABOVE_BENEFIT_CAP % {"amount": _rp(total), "cap": _rp(benefit.total)}}
            )
    return _entitle(actor, case=case, benefit=benefit, total=total)


@completion.on_completion
def entitle_completed(*, actor, batch, completed) -> None:
    """The program's benefit package for every completed enrollment, once: completion may be run again."""
    benefits = list(batch.program.benefits.all())
    if not benefits:
        return
    done = set(Entitlement.objects.filter(enrollment__in=completed).values_list("enrollment_id", "benefit_id"))
    for enrollment in completed:
        for benefit in benefits:
            if (enrollment.pk, benefit.pk) not in done:
                _entitle(actor, case=enrollment.case, benefit=benefit, enrollment=enrollment)


@access.grants_read_once
@transaction.atomic
def entitlement_cancel(*, actor, entitlement: Entitlement) -> Entitlement:
    """Cancel an entitlement: what was not paid is released back to the allocation."""
    allocation = locks.allocation(entitlement.allocation_id)
    entitlement = locks.entitlement(entitlement.pk)
    access.require_change(actor, entitlement)
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise ValidationError({"status": refusals.ENTITLEMENT_ALREADY_CANCELLED})
    pending = Disbursement.objects.filter(
        installment__entitlement=entitlement, status__in=[Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED]
    )
    if pending.exists():
        raise ValidationError({"status": refusals.PENDING_DISBURSEMENTS})
    paid = _paid_on(entitlement)
    entitlement.status = Entitlement.Status.CANCELLED
    entitlement.save(update_fields=["status", "updated_at"])
    if entitlement.total > paid:
        _record(
            actor, allocation, LedgerEntry.Kind.RELEASE, committed=-(entitlement.total - paid), entitlement=entitlement
        )
    audit.record(
        actor,
        "funding.entitlement.cancelled",
        entitlement,
        {"released": entitlement.total - paid},
        agency_id=entitlement.case.owner_id,
    )
    return entitlement


def _paid_on(entitlement: Entitlement) -> int:
    return (
        LedgerEntry.objects.filter(disbursement__installment__entitlement=entitlement).aggregate(
            paid=Sum("paid_delta")
        )["paid"]
        or 0
    )


# Disbursements


def disbursement_request(
    *, actor, installment: Installment, amount=None, idempotency_key: str | None = None
) -> Disbursement:
    """Ask for an installment to be paid. Asking twice (double click, retry) returns the same request."""
    disbursement, _requested = disbursement_get_or_request(
        actor=actor, installment=installment, amount=amount, idempotency_key=idempotency_key
    )
    return disbursement


@access.grants_read_once
@transaction.atomic
def disbursement_get_or_request(
    *, actor, installment: Installment, amount=None, idempotency_key: str | None = None
) -> tuple[Disbursement, bool]:
    """The installment's live disbursement, or a new request; and whether this call made the request.

    Telling the two apart lets a page count what it did: an installment already requested, approved or paid
    gets no second request.
    """
    # Read with what the request needs, and found visible before any answer about a key.
    found = saves.instances("funding.installment_to_request", _installment_to_request, pk=installment.pk)
    installment = found[0] if found else None
    if installment is None:
        raise Http404(access.NOT_FOUND)
    access.require_see(actor, installment)
    if idempotency_key:
        earlier = Disbursement.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.installment_id != installment.pk:
                raise ValidationError({"idempotency_key": refusals.KEY_USED_FOR_ANOTHER_INSTALLMENT})
            return earlier, False
    entitlement = installment.entitlement
    locks.allocation(entitlement.allocation_id)
    _require_role(actor, entitlement, (Role.DISTRICT_STAFF,), refusals.REQUESTS_BY_OWNING_OFFICE)
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise ValidationError({"installment": refusals.ENTITLEMENT_CANCELLED})
    live = locks.live_disbursement(installment)
    if live is not None:
        return live, False
    amount = installment.amount if amount is None else whole_rupiah(amount, "amount")
    if amount > installment.amount:
        raise ValidationError(
            {"amount": refusals.MORE_THAN_INSTALLMENT % {"amount": _rp(amount), "due": _rp(installment.amount)}}
        )
    disbursement = Disbursement(
        installment=installment, amount=amount, requested_by=acting_user(actor), idempotency_key=idempotency_key or None
    )
    try:
        saves.save_guarded(disbursement)
    except IntegrityError:
        # The same installment (or key) requested a moment ago by a concurrent click: that request stands.
        earlier = Disbursement.objects.filter(installment=installment, status__in=Disbursement.LIVE).first()
        if earlier is None:
            raise ValidationError({"idempotency_key": refusals.KEY_USED_FOR_ANOTHER_INSTALLMENT}) from None
        return earlier, False
    audit.record(
        actor, "funding.disbursement.requested", disbursement, {"amount": amount}, agency_id=entitlement.case.owner_id
    )
    return disbursement, True


def _installment_to_request(*, pk):
    return Installment.objects.select_related("entitlement__allocation", "entitlement__case").filter(pk=pk).order_by()


def _check_approval(actor, disbursement: Disbursement, allocation: Allocation) -> None:
    """Raise as disbursement_approve refuses; an approved disbursement passes, since approving twice is once."""
    _require_role(actor, disbursement, (Role.FINANCE_APPROVER,), refusals.ONLY_APPROVER_APPROVES)
    if disbursement.requested_by_id == getattr(actor, "pk", None):
        raise ValidationError({"decided_by": refusals.REQUESTER_CANNOT_APPROVE})
    if disbursement.status == Disbursement.Status.APPROVED:
        return
    if disbursement.status != Disbursement.Status.REQUESTED:
        raise ValidationError(
            {"status": refusals.ONLY_REQUESTED_APPROVED % {"status": disbursement.get_status_display()}}
        )
    _require_open(allocation)


@access.grants_read_once
@transaction.atomic
def disbursement_approve(*, actor, disbursement: Disbursement) -> Disbursement:
    """Approve a requested disbursement: a finance approver in scope, never the requester. Twice is once."""
    allocation, disbursement = locks.allocation_and_disbursement(disbursement)
    _check_approval(actor, disbursement, allocation)
    if disbursement.status == Disbursement.Status.APPROVED:
        return disbursement
    disbursement.status = Disbursement.Status.APPROVED
    disbursement.decided_by, disbursement.decided_at = acting_user(actor), timezone.now()
    saves.update(disbursement, ["status", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor,
        "funding.disbursement.approved",
        disbursement,
        {"amount": disbursement.amount},
        agency_id=disbursement.installment.entitlement.case.owner_id,
    )
    return disbursement


def _check_rejection(actor, disbursement: Disbursement) -> None:
    _require_role(actor, disbursement, (Role.FINANCE_APPROVER,), refusals.ONLY_APPROVER_REJECTS)
    if disbursement.requested_by_id == getattr(actor, "pk", None):
        raise ValidationError({"decided_by": refusals.REQUESTER_CANNOT_DECIDE})
    if disbursement.status != Disbursement.Status.REQUESTED:
        raise ValidationError({"status": refusals.ONLY_REQUESTED_REJECTED})


@access.grants_read_once
@transaction.atomic
def disbursement_reject(*, actor, disbursement: Disbursement, reason: str) -> Disbursement:
    """Reject a requested disbursement, saying why; the installment may be requested again."""
    _allocation, disbursement = locks.allocation_and_disbursement(disbursement)
    _check_rejection(actor, disbursement)
    if not reason.strip():
        raise ValidationError({"reject_reason": refusals.REJECT_REASON_MISSING})
    disbursement.status = Disbursement.Status.REJECTED
    disbursement.reject_reason = reason.strip()
    disbursement.decided_by, disbursement.decided_at = acting_user(actor), timezone.now()
    disbursement.save(update_fields=["status", "reject_reason", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor,
        "funding.disbursement.rejected",
        disbursement,
        {},
        agency_id=disbursement.installment.entitlement.case.owner_id,
    )
    reminders.disbursement_rejected_notify(disbursement)
    return disbursement


def _check_payment(actor, disbursement: Disbursement) -> None:
    _require_role(actor, disbursement, (Role.DISTRICT_STAFF, Role.FINANCE_APPROVER), refusals.MAY_NOT_RECORD_PAYMENTS)
    if disbursement.status != Disbursement.Status.APPROVED:
        raise ValidationError({"status": refusals.ONLY_APPROVED_PAID % {"status": disbursement.get_status_display()}})


@access.grants_read_once
@transaction.atomic
def disbursement_pay(
    *, actor, disbursement: Disbursement, method: str, paid_on: datetime.date, reference: str = ""
) -> Disbursement:
    """Record that an approved disbursement was paid: the money is spent from the allocation."""
    allocation, disbursement = locks.allocation_and_disbursement(disbursement)
    _check_payment(actor, disbursement)
    if method not in Disbursement.Method.values:
        raise ValidationError({"method": refusals.METHOD_MISSING})
    if method != Disbursement.Method.IN_KIND and not reference.strip():
        raise ValidationError({"reference": refusals.REFERENCE_MISSING})
    if paid_on is None:
        raise ValidationError({"paid_on": refusals.PAID_ON_MISSING})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": refusals.PAID_ON_IN_FUTURE})
    if allocation.paid + disbursement.amount > allocation.committed:
        raise ValidationError({"amount": refusals.PAYMENTS_PAST_COMMITTED % {"allocation": allocation}})
    disbursement.status = Disbursement.Status.PAID
    disbursement.method, disbursement.reference, disbursement.paid_on = method, reference.strip(), paid_on
    disbursement.paid_by = acting_user(actor)
    disbursement.save(update_fields=["status", "method", "reference", "paid_on", "paid_by", "updated_at"])
    _record(
        actor,
        allocation,
        LedgerEntry.Kind.PAYMENT,
        paid=disbursement.amount,
        disbursement=disbursement,
        entitlement=disbursement.installment.entitlement,
    )
    audit.record(
        actor,
        "funding.disbursement.paid",
        disbursement,
        {"amount": disbursement.amount, "method": method},
        agency_id=disbursement.installment.entitlement.case.owner_id,
    )
    return disbursement


def _check_reversal(actor, disbursement: Disbursement) -> None:
    _require_role(actor, disbursement, (Role.FINANCE_APPROVER,), refusals.ONLY_APPROVER_REVERSES)
    if disbursement.status != Disbursement.Status.PAID:
        raise ValidationError({"status": refusals.ONLY_PAID_REVERSED})


@access.grants_read_once
@transaction.atomic
def disbursement_reverse(*, actor, disbursement: Disbursement, reason: str) -> Disbursement:
    """Undo a payment by a reversing ledger entry (nothing is edited or deleted); the installment is due again."""
    allocation, disbursement = locks.allocation_and_disbursement(disbursement)
    _check_reversal(actor, disbursement)
    if not reason.strip():
        raise ValidationError({"reversed_reason": refusals.REVERSE_REASON_MISSING})
    disbursement.status = Disbursement.Status.REVERSED
    disbursement.reversed_reason = reason.strip()
    disbursement.save(update_fields=["status", "reversed_reason", "updated_at"])
    entitlement = disbursement.installment.entitlement
    # A cancelled entitlement stays committed only for what was paid on it: taking a payment back frees that too.
    released = -disbursement.amount if entitlement.status == Entitlement.Status.CANCELLED else 0
    _record(
        actor,
        allocation,
        LedgerEntry.Kind.REVERSAL,
        committed=released,
        paid=-disbursement.amount,
        disbursement=disbursement,
        entitlement=entitlement,
    )
    audit.record(
        actor,
        "funding.disbursement.reversed",
        disbursement,
        {"amount": disbursement.amount},
        agency_id=disbursement.installment.entitlement.case.owner_id,
    )
    return disbursement


_STEP_CHECKS = {
    "approve": lambda actor, disbursement: _check_approval(
        actor, disbursement, disbursement.installment.entitlement.allocation
    ),
    "reject": _check_rejection,
    "pay": _check_payment,
    "reverse": _check_reversal,
}


def disbursement_refusal(*, actor, disbursement: Disbursement, step: str) -> str | None:
    """Why `actor` may not take `step` ("approve", "reject", "pay" or "reverse") on `disbursement` as it is now,
    or None when they may.

    The step's own checks, read without its locks: a page offers exactly what the service would accept, and the
    service checks again under the lock when the step is taken.
    """
    if step == "approve" and disbursement.status == Disbursement.Status.APPROVED:
        return str(refusals.ALREADY_APPROVED)
    try:
        _STEP_CHECKS[step](actor, disbursement)
    except ValidationError as refused:
        return " ".join(refused.messages)
    except (PermissionDenied, Http404) as refused:
        return str(refused)
    return None
