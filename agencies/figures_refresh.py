"""The refresh of the aggregate tables (issue 17): every indicator's `compute` run, and the stored figures replaced.

Services in the project's sense: `figures_refresh` (run nightly by beat and by `figures_refresh_task`) and
`figures_refresh_request` (the "Perbarui angka" button: it checks who asks, then queues the task).

Readers see the old figures or the new ones, never half: the DELETE and the new rows are one transaction, so until
it commits every reader's snapshot holds the old set (PostgreSQL's MVCC; no lock that would make pages wait). A
failure rolls the whole replacement back and leaves the figures as they were, with the run recorded as failed.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import access, audit
from .indicators import Indicator, all_indicators
from .models import Figure, FigureRefresh, Role

log = logging.getLogger(__name__)

# Characters handed to COPY at a time: large enough that a round of Python per chunk costs nothing, small enough
# that the server is storing one chunk while Python writes the next.
COPY_CHUNK = 1 << 18
# A refresh still "running" after this long was lost with its worker: it no longer stops another from starting.
RUNNING_FOR_AT_MOST = timezone.timedelta(hours=2)
# Who may ask for figures now rather than at night: the people who decide with them, not every reader (a refresh
# reads every case in the installation).
REFRESH_ROLES = frozenset({Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF})
# One refresh writes at a time (the nightly one and a button pressed at 01:00): the later one waits, then writes
# figures at least as new. A fixed key of this installation's advisory locks ("fig" in ASCII).
_ADVISORY_LOCK = 0x666967

ALREADY_RUNNING = _("The figures are being recomputed now; they will be ready in a few minutes.")


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
# Figure's columns in the order the COPY names them.
_COLUMNS = ("indicator", *(("district_id" if d == "district" else d) for d in Figure.DIMENSIONS), "value", "base")


def _text(value) -> str:
    """`value` as COPY's text format has it (an int, a code, a date; None is NULL)."""
    if value is None:
        return _NULL
    if type(value) is str:
        return value.translate(_ESCAPES)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(int(value))  # ints, and a Decimal or bool an app's GROUP BY hands over, as the column's integer


def _computed(indicator: Indicator) -> list:
    """The indicator's facts; a fact whose dimensions are not the indicator's is a bug in it, and fails the refresh."""
    facts, wanted = list(indicator.compute()), frozenset(indicator.dimensions)
    if any(fact.dims.keys() != wanted for fact in facts):
        raise ValueError(f"{indicator.code}: a fact's dimensions are not the indicator's")
    return facts


def _fact_lines(indicator: Indicator, facts: list, written: list[int]):
    """The indicator's facts as COPY lines of Figure, one at a time (counted in `written[0]`).

    Written here rather than through agencies.fastpath.rows: every column is an int, a code or a date, so one small
    function per value is all a line needs; the general writer's per-row preparing was most of the refresh's time.
    """
    wanted = frozenset(indicator.dimensions)
    given = [(name, Figure.DIMENSIONS.index(name) + 1) for name in Figure.DIMENSIONS if name in wanted]
    template = [indicator.code.translate(_ESCAPES), *([_NULL] * len(Figure.DIMENSIONS)), "", ""]
    for fact in facts:
        dims = fact.dims
        line = template.copy()
        for name, position in given:
            line[position] = _text(dims[name])
        line[-2], line[-1] = _text(fact.value), _text(fact.base)
        written[0] += 1
        yield "\t".join(line) + "\n"


class _Streamed:
    """The lines as the file COPY reads: made as the server asks for the next chunk, so PostgreSQL stores one chunk
    while Python writes the next, and a million facts are never one string in memory."""

    def __init__(self, lines):
        self._lines = lines

    def read(self, size: int = -1) -> str:
        chunk, length = [], 0
        for line in self._lines:
            chunk.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(chunk)

    readline = read


def _copy(lines) -> None:
    # One COPY for every fact; logged like a query, so DEBUG's log and the statement counts of tests include it.
    quote = connection.ops.quote_name
    sql = f"COPY {quote(Figure._meta.db_table)} ({', '.join(map(quote, _COLUMNS))}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, _Streamed(lines), size=COPY_CHUNK)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": "0.000"})


def _insert(lines) -> None:
    # Elsewhere than PostgreSQL (the demo's SQLite) there is no COPY: the rows through the ORM, a batch at a time.
    def figure(line: str) -> Figure:
        values = [None if text == _NULL else text for text in line.rstrip("\n").split("\t")]
        return Figure(**dict(zip(_COLUMNS, values, strict=True)))

    Figure.objects.bulk_create((figure(line) for line in lines), batch_size=1000)


def _replace_figures(indicators: list[Indicator]) -> int:
    """DELETE every stored figure and write the indicators' facts instead; the caller holds the transaction."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
    Figure.objects.all().delete()  # one DELETE: nothing refers to a figure, and it has no signals
    # Every compute before the COPY starts: a query cannot run on the connection while a COPY is in progress.
    computed = [(indicator, _computed(indicator)) for indicator in indicators]
    written = [0]
    lines = (line for indicator, facts in computed for line in _fact_lines(indicator, facts, written))
    (_copy if postgres else _insert)(lines)
    return written[0]


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
