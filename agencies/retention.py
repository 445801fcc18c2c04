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
