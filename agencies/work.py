"""My work: the admin home's "Pekerjaan saya", what waits for the person signed in (issue 16, DESIGN §9).

Apps to the right plug in through one seam, as they plug their reminders into agencies.notifications:
`work_source(order)` registers a function `(actor, context) -> iterable of Line`. Each line counts a queryset that
the app's own selectors define once, the same definition its reminder email computes, scoped by agencies.access,
and links to the admin list filtered to exactly those rows.

Cheap at national scale: no count over a whole scope. A line counts a bounded, indexed set (a due window, a queue
waiting for someone), and never more than CAP + 1 of its rows (`SELECT COUNT(*) FROM (… LIMIT 101)`): above CAP it
reads "100+". Every line of the page is counted in one statement (`tally`), however many lines and rows there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from . import access, audit_labels
from .models import AuditEvent, Role
from .notifications import local_now, offices_of
from .rulebook import Grant

# A count above this reads "100+"; its rows are read no further.
CAP = 100


@dataclass
class Row:
    """One thing listed by name on the home (a session today), with the link that does its work."""

    text: Promise | str
    url: str
    action: Promise | str = ""
    when: datetime.date | None = None


@dataclass
class Line:
    """One count on the home: `rows` counted (at most CAP + 1 of them), linked to the list showing them."""

    section: Promise | str
    label: Promise | str
    url: str
    rows: QuerySet | None = None
    # The sum of this field over the counted rows (a total in Rupiah), read in the same statement.
    total_of: str = ""
    # The earliest value of this field over the counted rows (the oldest request), read in the same statement.
    oldest_of: str = ""
    # Listed one by one under the count (today's sessions); not counted by `tally`.
    listed: list[Row] = field(default_factory=list)
    # Shown even at zero (a queue the person works every day); other lines only when something waits.
    always: bool = False
    # False: a link to a page the person keeps (the record of processing), shown without a number; `rows` unused.
    counted: bool = True
    count: int = 0
    more: bool = False
    total: int | None = None
    oldest: datetime.datetime | datetime.date | None = None

    @property
    def shown_count(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)


@dataclass(frozen=True)
class WorkContext:
    """What every source needs to know about the person: their grants, their office's date and the time."""

    grants: tuple[Grant, ...]
    today: datetime.date
    now: datetime.datetime

    def agencies(self, roles: Iterable[str]) -> list:
        """The agencies the person works for in one of `roles`."""
        roles = set(roles)
        return [g.agency for g in self.grants if g.role in roles]

    def holds(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)


_sources: list[tuple[int, Callable[[object, WorkContext], Iterable[Line]]]] = []


def work_source(order: int):
    """Register `fn(actor, context)` as a source of the home's lines; sections are shown in `order`."""

    def register(fn):
        if all(existing is not fn for _order, existing in _sources):
            _sources.append((order, fn))
            _sources.sort(key=lambda pair: pair[0])
        return fn

    return register


def office_today(user, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the person's office's time zone, as their reminder emails compute it (their first active
    membership's office, agencies.notifications.offices_of); the server's date for someone without one."""
    now = now or timezone.now()
    membership = offices_of([user.pk]).get(user.pk)
    return local_now(membership.agency if membership else None, now).date()


def my_work(actor, now: datetime.datetime | None = None) -> list[dict]:
    """The home's sections for `actor`: [{"title": …, "lines": [Line, …]}], lines with something to do (or
    `always`), counted in one statement."""
    now = now or timezone.now()
    grants = access.grants_of(actor)
    if not grants:
        return []
    context = WorkContext(grants=grants, today=office_today(actor, now), now=now)
    lines = [line for _order, source in _sources for line in source(actor, context)]
    tally(lines)
    sections: list[dict] = []
    for line in lines:
        if line.counted and not (line.count or line.listed or line.always):
            continue
        if not sections or sections[-1]["title"] != line.section:
            sections.append({"title": line.section, "lines": []})
        sections[-1]["lines"].append(line)
    return sections


def tally(lines: list[Line]) -> None:
    """Count every line's rows (at most CAP + 1 each), with their totals and oldest values, in one statement."""
    parts, params, slots = [], [], []
    for line in lines:
        if line.rows is None or not line.counted:
            continue
        wanted = {"count": ("COUNT(*)", "pk")}
        if line.total_of:
            wanted["total"] = ("SUM(t.{})", line.total_of)
        if line.oldest_of:
            wanted["oldest"] = ("MIN(t.{})", line.oldest_of)
        columns = {f"c{n}": F(name) for n, (_sql, name) in enumerate(wanted.values())}
        try:
            sql, sql_params = line.rows.order_by().values(**columns)[: CAP + 1].query.sql_with_params()
        except EmptyResultSet:
            continue  # a scope that holds nothing: zero, without asking
        for column, (attr, (aggregate, _name)) in zip(columns, wanted.items(), strict=True):
            # Only the ORM's own SQL and our column names: every value travels as a parameter.
            parts.append(f"(SELECT {aggregate.format(connection.ops.quote_name(column))} FROM ({sql}) t)")  # noqa: S608
            params.extend(sql_params)
            slots.append((line, attr))
    if not parts:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        values = cursor.fetchone()
    for (line, attr), value in zip(slots, values, strict=True):
        if attr == "count":
            line.count, line.more = min(value, CAP), value > CAP
        elif attr == "total":
            line.total = int(value or 0)
        else:
            line.oldest = _as_value(value)


def _as_value(value):
    if isinstance(value, str):  # SQLite hands dates and times back as text
        parsed = datetime.datetime.fromisoformat(value)
        return timezone.make_aware(parsed, datetime.UTC) if timezone.is_naive(parsed) else parsed
    return value


# The auditors' and data-protection officers' lines: what the trail recorded lately that matters most.

TRAIL = gettext_lazy("The trail, past 7 days")
# The rare actions an auditor looks at first: a NIK shown in full, and data leaving the system.
WATCHED = ("_revealed", ".exported")


TRAIL_READERS = (Role.AUDITOR, Role.DATA_PROTECTION_OFFICER)


@work_source(order=60)
def trail(actor, context: WorkContext):
    if not context.holds(*TRAIL_READERS):
        return
    # The trail list's own "past 7 days" (its date filter's choice, in the admin's time zone, to the same instants),
    # so that the list shows these rows and its filter shows that choice.
    today = timezone.localtime(context.now).replace(hour=0, minute=0, second=0, microsecond=0)
    since, until = today - datetime.timedelta(days=7), today + datetime.timedelta(days=1)
    events = access.visible_to(actor, AuditEvent).filter(created_at__gte=since, created_at__lt=until)
    url = reverse("admin:agencies_auditevent_changelist")
    for action, label in audit_labels.ACTIONS.items():
        if action.endswith(WATCHED):
            params = {"action": action, "created_at__gte": str(since), "created_at__lt": str(until)}
            yield Line(
                section=TRAIL,
                label=label,
                url=f"{url}?{urlencode(params)}",
                rows=events.filter(action=action),
                always=True,
            )


# The data-protection officer's section (issue 18): the registers of UU 27/2022 and the documents the officer keeps.
# Each register plugs its lines in here, as apps plug theirs into the home: `privacy_source(order)` registers a
# function `(actor, context) -> iterable of Line` whose lines (a count of requests due, a link to a register) are
# shown in this one section, in `order`, to whoever holds the role (their section is set for them). Counted lines
# are counted with every other line of the home, in the same one statement.

PRIVACY = gettext_lazy("Data protection")
PRIVACY_ROLES = (Role.DATA_PROTECTION_OFFICER,)

_privacy_sources: list[tuple[int, Callable[[object, WorkContext], Iterable[Line]]]] = []


def privacy_source(order: int):
    """Register `fn(actor, context)` as a source of the data-protection section's lines, shown in `order` (the
    officer's links are 80: registers' queues come before them)."""

    def register(fn):
        if all(existing is not fn for _order, existing in _privacy_sources):
            _privacy_sources.append((order, fn))
            _privacy_sources.sort(key=lambda pair: pair[0])
        return fn

    return register


@work_source(order=5)
def privacy(actor, context: WorkContext):
    if not context.holds(*PRIVACY_ROLES):
        return
    for _order, source in _privacy_sources:
        for line in source(actor, context):
            line.section = PRIVACY
            yield line


# The officer's documents and pages without a queue, after the registers' queues (each a link, not counted): retention
# (what is due and the last runs are on its page, cases.retention_admin), the record of processing, the trail.
_PRIVACY_LINKS = (
    (gettext_lazy("Retention: cases past their term, legal holds"), "admin:agencies_retentionrun_changelist"),
    (gettext_lazy("Record of processing activities"), "admin:privacy_record"),
    (gettext_lazy("Audit trail of my jurisdiction"), "admin:agencies_auditevent_changelist"),
)


@privacy_source(order=80)
def privacy_links(actor, context: WorkContext):
    for label, view in _PRIVACY_LINKS:
        yield Line(section=PRIVACY, label=label, url=reverse(view), counted=False)


# The breach register's line (issue 18 item 10): incidents whose 3 × 24 hour notice still runs. The officer reads it
# among the registers; province staff, who bring the offices along, read it too.


@privacy_source(order=20)
def incidents_running(actor, context: WorkContext):
    from .incident_models import Incident

    yield Line(
        section=PRIVACY,
        label=gettext_lazy("Personal data incidents not yet notified (3 × 24 hours)"),
        url=reverse("admin:agencies_incident_changelist") + "?clock=running",
        rows=access.visible_to(actor, Incident).filter(status__in=Incident.CLOCK_RUNNING),
        always=context.holds(Role.DATA_PROTECTION_OFFICER),
    )


@work_source(order=55)
def incidents_running_for_the_province(actor, context: WorkContext):
    if context.holds(*PRIVACY_ROLES) or not context.holds(Role.PROVINCE_STAFF):
        return
    yield from incidents_running(actor, context)


# Province staff: the people of their province locked out now after failed sign-ins or codes (issue 18), to call
# them and, when it was them, lift the lockout from the list.

ACCOUNTS = gettext_lazy("Accounts")


@work_source(order=65)
def lockouts(actor, context: WorkContext):
    if not context.holds(Role.PROVINCE_STAFF):
        return
    from . import two_factor
    from .models import Membership

    url = reverse("admin:agencies_membership_changelist")
    yield Line(
        section=ACCOUNTS,
        label=gettext_lazy("Locked out after failed sign-ins"),
        url=f"{url}?{urlencode({'locked': 'yes'})}",
        rows=access.visible_to(actor, Membership).filter(user__username__in=two_factor.locked_usernames()),
    )
