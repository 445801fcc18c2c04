"""The one selector every page, chart and export reads figures through (issue 17).

`figure_table(actor, code, rows=..., columns=..., filters=...)` reads the stored figures of one indicator (never
its `compute`: the refresh ran that, agencies.figures_refresh) through the access rule, sums them from the finest
grain by the dimensions asked, names rows and columns in the reader's language, adds row, column and grand totals,
and hands back cells that are either shown, suppressed (with the reason) or incomplete, never a raw number:

- exact for the staff of the office that owns every figure read (agencies.access.figures_exact), suppressed for
  everyone else (agencies.suppression, with the district -> province -> national hierarchy when districts are
  compared across provinces), rounded when SUPPRESSION_ROUNDING is set;
- every cell "incomplete" (never 0) when the last refresh failed, is older than FIGURES_STALE_AFTER_HOURS, or none
  ever finished.

A fixed number of queries whatever the number of rows: the reader's grants (once per request), the last refresh,
the figures, and one per dimension to name (regions, months cost none, each app's resolver one).
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lokal import format_rupiah

from . import access, suppression
from .fastpath.formats import month_label, number_format
from .indicators import (
    Dimension,
    Fact,
    Indicator,
    Unit,
    all_indicators,
    first_of_month,
    indicator,
    labels_of,
    order_of,
    register_labels,
)
from .models import FigureRefresh, Region
from .regions import parent_code_of

SHOWN, SUPPRESSED, INCOMPLETE = "shown", "suppressed", "incomplete"

# Why a cell is not shown, in the reader's words (a title or a footnote beside the "*").
FEWER_THAN_K = gettext_lazy("fewer than %(k)s people")
WORKED_OUT = gettext_lazy("hidden so that a small cell cannot be worked out from the totals")
NOT_UP_TO_DATE = gettext_lazy("the figures are not up to date")


@dataclass(frozen=True)
class Cell:
    state: str  # SHOWN | SUPPRESSED | INCOMPLETE
    value: int | None  # numerator: people, Rupiah or days (None unless shown)
    base: int | None  # denominator of a rate or an average (None unless shown, or not a rate)
    unit: str  # a Unit value
    reason: str = ""  # in words, when not shown

    @property
    def magnitude(self) -> float | None:
        """What a chart draws: the value, a percent of the base, or days per person; None when there is none."""
        if self.state != SHOWN or self.value is None:
            return None
        if self.unit == Unit.PERCENT:
            return 100 * self.value / self.base if self.base else None
        if self.unit == Unit.DAYS:
            return self.value / self.base if self.base else None
        return float(self.value)

    @property
    def display(self) -> str:
        """The cell as a person reads it: "1.234", "Rp5.000.000", "45,5%", "3,2 hari"; "*" when suppressed."""
        if self.state == SUPPRESSED:
            return "*"  # never "<5": a cell hidden beside a small one may be large
        if self.state == INCOMPLETE:
            return _("incomplete")
        if self.unit == Unit.RUPIAH:
            return format_rupiah(self.value)
        if self.unit in (Unit.PERCENT, Unit.DAYS):
            magnitude = self.magnitude
            if magnitude is None:
                return "–"  # nobody to divide by: no rate, rather than 0%
            number = number_format(magnitude, 1)
            return f"{number}%" if self.unit == Unit.PERCENT else _("%(days)s days") % {"days": number}
        return number_format(self.value)


@dataclass(frozen=True)
class Filters:
    period_from: datetime.date | None = None
    period_to: datetime.date | None = None
    province: str | None = None
    district: str | None = None
    program: int | None = None
    target_group: str | None = None


@dataclass
class Table:
    indicator: Indicator
    rows: list[tuple[object, str]]  # (key, label) in display order
    columns: list[tuple[object, str]]  # [(None, the unit's label)] when not cross-tabulated
    cells: dict[tuple[object, object], Cell]
    row_totals: dict[object, Cell]
    column_totals: dict[object, Cell]
    total: Cell
    as_of: datetime.datetime | None  # when the figures were computed (the last refresh that finished)
    complete: bool  # False when the last refresh failed, is too old, or none ever finished
    exact: bool  # True when the reader sees their own office's figures exact
    footnotes: list[str] = field(default_factory=list)  # the reasons of the cells not shown, once each


def catalogue(actor) -> list[Indicator]:
    """The indicators `actor`'s roles may read, in the catalogue's order."""
    if access.is_setup_superuser(actor):
        return all_indicators()
    roles = {grant.role for grant in access.grants_of(actor)}
    return [found for found in all_indicators() if found.roles & roles]


def figures_state() -> tuple[datetime.datetime | None, bool]:
    """(as of, complete): when the figures in store were computed, and whether they are up to date (the last
    finished refresh succeeded, within FIGURES_STALE_AFTER_HOURS). One query; with FIGURES_COMPILED its statement
    is compiled once per process (it depends on nothing but the refreshes' rows) and run prepared."""
    if settings.FIGURES_COMPILED:
        global _state_statement
        if _state_statement is None:
            from .fastpath.statements import compile_values  # not at import: the fast path imports agencies.access

            _state_statement = compile_values(_last_refresh())
        found = _state_statement.rows(limit=1) if _state_statement is not None else _last_refresh()[:1]
        last = found[0] if found else None
    else:
        last = _last_refresh().first()
    if last is None:
        return None, False
    as_of = last["data_as_of"]
    fresh_since = timezone.now() - datetime.timedelta(hours=settings.FIGURES_STALE_AFTER_HOURS)
    complete = last["status"] == FigureRefresh.Status.DONE and as_of is not None and as_of >= fresh_since
    return as_of, complete


def _last_refresh():
    """The last refresh that finished (done or failed), with when the figures in store were computed."""
    done = FigureRefresh.objects.filter(status=FigureRefresh.Status.DONE).order_by("-finished_at", "-id")
    return (
        FigureRefresh.objects.filter(status__in=[FigureRefresh.Status.DONE, FigureRefresh.Status.FAILED])
        .order_by("-finished_at", "-id")
        .annotate(data_as_of=Subquery(done.values("started_at")[:1]))
        .values("status", "data_as_of")
    )


_state_statement = None


def _filtered(queryset, filters: Filters):
    # The reader's choices within their scope (the scope itself is the access rule's): a figure of the present
    # (no month) is not narrowed by a period.
    if filters.period_from is not None:
        queryset = queryset.filter(Q(month__isnull=True) | Q(month__gte=first_of_month(filters.period_from)))
    if filters.period_to is not None:
        queryset = queryset.filter(Q(month__isnull=True) | Q(month__lte=first_of_month(filters.period_to)))
    if filters.province:
        queryset = queryset.filter(district__code__startswith=f"{filters.province}.")
    if filters.district:
        queryset = queryset.filter(district__code=filters.district)
    if filters.program is not None:
        queryset = queryset.filter(program=filters.program)
    if filters.target_group not in (None, ""):
        queryset = queryset.filter(target_group=int(filters.target_group))
    return queryset


def _column(dimension: str) -> str:
    return "district_id" if dimension == Dimension.DISTRICT else dimension


def _months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _axis(dimension: str, keys: set) -> tuple[list, dict]:
    """The keys of one side of the table in order, and their labels: a trend's months in order with none missing
    between the first and the last (a month nobody came in is a 0, not a gap); regions by code; a dimension with an
    order of its own (stages) in that order; anything else by its label; the unknown (None) last."""
    known = {key for key in keys if key is not None}
    if dimension == Dimension.MONTH and known:
        ordered = _months_between(min(known), max(known))
        labels = labels_of(dimension, ordered)
    else:
        labels = labels_of(dimension, known)
        natural = order_of(dimension)
        if dimension == Dimension.DISTRICT:
            ordered = sorted(known)
        elif natural is not None:
            ordered = sorted(known, key=lambda key: (natural(key), str(key)))
        else:
            ordered = sorted(known, key=lambda key: (labels.get(key, str(key)), str(key)))
    return ordered + ([None] if None in keys else []), labels


def _unknown_label(dimension: str) -> str:
    if dimension == Dimension.MONTH:
        return _("Now")  # a figure of the present (cases by stage today) has no month
    if dimension == Dimension.DISTRICT:
        return _("National, not divided by regency/city")
    return _("Not recorded")


def _primary(unit: str, values: dict, k: int) -> list:
    """The keys of `values` whose published or derivable counts of people are small (`_people`, 1..k-1)."""
    if unit == Unit.COUNT:  # the common case, without a list per cell
        return [key for key, (v, _b) in values.items() if v is not None and 0 < v < k]
    return [key for key, (v, b) in values.items() if any(suppression.is_small(n, k) for n in _people(unit, v, b))]


def _people(unit: str, value: int, base: int | None) -> list[int]:
    """The counts of people a cell publishes or lets be worked out: a rate's numerator, base and their difference
    (those who did not), an average's base, a count itself; a sum of Rupiah over people, its people."""
    if unit == Unit.COUNT:
        return [value]
    if unit == Unit.PERCENT:
        return [value, base or 0, (base or 0) - value]
    return [] if base is None else [base]


def _layers(unit: str, values: dict) -> dict | None:
    """The counts of people in every cell that a reader could pin through non-negativity, when there are more than
    the one suppression chooses by (a count, an average's base): a rate's numerator and its complement (those who
    did not); its base, their sum, moves whenever either does (agencies.suppression, 5.)."""
    if unit != Unit.PERCENT:
        return None
    return {
        "numerator": {key: v for key, (v, _b) in values.items()},
        "complement": {key: (b or 0) - v for key, (v, b) in values.items()},
    }


# The keys of the suppression problem: a table's cells, its totals, and (never shown here, published elsewhere)
# its provinces' totals when districts of several provinces are compared.
def _cell_key(row, column):
    return ("cell", row, column)


def _relations(row_keys: list, column_keys: list, row_group, column_group) -> tuple[list, set]:
    """The additive relations between the table's cells and totals; with a grouping of the rows or the columns
    (districts by province), the group totals (published elsewhere, e.g. on the province's own page) and
    theirs. A table without columns has one column, None, whose total is the grand total."""
    R = suppression.Relation
    crossed = column_keys != [None]
    relations = [R(("col", c), tuple(_cell_key(r, c) for r in row_keys)) for c in column_keys]
    if crossed:
        relations += [R(("row", r), tuple(_cell_key(r, c) for c in column_keys)) for r in row_keys]
        relations += [R(("all",), tuple(("row", r) for r in row_keys))]
        relations += [R(("all",), tuple(("col", c) for c in column_keys))]
    elsewhere = set()
    if row_group is not None:
        relations += _grouped(row_keys, column_keys, row_group, elsewhere, crossed, _cell_key, "col", "row")
    if column_group is not None:
        transposed = lambda c, r: _cell_key(r, c)  # noqa: E731
        relations += _grouped(column_keys, row_keys, column_group, elsewhere, True, transposed, "row", "col")
    return relations, elsewhere


def _grouped(
    keys: list, across: list, group_of, elsewhere: set, crossed: bool, cell_of, across_total, key_total
) -> list:
    """Relations of one side's groups: each group's total per key across (a province's total in each month) is
    the sum of its members', and the across-total is the sum of the groups' (and of members in no group)."""
    R = suppression.Relation
    groups = defaultdict(list)
    for key in keys:
        groups[group_of(key)].append(key)
    ungrouped = groups.pop(None, [])
    relations = []
    for group, members in groups.items():
        for a in across:
            relations.append(R((key_total, "group", group, a), tuple(cell_of(m, a) for m in members)))
            elsewhere.add((key_total, "group", group, a))
        if crossed:
            relations.append(R((key_total, "grouptotal", group), tuple((key_total, m) for m in members)))
            relations.append(R((key_total, "grouptotal", group), tuple((key_total, "group", group, a) for a in across)))
            elsewhere.add((key_total, "grouptotal", group))
    for a in across:
        groups_and_rest = (*((key_total, "group", g, a) for g in groups), *(cell_of(m, a) for m in ungrouped))
        relations.append(R((across_total, a), groups_and_rest))
    return relations


def _grouping(dimension: str | None, keys: list):
    """Districts compared across more than one province are grouped by province; nothing else is grouped."""
    if dimension == Dimension.DISTRICT and len({_province_of(key) for key in keys} - {None}) > 1:
        return _province_of
    return None


def _province_of(code):
    return None if code is None else parent_code_of(code)


def figure_table(
    actor,
    code: str,
    *,
    rows: str,
    columns: str | None = None,
    filters: Filters | None = None,
    state: tuple[datetime.datetime | None, bool] | None = None,
    read_before: dict | None = None,
) -> Table:
    """The figures of indicator `code` that `actor` may read, by `rows` (and `columns`), within `filters`.

    `state`: `figures_state()` read once by a page of many tables, so that they all say the same "as of" (a
    refresh finishing between two of them would otherwise mix two) and the page asks it once.
    `read_before`: what `read_together` read in this request for a page's tables; a table not in it is read here.

    Http404 when the indicator is unknown or not one `actor`'s roles read (existence is not revealed); ValueError
    when a dimension asked is not the indicator's.
    """
    filters = filters or Filters()
    try:
        found = indicator(code)
    except KeyError:
        raise Http404(access.NOT_FOUND) from None
    if found not in catalogue(actor):
        raise Http404(access.NOT_FOUND)
    asked = _check_asked(found, rows, columns)
    as_of, complete = figures_state() if state is None else state
    exact = access.figures_exact(actor, found.roles)
    # The database sums to the grain asked; the table is then built as from any facts.
    grouped = (read_before or {}).get((found.code, tuple(asked), filters))
    if grouped is None:
        grouped = _grouped_rows(actor, found, asked, filters)
    summed = [
        Fact({dimension: row[_column(dimension)] for dimension in asked}, row["total_value"], row["total_base"])
        for row in grouped
    ]
    return table_from_facts(found, summed, rows=rows, columns=columns, exact=exact, as_of=as_of, complete=complete)


def _grouped_rows(actor, found: Indicator, asked: list[str], filters: Filters) -> list[dict]:
    """The figures of `found` that `actor` may read within `filters`, summed by the `asked` dimensions' columns.

    With FIGURES_COMPILED (and the access memo), the statement is compiled once per process for the reader's
    grants, the indicator, the dimensions and the filters (everything its SQL depends on), and run as a prepared
    statement (agencies.fastpath.statements): a national page reads some twenty tables, and building each query
    through the ORM and planning it cost more than PostgreSQL takes to sum a table. Off, the ORM every time."""

    if not (settings.FIGURES_COMPILED and settings.ACCESS_MEMO):
        return list(_grouped_query(actor, found, asked, filters))
    statement = _statement(actor, found, asked, filters)
    return list(_grouped_query(actor, found, asked, filters)) if statement is None else statement.rows()


def _grouped_query(actor, found: Indicator, asked: list[str], filters: Filters):
    return (
        _filtered(access.figures_visible_to(actor, found.roles).filter(indicator=found.code), filters)
        .values(*(_column(dimension) for dimension in asked))
        .annotate(total_value=Sum("value"), total_base=Sum("base"))
        .order_by()
    )


def _statement(actor, found: Indicator, asked: list[str], filters: Filters):
    """`_grouped_query` compiled, kept for the reader's grants (FIGURES_COMPILED); None when it cannot be."""
    from .fastpath.statements import compile_values  # not at import: the fast path reads through agencies.access

    what = ("figure_table", found.code, tuple(asked), filters, access.is_setup_superuser(actor))
    return access.remember(
        what, access.grants_of(actor), lambda: compile_values(_grouped_query(actor, found, asked, filters))
    )


def read_together(actor, asks: Iterable[tuple[str, str, str | None, Filters]]) -> dict:
    """What `figure_table` reads for each of `asks` (indicator, rows, columns, filters), all read in one statement
    with FIGURES_BATCHED (and FIGURES_COMPILED), for `figure_table(..., read_before=)`: a page of twenty tables
    reads the figures in one round trip instead of twenty. Each table's own compiled statement (the access rule's
    scope, the indicator, its filters) is one part of a UNION ALL, so every table still reads its own rows, in this
    request. Only the indicators `actor` reads; {} when off or when they cannot be read together (each table is
    then read by `figure_table` itself)."""
    if not (settings.FIGURES_BATCHED and settings.FIGURES_COMPILED and settings.ACCESS_MEMO):
        return {}
    from .fastpath.statements import rows_together

    readable = {found.code for found in catalogue(actor)}
    keys, statements = [], []
    for code, rows, columns, filters in asks:
        found = indicator(code)
        if found.code not in readable:
            continue
        asked = _check_asked(found, rows, columns)
        statement = _statement(actor, found, asked, filters)
        if statement is not None:
            keys.append((found.code, tuple(asked), filters))
            statements.append(statement)
    read = rows_together(statements, _COLUMN_TYPES()) if statements else None
    return {} if read is None else dict(zip(keys, read, strict=True))


def _column_types() -> dict[str, str]:
    """The SQL type of each dimension's column, for the columns a table of `read_together` does not group by."""
    from django.db import connection

    from .models import Figure

    return {_column(name): Figure._meta.get_field(name).db_type(connection) for name in Figure.DIMENSIONS}


_COLUMN_TYPES = functools.cache(_column_types)


def _check_asked(found: Indicator, rows: str, columns: str | None) -> list[str]:
    asked = [rows] if columns is None else [rows, columns]
    if any(dimension not in found.dimensions for dimension in asked) or rows == columns:
        raise ValueError(f"{found.code} cannot be read by {asked}")
    return asked


def table_from_facts(
    found: Indicator,
    facts: Iterable[Fact],
    *,
    rows: str,
    columns: str | None = None,
    exact: bool,
    as_of: datetime.datetime | None,
    complete: bool = True,
) -> Table:
    """The table of `found` by `rows` (and `columns`) summed from the given finest-grain `facts` (e.g. a month's
    figures frozen by an approval, agencies.snapshots) rather than from the stored figures: grouped, named and
    suppressed exactly as `figure_table` does (unless `exact`). The caller has already decided who may read them.

    ValueError when a dimension asked is not the indicator's.
    """
    _check_asked(found, rows, columns)
    sums: dict[tuple, tuple[int, int | None]] = {}
    for fact in facts:
        key = (fact.dims.get(rows), fact.dims.get(columns) if columns else None)
        value, base = sums.get(key, (0, None))
        # As SQL's SUM: the base stays empty only when every fact's base is.
        sums[key] = (value + fact.value, base if fact.base is None else (base or 0) + fact.base)
    return _table(found, sums, rows=rows, columns=columns, exact=exact, as_of=as_of, complete=complete)


def _table(found: Indicator, sums: dict, *, rows: str, columns: str | None, exact: bool, as_of, complete) -> Table:
    """The table of `found` from its sums by (row key, column key): axes named, totals added, cells suppressed
    (unless `exact`) or incomplete (unless `complete`)."""
    row_keys, row_labels = _axis(rows, {r for r, _c in sums})
    column_keys, column_labels = _axis(columns, {c for _r, c in sums}) if columns else ([None], {})

    values = _values(found, sums, row_keys, column_keys)

    hidden = {}
    if not exact and found.about_people:
        row_group, column_group = _grouping(rows, row_keys), _grouping(columns, column_keys)
        relations = elsewhere = None
        if row_group is not None or column_group is not None:
            # The provinces' totals (published elsewhere) may be small themselves: they count as primary too.
            relations, elsewhere = _relations(row_keys, column_keys, row_group, column_group)
            _add_group_totals(values, relations)
        primary = _primary(found.unit, values, settings.SUPPRESSION_K)
        # With no small count there is nothing to hide, and nothing to hide beside it: suppression would return
        # nothing (no hidden cell, so no relation with one, and nothing to solve). Most tables of a national page.
        if primary:
            if relations is None:
                relations, elsewhere = _relations(row_keys, column_keys, None, None)
            chooser = {key: (v if found.unit == Unit.COUNT else (b or 0)) for key, (v, b) in values.items()}
            hidden = suppression.suppress(
                chooser, relations, primary=primary, elsewhere=elsewhere, layers=_layers(found.unit, values)
            )
    rounding = settings.SUPPRESSION_ROUNDING if not exact and found.about_people else 0

    def cell(key) -> Cell:
        value, base = values[key]
        if not complete:
            return Cell(INCOMPLETE, None, None, found.unit, str(NOT_UP_TO_DATE))
        if key in hidden:
            reason = FEWER_THAN_K % {"k": settings.SUPPRESSION_K} if hidden[key] == suppression.PRIMARY else WORKED_OUT
            return Cell(SUPPRESSED, None, None, found.unit, str(reason))
        if rounding and found.unit in (Unit.COUNT, Unit.PERCENT):
            value = suppression.rounded(value, rounding)
            base = None if base is None else suppression.rounded(base, rounding)
        return Cell(SHOWN, value, base if found.unit in (Unit.PERCENT, Unit.DAYS) else None, found.unit)

    cells = {(r, c): cell(_cell_key(r, c)) for r in row_keys for c in column_keys}
    if columns:
        row_totals = {r: cell(("row", r)) for r in row_keys}
        column_totals = {c: cell(("col", c)) for c in column_keys}
        total = cell(("all",))
    else:
        row_totals = {r: cells[(r, None)] for r in row_keys}
        total = cell(("col", None))
        column_totals = {None: total}
    shown_cells = [*cells.values(), *row_totals.values(), *column_totals.values(), total]
    return Table(
        indicator=found,
        rows=[(r, row_labels.get(r) or _unknown_label(rows)) for r in row_keys],
        columns=[(c, column_labels.get(c) or _unknown_label(columns)) for c in column_keys]
        if columns
        else [(None, str(Unit(found.unit).label))],
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
        as_of=as_of,
        complete=complete,
        exact=exact,
        footnotes=list(dict.fromkeys(c.reason for c in shown_cells if c.reason)),
    )


def _values(found: Indicator, sums: dict, row_keys: list, column_keys: list) -> dict:
    """(value, base) of every cell and total of the table; a combination with no figure is 0 (base 0 for a rate)."""
    empty_base = None if found.unit in (Unit.COUNT,) else 0

    def add(a, b):
        return (a[0] + b[0], None if a[1] is None and b[1] is None else (a[1] or 0) + (b[1] or 0))

    zero = (0, empty_base)
    values = {}
    for r in row_keys:
        for c in column_keys:
            found_sum = sums.get((r, c), zero)
            values[_cell_key(r, c)] = (int(found_sum[0] or 0), None if found_sum[1] is None else int(found_sum[1]))
    for r in row_keys:
        values[("row", r)] = _summed(values, [_cell_key(r, c) for c in column_keys], add, zero)
    for c in column_keys:
        values[("col", c)] = _summed(values, [_cell_key(r, c) for r in row_keys], add, zero)
    values[("all",)] = _summed(values, [("col", c) for c in column_keys], add, zero)
    return values


def _summed(values: dict, keys: list, add, zero):
    total = zero
    for key in keys:
        total = add(total, values[key])
    return total


def _add_group_totals(values: dict, relations: list) -> None:
    # The province totals the hierarchy's relations name, summed from their parts (parts before totals: the
    # relations list each group's cells before its row total).
    for relation in relations:
        if relation.total not in values:
            parts = [values[part] for part in relation.parts]
            base = None if all(b is None for _v, b in parts) else sum(b or 0 for _v, b in parts)
            values[relation.total] = (sum(v for v, _b in parts), base)


def _region_names(codes: list) -> dict:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _month_names(months: list) -> dict:
    return {month: month_label(month) for month in months}


register_labels(Dimension.DISTRICT, _region_names)
register_labels(Dimension.MONTH, _month_names)
