"""Reads of programs: rosters through the access rule, and the program report computed in the database."""

import datetime
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.sql.datastructures import BaseTable
from django.http import Http404

from agencies import access
from cases.models import Case

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


def batch_for_attendance(actor, pk) -> Batch:
    """The batch `pk` if `actor` may see it, with what `Batch.today` reads; Http404 otherwise."""
    batch = access.visible_to(actor, Batch).select_related("program__region").filter(pk=pk).first()
    if batch is None:
        raise Http404(access.NOT_FOUND)
    return batch


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
        # order_by(): a dict needs no order, and Attendance's ordering joins the session and its batch to sort.
        for a in access.visible_to(actor, Attendance).filter(enrollment__in=roster_rows).order_by()
    }
    today = batch.today()
    begun = [s for s in sessions if s.date <= today]
    enrolled = [e for e in roster_rows if e.status == Enrollment.Status.ENROLLED]
    open_cells = [(e.pk, s.pk) for e in enrolled for s in begun]
    recordable = attendance_recordable(actor, open_cells)
    rows = [
        (e, [GridCell(s, marks.get((e.pk, s.pk)), (e.pk, s.pk) in recordable) for s in sessions]) for e in roster_rows
    ]
    return AttendanceGrid(sessions, rows)


def _numbered(actor, enrollments: list[Enrollment]) -> frozenset[int]:
    """Of the enrollments' cases, those `actor` sees: whose number a roster may show (a partner reads names only)."""
    cases = access.visible_to(actor, Case).filter(pk__in=[e.case_id for e in enrollments])
    return frozenset(cases.values_list("pk", flat=True))


def attendance_recordable(actor, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of the (enrollment id, session id) `cells`, those whose attendance `actor` may record; one statement, which
    writes nothing.

    Who may record mixes the session (its delivering partner), the batch (its organizers) and the case (those
    working it), and the access rule judges Attendance rows, which a cell not yet recorded does not have. So the
    rule's own query for Attendance (access.changeable_by, unchanged) is asked of the candidate cells instead of
    the table: its FROM names a derived table of (enrollment, session) pairs under the table's name. The page
    offers exactly the cells attendance_record would accept, without a second copy of the rule, and a read stays
    a read (it used to write the missing rows in a savepoint and roll them back).
    """
    if not cells:
        return set()
    allowed = access.changeable_by(actor, Attendance).order_by().values_list("enrollment_id", "session_id")
    if allowed.query.is_empty():
        return set()
    enrollments, sessions = sorted({e for e, _s in cells}), sorted({s for _e, s in cells})
    query = allowed.query
    base = query.get_initial_alias()
    query.alias_map[base] = _CandidateCells(query.alias_map[base], enrollments, sessions)
    return set(allowed) & set(cells)


class _CandidateCells(BaseTable):
    """In place of the Attendance table in a query's FROM: every pair of the given enrollments and sessions, as
    the rows attendance_record would write, under the table's own name so the rule's conditions read them as such.

    Only the columns an access rule may name are given (a rule is about scope, never about `present`): a rule
    that named another would fail loudly here rather than answer wrongly.
    """

    def __init__(self, table: BaseTable, enrollments: list[int], sessions: list[int]):
        if table.table_name != Attendance._meta.db_table or table.table_alias != table.table_name:
            raise ValueError("Candidate cells stand in for the Attendance table of a top-level query only.")
        super().__init__(table.table_name, table.table_alias)
        self.enrollments, self.sessions = enrollments, sessions

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        enrollment, session = quote(Enrollment._meta.db_table), quote(Session._meta.db_table)
        sql = (
            f"(SELECT 0 AS {quote('id')}, e.{quote('id')} AS {quote('enrollment_id')}, "  # noqa: S608
            f"s.{quote('id')} AS {quote('session_id')} FROM {enrollment} e CROSS JOIN {session} s "
            f"WHERE e.{quote('id')} IN ({', '.join(['%s'] * len(self.enrollments))}) "
            f"AND s.{quote('id')} IN ({', '.join(['%s'] * len(self.sessions))})) {quote(self.table_alias)}"
        )
        return sql, [*self.enrollments, *self.sessions]

    def relabeled_clone(self, change_map):
        raise NotImplementedError("Candidate cells are not to be reused inside another query.")


# One session at a time, for a trainer's phone


@dataclass
class SheetRow:
    """One person on a session's sheet: the mark stored (None: not yet recorded), or as a refused save sent it."""

    enrollment: Enrollment
    present: bool | None
    editable: bool
    stored: bool | None = None

    @property
    def changed(self) -> bool:
        return self.present != self.stored


@dataclass
class SessionSheet:
    """A batch's attendance as a trainer takes it: one session, its people, what is recorded and what may be."""

    batch: Batch
    sessions: list[Session]  # the batch's sessions `actor` may record, by date
    session: Session | None
    today: datetime.date
    rows: list[SheetRow]
    # The cases whose number `actor` may read (partners: names only, DESIGN §5).
    numbered: frozenset[int] = frozenset()

    @property
    def begun(self) -> bool:
        return self.session is not None and self.session.date <= self.today

    @property
    def editable(self) -> bool:
        return any(row.editable for row in self.rows)

    @property
    def fillable(self) -> bool:
        """Some row may be recorded and is not yet: what "Mark everyone present" fills."""
        return any(row.editable and row.present is None for row in self.rows)

    @property
    def unsaved(self) -> bool:
        """Some row shows a choice that is not what is stored (a refused save sent it back)."""
        return any(row.changed for row in self.rows)

    def _step(self, by: int) -> Session | None:
        at = self.sessions.index(self.session) + by if self.session in self.sessions else -1
        return self.sessions[at] if 0 <= at < len(self.sessions) else None

    @property
    def previous(self) -> Session | None:
        return self._step(-1)

    @property
    def next(self) -> Session | None:
        return self._step(1)

    @property
    def counts(self) -> dict[str, int]:
        marks = [row.stored for row in self.rows]
        return {"present": marks.count(True), "absent": marks.count(False), "unrecorded": marks.count(None)}

    def with_choices(self, choices: dict[int, bool]) -> "SessionSheet":
        """The sheet as a refused save left it: each choosable row as chosen, what is stored beside it."""
        rows = [
            SheetRow(row.enrollment, choices.get(row.enrollment.pk, row.stored), True, row.stored)
            if row.editable
            else row
            for row in self.rows
        ]
        return SessionSheet(self.batch, self.sessions, self.session, self.today, rows, self.numbered)

    def as_saved(self, attendance: dict[int, bool]) -> "SessionSheet":
        """The sheet once `attendance` ({enrollment id: present}) is recorded."""
        rows = [
            SheetRow(
                r.enrollment,
                attendance.get(r.enrollment.pk, r.stored),
                r.editable,
                attendance.get(r.enrollment.pk, r.stored),
            )
            for r in self.rows
        ]
        return SessionSheet(self.batch, self.sessions, self.session, self.today, rows, self.numbered)

    def attendance_to_save(self, choices: dict[int, bool]) -> dict[int, bool]:
        """What a save of the sheet records ({enrollment id: present}): the choices that differ from what is stored.

        A row left without a choice stays not recorded (it is never taken for absent). A choice for a row that
        offered none (withdrawn meanwhile, or not the actor's to record) goes to the service, which refuses it and
        says why.
        """
        stored = {row.enrollment.pk: row for row in self.rows}
        return {
            pk: present
            for pk, present in choices.items()
            if pk not in stored or not stored[pk].editable or stored[pk].stored != present
        }


SHEET_STATUSES = (Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED, Enrollment.Status.NOT_COMPLETED)


def session_sheet(actor, batch: Batch, session_id: int | None = None) -> SessionSheet:
    """The attendance sheet of one session of `batch` for `actor`: `session_id`, else today's (where the batch
    meets), else the latest begun, else the first. Only sessions with a cell `actor` may record are offered (the
    access rule decides: a partner gets the sessions its agency delivers). Raises Http404 for a `session_id` not
    among them. Five statements, whatever the size of the roster.
    """
    today = batch.today()
    sessions = list(batch.sessions.select_related("delivering_agency").order_by("date", "id"))
    # By name: a trainer finds a person on the list by the name they answer to.
    people = list(roster(actor, batch).filter(status__in=SHEET_STATUSES).order_by("case__person__full_name", "id"))
    enrolled = [e.pk for e in people if e.status == Enrollment.Status.ENROLLED]
    recordable = attendance_recordable(actor, [(e, s.pk) for e in enrolled for s in sessions])
    offered = [s for s in sessions if any((e, s.pk) in recordable for e in enrolled)]
    if session_id is not None:
        session = next((s for s in offered if s.pk == session_id), None)
        if session is None:
            raise Http404(access.NOT_FOUND)
    else:
        session = _default_session(offered, today)
    if session is None:
        return SessionSheet(batch, offered, None, today, [])
    marks = dict(
        access.visible_to(actor, Attendance)
        .filter(session=session, enrollment__in=[e.pk for e in people])
        .order_by()
        .values_list("enrollment_id", "present")
    )
    begun = session.date <= today
    rows = [SheetRow(e, marks.get(e.pk), begun and (e.pk, session.pk) in recordable, marks.get(e.pk)) for e in people]
    return SessionSheet(batch, offered, session, today, rows, _numbered(actor, people))


def _default_session(sessions: list[Session], today: datetime.date) -> Session | None:
    todays = [s for s in sessions if s.date == today]
    begun = [s for s in sessions if s.date < today]
    return (todays or begun[-1:] or sessions[:1] or [None])[0]


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
