"""What programme work is due: each kind defined once, read by the reminder emails (programs.reminders) and by the
admin home's "My work" (programs.work) and the admin lists it links to (programs.admin).

A definition here is a pure filter over the whole table plus, where a reminder decides per recipient in Python
(each in their own office's date), the same test as a function of one row's date. The home and the lists narrow
it to the person and through agencies.access; the reminders narrow it to each recipient.
"""

import datetime

from django.conf import settings
from django.db.models import F, Lookup, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from agencies.models import Role
from cases.models import Case

from .models import Batch, FollowUp, Session

# Who supervises a case: staff of its owning office, and at level 2 of the province office above it.
SUPERVISOR_ROLES = (Role.DISTRICT_STAFF,)
PROVINCE_ROLES = (Role.PROVINCE_STAFF,)
# Overdue by more than N days is level 1 (the office's district staff); by more than 2N, level 2 (the province too).
ESCALATION_LEVELS = (1, 2)
# Who hears of a batch about to start: its organizers, and the agencies delivering its sessions.
BATCH_ORGANIZER_ROLES = (Role.DISTRICT_STAFF, Role.PROVINCE_STAFF)
PARTNER_ROLES = (Role.PARTNER_TRAINER, Role.NGO_CASEWORKER, Role.DISTRICT_STAFF, Role.PROVINCE_STAFF)


# Follow-up visits

OVERDUE, DUE = "overdue", "due"

# Whose visit a follow-up is: its own caseworker, else its case's.
WORKER = Coalesce(F("caseworker_id"), F("case__caseworker_id"))


def open_only(follow_ups: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Of `follow_ups`, those not visited yet, of cases still open: the only ones anybody is reminded of."""
    return follow_ups.filter(done_on__isnull=True).exclude(case__stage=Case.Stage.CLOSED)


def open_follow_ups() -> QuerySet[FollowUp]:
    return open_only(FollowUp.objects.all())


class _AmongCases(Lookup):
    """`case_id` among a subquery's ids, as a condition an index answers inside an OR.

    `case__caseworker=user` joins the case, and `case__in=<subquery>` under an OR becomes a filter run on every
    row: either way "visits not done and due before today" read every open visit in the country (a second at
    1,000,000 cases, on every home page). `= ANY(ARRAY(subquery))` is computed once and looked up in the
    follow-ups' case index, beside the caseworker index (a BitmapOr). Other databases get the plain IN.
    """

    lookup_name = "among"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def worked_by(user) -> Q:
    """The follow-ups whose WORKER is `user`, as a condition the caseworker indexes answer."""
    caseload = Subquery(Case.objects.filter(caseworker=user).values("pk"))
    return Q(caseworker=user) | (Q(caseworker__isnull=True) & _AmongCases(F("case_id"), caseload))


def due_within() -> int:
    """How many days ahead a follow-up counts as due (the daily digest's window)."""
    return settings.REMINDER_DUE_WITHIN_DAYS


def follow_up_state(due_on: datetime.date, today: datetime.date) -> str | None:
    """OVERDUE before `today`, DUE from `today` to `due_within()` days on, else None (not yet anybody's work)."""
    if due_on < today:
        return OVERDUE
    if due_on <= today + datetime.timedelta(days=due_within()):
        return DUE
    return None


def in_state(state: str, today: datetime.date) -> Q:
    """`follow_up_state(due_on, today) == state`, as a condition."""
    if state == OVERDUE:
        return Q(due_on__lt=today)
    return Q(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=due_within()))


def escalation_after() -> int:
    return settings.REMINDER_ESCALATE_AFTER_DAYS


def escalation_levels(due_on: datetime.date, today: datetime.date) -> list[int]:
    """The escalation levels a follow-up due on `due_on` has reached by `today` (overdue by more than N × level)."""
    days = (today - due_on).days
    return [level for level in ESCALATION_LEVELS if days > escalation_after() * level]


def escalated(level: int, today: datetime.date) -> Q:
    """`level in escalation_levels(due_on, today)`, as a condition."""
    return Q(due_on__lt=today - datetime.timedelta(days=escalation_after() * level))


def escalated_to(supervised: list, provinces: list, today: datetime.date) -> Q | None:
    """The escalations sent to a person supervising the offices `supervised` (level 1 and on) and working at the
    province offices `provinces` (level 2, for the offices under them); None when they are neither."""
    found = []
    if supervised:
        found.append(escalated(1, today) & Q(case__owner__in=supervised))
    if provinces:
        found.append(escalated(2, today) & Q(case__owner__parent__in=provinces))
    if not found:
        return None
    return found[0] if len(found) == 1 else found[0] | found[1]


# Batches starting


def batch_notice_days() -> int:
    return settings.REMINDER_BATCH_NOTICE_DAYS


def live_only(batches: QuerySet[Batch]) -> QuerySet[Batch]:
    """Of `batches`, those still to run or running: neither cancelled nor finished."""
    return batches.exclude(status__in=(Batch.Status.CANCELLED, Batch.Status.FINISHED))


def live_batches() -> QuerySet[Batch]:
    return live_only(Batch.objects.all())


def starts_soon(starts_on: datetime.date, today: datetime.date) -> bool:
    """Whether a batch starting on `starts_on` is announced on `today`: within the notice days, not today."""
    return 0 < (starts_on - today).days <= batch_notice_days()


def starting_soon(today: datetime.date) -> Q:
    """`starts_soon(starts_on, today)`, as a condition."""
    return Q(starts_on__gt=today, starts_on__lte=today + datetime.timedelta(days=batch_notice_days()))


def batch_audience(organizers: list, partners: list) -> Q | None:
    """The batches a person hears of: organized by one of `organizers` (their offices in an organizer role), or
    with a session delivered by one of `partners` (their agencies in a partner role)."""
    found = Q(pk__in=[])
    if organizers:
        found |= Q(program__organizer__in=organizers)
    if partners:
        found |= Q(pk__in=Session.objects.filter(delivering_agency__in=partners).values("batch"))
    return found if organizers or partners else None


# Sessions to deliver


def sessions_delivered(
    sessions: QuerySet[Session], agencies: list, first: datetime.date, last: datetime.date
) -> QuerySet[Session]:
    """Of `sessions` (those a person sees, by agencies.access), the ones `agencies` deliver from `first` to `last`,
    of batches not cancelled, in the order they happen."""
    return (
        sessions.filter(delivering_agency__in=agencies, date__gte=first, date__lte=last)
        .exclude(batch__status=Batch.Status.CANCELLED)
        .order_by("date", "pk")
    )
