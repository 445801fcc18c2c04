"""Reads of programs: rosters through the access rule, and the program report computed in the database."""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from agencies import access

from .models import Attendance, Batch, Enrollment, Outcome, Program, Session

# Cells below this are shown as "<5" to people who do not run the program (aggregates only, DESIGN §5).
SMALL_CELL = 5
TRAINED = (Enrollment.Status.COMPLETED,)
STILL_THERE = (Outcome.SiteStatus.STILL_AT_SITE, Outcome.SiteStatus.RETURNED_TO_SITE)


def batches_enrolling(actor) -> QuerySet[Batch]:
    """The batches `actor` may see that take enrollments now (planned or open), by program and number."""
    return (
        access.visible_to(actor, Batch)
        .filter(status__in=Batch.ENROLLING)
        .select_related("program")
        .order_by("program__name", "number")
    )


def roster(actor, batch) -> QuerySet[Enrollment]:
    """The batch's enrollments `actor` may see, with the names a roster shows."""
    return (
        access.visible_to(actor, Enrollment)
        .filter(batch=batch)
        .select_related("case__person")
        .order_by("status", "case__person__full_name", "id")
    )


@dataclass
class GridCell:
    """One person at one session: the mark stored (or ticked in a refused save), and whether it may be ticked."""

    session: Session
    present: bool | None
    editable: bool


@dataclass
class AttendanceGrid:
    sessions: list[Session]
    rows: list[tuple[Enrollment, list[GridCell]]]

    @property
    def editable(self) -> bool:
        return any(cell.editable for _enrollment, cells in self.rows for cell in cells)

    def with_ticks(self, ticks: dict[int, set[int]]) -> "AttendanceGrid":
        """The grid as a refused form left it: every tickable cell as posted, the others as stored."""
        rows = [
            (e, [GridCell(c.session, e.pk in ticks.get(c.session.pk, ()), True) if c.editable else c for c in cells])
            for e, cells in self.rows
        ]
        return AttendanceGrid(self.sessions, rows)

    def attendance_to_save(self, ticks: dict[int, set[int]], shown: set[int]) -> dict[Session, dict[int, bool]]:
        """What a save of the grid records, per session: {enrollment id: ticked} for its tickable cells on the form.

        Only a column whose ticks differ from what is stored is saved: saving today's ticks neither marks everyone
        absent from a session not yet taken nor records the other columns again. A tick where no box was offered
        goes to the service too, which refuses it and says why.
        """
        attendance = {}
        for column, session in enumerate(self.sessions):
            ticked = ticks.get(session.pk, set())
            tickable = {e.pk: cells[column] for e, cells in self.rows if e.pk in shown and cells[column].editable}
            if set(tickable) >= ticked and all(bool(cell.present) == (pk in ticked) for pk, cell in tickable.items()):
                continue
            attendance[session] = {pk: pk in ticked for pk in tickable.keys() | ticked}
        return attendance


def attendance_grid(actor, batch: Batch) -> AttendanceGrid:
    """The roster `actor` may see against the batch's sessions; a cell is tickable when its session has begun,
    the person is enrolled, and `actor` may record that cell."""
    sessions = list(batch.sessions.select_related("delivering_agency"))
    roster_rows = list(roster(actor, batch))
    marks = {
        (a.enrollment_id, a.session_id): a.present
        for a in access.visible_to(actor, Attendance).filter(enrollment__in=roster_rows)
    }
    today = timezone.localdate()
    begun = [s for s in sessions if s.date <= today]
    enrolled = [e for e in roster_rows if e.status == Enrollment.Status.ENROLLED]
    open_cells = [(e.pk, s.pk) for e in enrolled for s in begun]
    recordable = attendance_recordable(actor, open_cells)
    rows = [
        (e, [GridCell(s, marks.get((e.pk, s.pk)), (e.pk, s.pk) in recordable) for s in sessions]) for e in roster_rows
    ]
    return AttendanceGrid(sessions, rows)


def attendance_recordable(actor, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of the (enrollment id, session id) `cells`, those whose attendance `actor` may record.

    Who may record mixes the session (its delivering partner), the batch (its organizers) and the case (those
    working it), and the access rule judges Attendance rows, which a cell not yet recorded does not have. So the
    missing rows are written in a savepoint, judged with the stored ones, and rolled back: the grid offers
    exactly the cells attendance_record would accept, without a second copy of the rule.
    """
    if not cells:
        return set()
    enrollments, sessions = {e for e, _s in cells}, {s for _e, s in cells}
    with transaction.atomic():
        Attendance.objects.bulk_create(
            [Attendance(enrollment_id=e, session_id=s, present=False) for e, s in cells], ignore_conflicts=True
        )
        allowed = set(
            access.changeable_by(actor, Attendance)
            .filter(enrollment__in=enrollments, session__in=sessions)
            .values_list("enrollment_id", "session_id")
        )
        transaction.set_rollback(True)
    return allowed & set(cells)


# The report's figures: five counts, and two rates worked out from two of them each.
COUNTS = ("enrolled", "trained", "followed_up", "left_site", "still_there")
RATES = {"completion_rate": ("enrolled", "trained"), "left_site_rate": ("followed_up", "left_site")}
# followed_up = left_site + still_there: with one of the three hidden, it is the difference of the other two.
SPLIT = ("followed_up", "left_site", "still_there")


def hidden_figures(counts: dict[str, int], also_hidden: frozenset[str] = frozenset()) -> frozenset[str]:
    """The figures of one report row to hide so that no count below SMALL_CELL can be worked out from the rest.

    A small count is hidden; so is every rate with a hidden count in it (lulus <5 beside 33% of 6 gives 2), and
    so is the other half of followed_up's split when one half is hidden (dipantau 6, masih di lokasi 5 give
    meninggalkan lokasi 1; a 0 beside a hidden half says the half is everyone). `also_hidden`: figures hidden for
    the sake of other rows, e.g. a second cell of a column whose total is shown.
    """
    hidden = set(also_hidden) | {name for name in COUNTS if 0 < counts[name] < SMALL_CELL}
    if hidden & set(SPLIT):
        hidden |= {"left_site", "still_there"}
    hidden |= {rate for rate, operands in RATES.items() if hidden & set(operands)}
    return frozenset(hidden)


@dataclass
class ReportRow:
    label: str
    enrolled: int = 0
    trained: int = 0
    followed_up: int = 0
    left_site: int = 0
    still_there: int = 0
    # Enrolled in batches that have finished: only they can have completed, so only they make a completion rate.
    enrolled_finished: int = 0
    hidden: frozenset[str] = frozenset()

    @property
    def completion_rate(self) -> int | None:
        return round(100 * self.trained / self.enrolled_finished) if self.enrolled_finished else None

    @property
    def completion_pending(self) -> bool:
        """Nobody here is in a finished batch yet: there is no completion rate, rather than a rate of 0%."""
        return self.enrolled > 0 and not self.enrolled_finished

    @property
    def left_site_rate(self) -> int | None:
        return round(100 * self.left_site / self.followed_up) if self.followed_up else None

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def suppress(self, *also_hidden: str) -> None:
        self.hidden = hidden_figures(self.counts, self.hidden | set(also_hidden))


@dataclass
class ProgramReport:
    program: Program
    batches: list[ReportRow] = field(default_factory=list)
    sites: list[ReportRow] = field(default_factory=list)
    total: ReportRow | None = None
    suppress_small_cells: bool = True

    @property
    def meets_target(self) -> bool | None:
        if self.total is None or "left_site_rate" in self.total.hidden:
            return None
        target, rate = self.program.left_site_target, self.total.left_site_rate
        return None if target is None or rate is None else rate >= target


def suppress_small_cells(tables: list[list[ReportRow]], total: ReportRow) -> None:
    """Hide every figure of the tables (which share `total`) from which a count below SMALL_CELL can be worked out.

    Each row by `hidden_figures`; then each column of each table, with the total, never has exactly one hidden
    cell (it would be the total minus the others): a second one is hidden, the smallest shown, else the total.
    Hiding spreads along rows and columns until nothing changes.
    """
    for row in (*(row for rows in tables for row in rows), total):
        row.suppress()
    changed = True
    while changed:
        changed = False
        for rows in tables:
            for name in COUNTS:
                column = [*rows, total]
                if sum(name in row.hidden for row in column) == 1:
                    _second_to_hide(rows, total, name).suppress(name)
                    changed = True


def _second_to_hide(rows: list[ReportRow], total: ReportRow, name: str) -> ReportRow:
    """The row whose `name` cell to hide beside a column's lone hidden one: the smallest that can move.

    Two hidden cells of a column with its total shown are known as a sum; the hidden small count stays unknown
    only if its partner could be larger or smaller too, i.e. is not pinned by its own row (trained lies between
    followed_up and enrolled, enrolled is at least trained, a half of followed_up at most followed_up).
    """
    shown = [row for row in rows if name not in row.hidden]
    movable = [row for row in shown if _can_move(row, name)]
    if movable:
        return min(movable, key=lambda row: getattr(row, name))
    if name not in total.hidden:
        return total
    return min(shown, key=lambda row: getattr(row, name))


def _can_move(row: ReportRow, name: str) -> bool:
    value = getattr(row, name)
    below, above = {
        "enrolled": (row.trained, None),
        "trained": (row.followed_up, row.enrolled),
        "followed_up": (0, row.trained),
        "left_site": (0, row.followed_up),
        "still_there": (0, row.followed_up),
    }[name]
    return below < value and (above is None or value < above)


def _latest_site_status():
    latest = Outcome.objects.filter(case=OuterRef("case")).order_by("-recorded_on", "-id")
    return Subquery(latest.values("site_status")[:1])


def _counts():
    trained = Q(status__in=TRAINED)
    return {
        "enrolled": Count("id"),
        "trained": Count("id", filter=trained),
        "followed_up": Count("id", filter=trained & Q(latest_site_status__isnull=False)),
        "left_site": Count("id", filter=trained & Q(latest_site_status__in=Outcome.LEFT)),
        "still_there": Count("id", filter=trained & Q(latest_site_status__in=STILL_THERE)),
        "enrolled_finished": Count("id", filter=Q(batch__status=Batch.Status.FINISHED)),
    }


FIGURES = (*COUNTS, "enrolled_finished")


def _taken_part(program: Program) -> QuerySet[Enrollment]:
    """The enrollments the report counts: everyone in the program's batches who took part (or is taking part)."""
    return Enrollment.objects.filter(batch__program=program).exclude(
        status__in=[Enrollment.Status.WITHDRAWN, Enrollment.Status.WAITLISTED]
    )


def report_figures(program: Program) -> tuple[list[dict], list[dict]]:
    """The report's figures per batch and per site, as {label, enrolled, trained, ...} rows in the page's order.

    On PostgreSQL in one statement (`_figures_in_one_pass`); elsewhere (the SQLite demo) by the plain ORM path,
    which gives the same figures.
    """
    if connection.vendor == "postgresql":
        return _figures_in_one_pass(program)
    return _figures_plain(program)


def _figures_plain(program: Program) -> tuple[list[dict], list[dict]]:
    """Two aggregates, each working out every case's latest outcome with a correlated subquery per row: simple,
    and fast enough for a demo's few thousand enrollments."""
    taken_part = _taken_part(program).annotate(latest_site_status=_latest_site_status())
    by_batch = taken_part.values("batch__number").annotate(**_counts()).order_by("batch__number")
    by_site = taken_part.values("case__site__name").annotate(**_counts()).order_by("case__site__name")
    batches = [{"label": str(row.pop("batch__number")), **row} for row in by_batch]
    sites = [{"label": row.pop("case__site__name") or "-", **row} for row in by_site]
    return batches, sites


def _figures_in_one_pass(program: Program) -> tuple[list[dict], list[dict]]:
    """One scan of the program's enrollments for both groupings (GROUPING SETS), each case's latest outcome taken
    once (DISTINCT ON, read in the order of the index outcome_latest_per_case) instead of three correlated
    subqueries per row, and only for the cases the program trained, so a small program reads few outcomes.

    The rows are `_taken_part`'s own SQL, so the report counts exactly what the plain path counts.
    """
    taken = _taken_part(program)
    rows, params = (
        taken.values("case_id", "status", batch_number=F("batch__number"), batch_status=F("batch__status"))
        .annotate(site_name=F("case__site__name"))
        .order_by()
        .query.sql_with_params()
    )
    # order_by(): without it the subquery keeps Enrollment's Meta.ordering, which joins the program to sort by.
    trained_cases, trained_params = (
        taken.filter(status__in=TRAINED).values("case_id").order_by().query.sql_with_params()
    )
    outcome = connection.ops.quote_name(Outcome._meta.db_table)
    # The rows' SQL is Django's and the table name the model's; every value is a placeholder.
    sql = f"""
        SELECT GROUPING(t.batch_number) = 0, t.batch_number, t.site_name,
            count(*),
            count(*) FILTER (WHERE t.status = ANY(%s)),
            count(*) FILTER (WHERE t.status = ANY(%s) AND l.site_status IS NOT NULL),
            count(*) FILTER (WHERE t.status = ANY(%s) AND l.site_status = ANY(%s)),
            count(*) FILTER (WHERE t.status = ANY(%s) AND l.site_status = ANY(%s)),
            count(*) FILTER (WHERE t.batch_status = %s)
        FROM ({rows}) t
        LEFT JOIN (
            SELECT DISTINCT ON (o.case_id) o.case_id, o.site_status
            FROM {outcome} o
            WHERE o.case_id IN ({trained_cases})
            ORDER BY o.case_id, o.recorded_on DESC, o.id DESC
        ) l ON l.case_id = t.case_id
        GROUP BY GROUPING SETS ((t.batch_number), (t.site_name))
        ORDER BY 1 DESC, t.batch_number, t.site_name
    """  # noqa: S608
    trained, left, still = list(TRAINED), list(Outcome.LEFT), list(STILL_THERE)
    figures = (trained, trained, trained, left, trained, still, Batch.Status.FINISHED)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # At millions of enrollments the plan's estimated cost passes jit_above_cost and the inlining and
        # optimizing thresholds, and PostgreSQL spent about a second (issue 15, at 3M) compiling the plan's
        # expressions to machine code for a query that only counts rows: a cost paid on every view of the report
        # and never earned back. SET LOCAL ends with this transaction, so nothing else runs without JIT.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, (*figures, *params, *trained_params))
        result = cursor.fetchall()
    batches, sites = [], []
    for by_batch, number, site, *counts in result:
        if by_batch:
            batches.append({"label": str(number), **dict(zip(FIGURES, counts, strict=True))})
        else:
            sites.append({"label": site or "-", **dict(zip(FIGURES, counts, strict=True))})
    return batches, sites


def program_report(actor, program_id) -> ProgramReport:
    """Per batch and per site of origin: enrolled, trained, followed up, left the site, still there.

    A fixed number of queries whatever the number of enrollments: the program, then the figures
    (`report_figures`). The latest outcome of each case decides where they live now. People who do not run the
    program get the figures with small cells suppressed (`suppress_small_cells`).
    """
    program = access.get_visible(actor, Program, pk=program_id)
    report = ProgramReport(program=program, suppress_small_cells=not access.can_change(actor, program))
    batches, sites = report_figures(program)
    report.batches = [ReportRow(**row) for row in batches]
    report.sites = [ReportRow(**row) for row in sites]
    report.total = ReportRow(
        label="",
        **{key: sum(getattr(row, key) for row in report.batches) for key in FIGURES},
    )
    if report.suppress_small_cells:
        suppress_small_cells([report.batches, report.sites], report.total)
    return report
