"""Retention classes (UU 27/2022, issue 18): every personal field declares one in the data inventory, and the
nightly retention job keeps each record only as long as its class says.

The periods come from settings (RETENTION_*); this module is the one place that turns a class into a period.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionClass(models.TextChoices):
    # A person's case record: kept while the case is open, then RETENTION_CASE_YEARS after closure, then
    # pseudonymized (what the aggregates need is kept) unless a legal hold applies.
    CASE_RECORD = "case_record", _("Case record: pseudonymized after the retention period following closure")
    # The access and audit trail: the person's processing history, kept RETENTION_AUDIT_YEARS.
    AUDIT_TRAIL = "audit_trail", _("Audit trail: kept for the retention period, then deleted")
    # Export files: deleted after EXPORT_KEEP_DAYS.
    EXPORT_FILE = "export_file", _("Export file: deleted after a few days")
    # Staff accounts and memberships: RETENTION_ACCOUNT_YEARS after the account is deactivated.
    STAFF_ACCOUNT = "staff_account", _("Staff account: kept for the retention period after deactivation")
    # Subject-access, correction and breach records: RETENTION_PRIVACY_REQUEST_YEARS after they are closed.
    PRIVACY_REGISTER = "privacy_register", _("Privacy register: kept for the retention period after closure")
    # A stored reply to an API write sent with an Idempotency-Key: deleted after a day (agencies.api.idempotency
    # KEEP_FOR, by the hourly purge).
    API_REPLY = "api_reply", _("Stored API reply: deleted after a day")


@dataclass(frozen=True)
class Period:
    years: int = 0
    days: int = 0


def period_of(retention: str) -> Period:
    """The period a record of class `retention` is kept (counted from its class's starting point)."""
    if retention == RetentionClass.CASE_RECORD:
        return Period(years=settings.RETENTION_CASE_YEARS)
    if retention == RetentionClass.AUDIT_TRAIL:
        return Period(years=settings.RETENTION_AUDIT_YEARS)
    if retention == RetentionClass.EXPORT_FILE:
        return Period(days=settings.EXPORT_KEEP_DAYS)
    if retention == RetentionClass.STAFF_ACCOUNT:
        return Period(years=settings.RETENTION_ACCOUNT_YEARS)
    if retention == RetentionClass.PRIVACY_REGISTER:
        return Period(years=settings.RETENTION_PRIVACY_REQUEST_YEARS)
    if retention == RetentionClass.API_REPLY:
        return Period(days=1)
    raise ValueError(retention)


# What the retention job removes from the rows about a case (issue 18 item 9). Each app declares its own rows in its
# `retention.py` (found by agencies.apps, as reminders.py is), so `agencies` imports none of them; `retention_plan()`
# reads the whole list in one place (the "Retensi" page shows it, and the data inventory is checked against it).

# What every removed name and free text reads afterwards: data of the record, in the records' language, like the
# names of offices; the page around it says in the reader's language that the person was pseudonymized.
PSEUDONYM = "Disamarkan"


class Treatment(models.TextChoices):
    REPLACED = "replaced", _("replaced by “Disamarkan”")
    CLEARED = "cleared", _("emptied")
    COARSENED = "coarsened", _("coarsened")
    KEPT = "kept", _("kept for the figures")


@dataclass(frozen=True)
class Scrub:
    """Rows of `model` about a pseudonymized case: reached by `case` (a path to the Case) or `person` (a path to the
    Person); `replaced` free texts read PSEUDONYM where they were not empty, `cleared` ones are emptied. A model
    with neither still counts: its stored API replies (idempotency records) are dropped."""

    model: type[models.Model]
    case: str = ""
    person: str = ""
    replaced: tuple[str, ...] = ()
    cleared: tuple[str, ...] = ()
    # What else the row keeps and why (shown in the plan), e.g. "amounts and dates (the money figures)".
    kept: str = ""


SCRUBS: list[Scrub] = []
# Fields of the person herself, declared by cases.retention: {field: (treatment, how)}.
PERSON_FIELDS: dict[str, tuple[str, str]] = {}


def register_scrub(model, *, case: str = "", person: str = "", replaced=(), cleared=(), kept: str = "") -> None:
    """Declare what the retention job removes from `model`'s rows about a pseudonymized case or person."""
    if bool(case) == bool(person):
        raise ValueError("give exactly one of case and person")
    SCRUBS[:] = [s for s in SCRUBS if s.model is not model]  # a module imported twice declares once
    SCRUBS.append(Scrub(model, case, person, tuple(replaced), tuple(cleared), kept))


def retention_plan() -> list[tuple[str, str, str]]:
    """(model label, field, treatment label) for every field the job changes, the person's first."""
    from django.apps import apps

    plan = []
    person_model = apps.get_model("cases", "Person")
    for field, (treatment, how) in PERSON_FIELDS.items():
        plan.append((person_model._meta.label, field, f"{Treatment(treatment).label}{f': {how}' if how else ''}"))
    for scrub in SCRUBS:
        label = scrub.model._meta.label
        plan += [(label, f, str(Treatment.REPLACED.label)) for f in scrub.replaced]
        plan += [(label, f, str(Treatment.CLEARED.label)) for f in scrub.cleared]
    return plan


def retention_plan_as_read() -> list[tuple[str, str, str]]:
    """`retention_plan()` as a page shows it: each record and field by its name in the reader's language, never by
    its code (the retention register's "what is removed" table)."""
    from django.apps import apps
    from django.utils.text import capfirst

    from . import inventory

    def field_name(model, names: str) -> str:
        # A line may name several fields kept alike ("sex, target_groups"); each by its name in the data inventory
        # (which names the generated ones, a hash or a search key, where their verbose_name is no word).
        return capfirst(", ".join(str(inventory.declaration(model, name).field_label()) for name in names.split(", ")))

    plan = []
    for label, names, treatment in retention_plan():
        model = apps.get_model(label)
        plan.append((capfirst(str(model._meta.verbose_name_plural)), field_name(model, names), treatment))
    return plan


# The trail's expiry. The audit table refuses UPDATE and DELETE by a trigger (migration 0002); migration 0021 lets
# one path through, narrowly: a DELETE in a transaction that named, with set_config(…, true) (local to the
# transaction, so PgBouncer's transaction mode keeps it to this one), the moment before which events may go, and
# only of events older than that moment AND older than a year whatever it says (RETENTION_AUDIT_YEARS is at least
# 1). No UPDATE ever passes, and nothing younger than a year can be deleted by any setting or any bug of ours.
TRAIL_EXPIRY_SETTING = "agencies.trail_expiry_before"
# Events deleted per statement and transaction: a short lock each, and an interrupted run keeps what it did.
TRAIL_CHUNK = 10_000


def years_before(moment, years: int):
    from dateutil.relativedelta import relativedelta

    return moment - relativedelta(years=years)


def trail_expire(*, before) -> int:
    """Delete access-log events created before `before`, a chunk per transaction; returns how many."""
    from django.db import connection, transaction

    from .models import AuditEvent

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, %s, true)", [TRAIL_EXPIRY_SETTING, before.isoformat()])
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < %s "  # noqa: S608
                    "ORDER BY created_at, id LIMIT %s)",
                    [before, TRAIL_CHUNK],
                )
                count = cursor.rowcount
            else:
                ids = list(
                    AuditEvent.objects.filter(created_at__lt=before)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:TRAIL_CHUNK]
                )
                count = AuditEvent.objects.filter(pk__in=ids).delete()[0]
        deleted += count
        if count < TRAIL_CHUNK:
            return deleted
