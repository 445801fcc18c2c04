"""The refresh of the aggregate tables (issue 17): every indicator's `compute` run, and the stored figures replaced.

Services in the project's sense: `figures_refresh` (run nightly by beat and by `figures_refresh_task`) and
`figures_refresh_request` (the "Perbarui angka" button: it checks who asks, then queues the task).

Readers see the old figures or the new ones, never half: the DELETE and the new rows are one transaction, so until
it commits every reader's snapshot holds the old set (PostgreSQL's MVCC; no lock that would make pages wait). A
failure rolls the whole replacement back and leaves the figures as they were, with the run recorded as failed.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import access, audit
from .fastpath import rows as fast_rows
from .indicators import Indicator, all_indicators
from .models import Figure, FigureRefresh, Role

log = logging.getLogger(__name__)

# Rows written per COPY: a million facts are never one string in memory.
BATCH_ROWS = 50_000
# A refresh still "running" after this long was lost with its worker: it no longer stops another from starting.
RUNNING_FOR_AT_MOST = timezone.timedelta(hours=2)
# Who may ask for figures now rather than at night: the people who decide with them, not every reader (a refresh
# reads every case in the installation).
REFRESH_ROLES = frozenset({Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF})
# One refresh writes at a time (the nightly one and a button pressed at 01:00): the later one waits, then writes
# figures at least as new. A fixed key of this installation's advisory locks ("fig" in ASCII).
_ADVISORY_LOCK = 0x666967

ALREADY_RUNNING = _("The figures are being recomputed now; they will be ready in a few minutes.")


def _fact_rows(indicator: Indicator) -> list[dict]:
    """The indicator's facts as rows of Figure; a fact whose dimensions are not the indicator's is a bug in it."""
    wanted = frozenset(indicator.dimensions)
    rows = []
    for fact in indicator.compute():
        if fact.dims.keys() != wanted:
            raise ValueError(f"{indicator.code}: a fact's dimensions are not the indicator's")
        row = dict.fromkeys(Figure.DIMENSIONS)
        row.update(fact.dims)
        row["district_id"] = row.pop("district")
        if row["source"] is not None:
            row["source"] = str(row["source"])
        row.update(indicator=indicator.code, value=fact.value, base=fact.base)
        rows.append(row)
    return rows


def _replace_figures(indicators: list[Indicator]) -> int:
    """DELETE every stored figure and write the indicators' facts instead; the caller holds the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
    Figure.objects.all().delete()  # one DELETE: nothing refers to a figure, and it has no signals
    written = 0
    for indicator in indicators:
        rows = _fact_rows(indicator)
        for start in range(0, len(rows), BATCH_ROWS):
            fast_rows.insert_rows_together([(Figure, rows[start : start + BATCH_ROWS])])
        written += len(rows)
    return written


def figures_refresh(*, actor=None) -> FigureRefresh:
    """Recompute every registered indicator and replace the stored figures with the result, all or nothing.

    The run is recorded (running, then done or failed); on failure the figures stay as they were, the record
    says failed with the error's class only (never its text, which can quote a row), and the error is raised.
    """
    refresh = FigureRefresh.objects.create(started_by=actor)  # committed now, so the admin shows it running
    try:
        with transaction.atomic():
            written = _replace_figures(all_indicators())
            refresh.status, refresh.finished_at, refresh.rows = FigureRefresh.Status.DONE, timezone.now(), written
            refresh.save(update_fields=["status", "finished_at", "rows"])
    except Exception as exc:
        refresh.status, refresh.finished_at = FigureRefresh.Status.FAILED, timezone.now()
        refresh.error, refresh.rows = type(exc).__name__, 0
        refresh.save(update_fields=["status", "finished_at", "error", "rows"])
        log.exception("figures refresh %s failed", refresh.pk)
        raise
    return refresh


def may_request_refresh(actor) -> bool:
    """Whether `actor` may ask for the figures to be recomputed now (the "Perbarui angka" button)."""
    return access.is_setup_superuser(actor) or any(g.role in REFRESH_ROLES for g in access.grants_of(actor))


@transaction.atomic
def figures_refresh_request(*, actor) -> None:
    """Queue a refresh for `actor` (after commit). PermissionDenied unless they may; ValidationError while one
    started in the last two hours is still running (a second would only wait for it)."""
    if not may_request_refresh(actor):
        raise PermissionDenied(access.MAY_NOT_CHANGE)
    running = FigureRefresh.objects.filter(
        status=FigureRefresh.Status.RUNNING, started_at__gte=timezone.now() - RUNNING_FOR_AT_MOST
    )
    if running.exists():
        raise ValidationError({"status": ALREADY_RUNNING})
    audit.record(actor, "agencies.figures.refresh_requested", FigureRefresh)
    from .tasks import figures_refresh_task

    transaction.on_commit(lambda: figures_refresh_task.delay(actor_id=actor.pk))
