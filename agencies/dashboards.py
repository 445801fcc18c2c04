"""The dashboards in the admin (issue 17 item 4): what leadership, province and district staff read, by section.

Every figure comes from `agencies.figures.figure_table` (already scoped by the access rule and suppressed): this
module only chooses which tables a reader's dashboard shows, names its level (national, a province, a district)
from the reader's grants, checks the reader's filters against what they may read, and lays the tables out as
charts with their tables (agencies.charts). The level names the page; what the page holds is the access rule's
(`access.figures_visible_to`, `access.figures_exact`), never a filter by agency of ours.

One page reads the refresh state once and names each dimension's keys once (`labels_kept`), so a national
dashboard asks a fixed number of queries whatever the number of districts and months.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape as _escape
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from . import access, charts
from .fastpath.formats import month_label
from .figures import SHOWN, Cell, Filters, Table, catalogue, figure_table, figures_state, read_together
from .indicators import Dimension, Indicator, Unit, all_indicators, indicator, labels_kept, labels_of, targets_of
from .models import Agency, Region
from .regions import parent_code_of, time_zone_of

NATIONAL, PROVINCE, DISTRICT = "national", "province", "district"
# A comparison chart of more bars than this reads as a wall: it shows the largest, the file has them all.
MOST_BARS = 25
# How far back the period's months go in the filter's choices.
MONTHS_BACK = 36
# The period read when the reader has chosen none: the last two years up to the current month of the office's time
# zone. Every month ever stored would start a trend at the oldest closed case, years of zeros squeezed on a phone;
# the form shows this window as chosen, so the reader sees what is read and can widen it.
DEFAULT_MONTHS = 24


def reader_roles() -> frozenset[str]:
    """Every role some indicator names as its reader: those who have a dashboard."""
    return frozenset().union(*(found.roles for found in all_indicators()))


# The reader's level


@dataclass(frozen=True)
class Reach:
    level: str  # NATIONAL | PROVINCE | DISTRICT
    region_code: str | None
    region_name: str
    zone: str  # the office's time zone, for "data as of"

    @property
    def title(self) -> str:
        if self.level == NATIONAL:
            return _("National dashboard")
        if self.level == PROVINCE:
            return _("Dashboard of %(province)s province") % {"province": self.region_name}
        return _("Dashboard of %(district)s") % {"district": self.region_name}


def reach_of(actor) -> Reach | None:
    """The level of `actor`'s dashboard, from the grants in which they read figures: national for the ministry
    (and anyone whose grants span several regions: the access rule still narrows what they read), a province for
    a province office, a district for a regency/city office. None when they read no figure."""
    grants = [grant for grant in access.grants_of(actor) if grant.role in reader_roles()]
    superuser = access.is_setup_superuser(actor)
    if not grants and not superuser:
        return None
    first_zone = time_zone_of(grants[0].agency.region_id) if grants and grants[0].agency.region_id else "Asia/Jakarta"
    regions = {grant.agency.region for grant in grants}
    if superuser or len(regions) != 1 or any(g.agency.kind == Agency.Kind.MINISTRY for g in grants):
        return Reach(NATIONAL, None, "", first_zone)
    (region,) = regions
    if region.level == Region.Level.PROVINCE:
        return Reach(PROVINCE, region.code, region.name, first_zone)
    if region.level == Region.Level.DISTRICT and region.parent_id:  # a kecamatan office reads its regency's page
        return Reach(DISTRICT, region.parent_id, region.parent.name, first_zone)
    return Reach(DISTRICT, region.code, region.name, first_zone)


# The filters


def month_key(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_of(key: str) -> datetime.date:
    year, month = key.split("-")
    return datetime.date(int(year), int(month), 1)


def months_before(day: datetime.date, back: int) -> datetime.date:
    """The first of the month `back` months before `day`'s."""
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return datetime.date(year, month + 1, 1)


def today_of(reach: Reach) -> datetime.date:
    """Today in the reader's office time zone: what "the current month" is for them."""
    return timezone.localtime(timezone.now(), ZoneInfo(reach.zone)).date()


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(first, last) month read when no period is chosen: DEFAULT_MONTHS months up to `today`'s."""
    return months_before(today, DEFAULT_MONTHS - 1), months_before(today, 0)


def with_default_period(data, today: datetime.date):
    """The GET `data` with the default period when it names no period at all. A period the reader gave, even
    "(any month)" (present, empty), is theirs: that is how every month ever stored is read."""
    if "period_from" in data or "period_to" in data:
        return data
    first, last = default_period(today)
    data = data.copy()  # a request's QueryDict is immutable; its copy is not
    data["period_from"], data["period_to"] = month_key(first), month_key(last)
    return data


@dataclass
class Choices:
    """What the reader may narrow the dashboard to: the provinces, regencies/cities, programs and target groups
    that occur in the figures they may read, and the months of the last three years."""

    months: list[tuple[str, str]]
    provinces: list[tuple[str, str]]
    districts: list[tuple[str, str]]
    programs: list[tuple[str, str]]
    target_groups: list[tuple[str, str]]


def choices_for(actor, reach: Reach, today: datetime.date, *, as_of: datetime.datetime | None = None) -> Choices:
    """Two queries: the keys the reader's figures carry, and their names (regions, programs and target groups,
    through the label seam, which keeps them for the tables that follow). `as_of`: when the stored figures were
    computed (`figures_state()`), under which their keys may be kept (`_figure_keys`)."""
    districts, programs, groups = _figure_keys(actor, as_of)
    provinces = {parent_code_of(code) for code in districts} if reach.level == NATIONAL else set()
    region_names = labels_of(Dimension.DISTRICT, sorted(districts | provinces))
    program_names = labels_of(Dimension.PROGRAM, sorted(programs))
    group_names = labels_of(Dimension.TARGET_GROUP, sorted(groups))
    months = []
    for back in range(MONTHS_BACK):
        day = months_before(today, back)
        months.append((month_key(day), month_label(day)))
    return Choices(
        months=months,
        provinces=[(code, region_names[code]) for code in sorted(provinces)],
        districts=[(code, region_names[code]) for code in sorted(districts)],
        programs=sorted(((str(pk), name) for pk, name in program_names.items()), key=lambda c: c[1]),
        target_groups=[(str(code), name) for code, name in sorted(group_names.items())],
    )


class LeanSelect(forms.Select):
    """A <select> written in Python, the very HTML Django's select templates give: the filters' choices (three
    years of months twice, the country's provinces and regencies/cities) each went through a template include,
    a large part of a national page's drawing. DASHBOARD_LEAN_SELECT off: Django's own templates."""

    def render(self, name, value, attrs=None, renderer=None):
        if not settings.DASHBOARD_LEAN_SELECT:
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{_text(str(option["value"]))}"{_attrs(option["attrs"])}>'
                    f"{_text(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(out))  # noqa: S308 (every text above escaped by _text)


def _text(value) -> str:
    # As `{{ value }}` writes it: localized unless text, then escaped unless already safe (a plain str straight
    # through html.escape, which is what conditional_escape does to one, without its checks).
    if type(value) is str:
        return _escape(value)
    return conditional_escape(localize(value)) if not isinstance(value, str) else conditional_escape(value)


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _figure_keys(actor, as_of: datetime.datetime | None) -> tuple[frozenset, frozenset, frozenset]:
    """(districts, programs, target groups) that the figures `actor` may read carry.

    They change only when a refresh stores new figures, in the transaction that marks it done, so with
    DASHBOARD_CHOICES_MEMO (and the access memo) they are kept per process under the reader's grants and the
    figures' `as_of` (the start of the refresh that computed them): reading them is one pass over every figure
    of the reader's scope, the slowest statement of a national page. Off, or figures never computed: read."""
    if as_of is None or not (settings.DASHBOARD_CHOICES_MEMO and settings.ACCESS_MEMO):
        return _read_figure_keys(actor)
    what = ("dashboard_keys", as_of, access.is_setup_superuser(actor))
    return access.remember(what, access.grants_of(actor), lambda: _read_figure_keys(actor))


def _read_figure_keys(actor) -> tuple[frozenset, frozenset, frozenset]:
    visible = access.figures_visible_to(actor, reader_roles()).order_by()
    # One pass over the figures for the three keys together (a UNION of one SELECT per key read them thrice).
    found = visible.values_list("district_id", "program", "target_group").distinct()
    districts, programs, groups = set(), set(), set()
    for district, program, group in found:
        if district is not None:
            districts.add(district)
        if program is not None:
            programs.add(program)
        if group is not None:
            groups.add(group)
    return frozenset(districts), frozenset(programs), frozenset(groups)


def _blank(label):
    return [("", label)]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, as a GET form: only codes and ids, each checked against what the reader may read."""

    period_from = forms.ChoiceField(widget=LeanSelect, label=gettext_lazy("Period from"), required=False)
    period_to = forms.ChoiceField(widget=LeanSelect, label=gettext_lazy("Period to"), required=False)
    province = forms.ChoiceField(widget=LeanSelect, label=gettext_lazy("Province"), required=False)
    district = forms.ChoiceField(widget=LeanSelect, label=gettext_lazy("Regency/city"), required=False)
    program = forms.ChoiceField(widget=LeanSelect, label=gettext_lazy("Program"), required=False)
    target_group = forms.ChoiceField(widget=LeanSelect, label=gettext_lazy("Target group"), required=False)

    def __init__(self, data, *, reach: Reach, choices: Choices):
        super().__init__(data)
        self.reach = reach
        all_months = _blank(_("(any month)"))
        self.fields["period_from"].choices = all_months + choices.months
        self.fields["period_to"].choices = all_months + choices.months
        self.fields["province"].choices = _blank(_("(all provinces)")) + choices.provinces
        self.fields["district"].choices = _blank(_("(all regencies/cities)")) + choices.districts
        self.fields["program"].choices = _blank(_("(all programs)")) + choices.programs
        self.fields["target_group"].choices = _blank(_("(all target groups)")) + choices.target_groups
        # Only the places below the reader's own level are theirs to choose.
        if reach.level != NATIONAL:
            del self.fields["province"]
        if reach.level == DISTRICT:
            del self.fields["district"]
        for name, form_field in self.fields.items():
            form_field.error_messages["invalid_choice"] = _("%(field)s: there is no such choice for you.") % {
                "field": form_field.label
            }
            form_field.widget.attrs["id"] = f"id_{name}"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("Period to: the end of the period is before its start."))
        province, district = cleaned.get("province"), cleaned.get("district")
        if province and district and parent_code_of(district) != province:
            self.add_error("district", _("Regency/city: it is not in the province chosen."))
        return cleaned

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            period_from=month_of(data["period_from"]) if data.get("period_from") else None,
            period_to=month_of(data["period_to"]) if data.get("period_to") else None,
            province=data.get("province") or None,
            district=data.get("district") or None,
            program=int(data["program"]) if data.get("program") else None,
            target_group=data.get("target_group") or None,
        )

    def described(self) -> list[tuple[str, str]]:
        """The filters given, as a person reads them: (field, choice) in the form's order."""
        return [
            (str(self.fields[name].label), str(dict(self.fields[name].choices).get(value, value)))
            for name, value in self.chosen().items()
        ]

    def chosen(self) -> dict[str, str]:
        """The filters given, by name, as the URL and an export carry them (codes and ids only)."""
        return {name: value for name, value in self.cleaned_data.items() if value}


# The sections


@dataclass
class Panel:
    """One chart with its table, what its figures mean, and the notes a reader needs beside them."""

    title: str
    chart: SafeString
    indicators: list[Indicator]
    # The columns of the file export: the row label's heading, then each series' name; rows of cells.
    category_label: str
    categories: list[str]
    series: list[charts.Series]
    notes: list[str] = field(default_factory=list)  # what a filter did not narrow, targets, a cut chart
    footnotes: list[str] = field(default_factory=list)  # why cells are not shown (Table.footnotes)


@dataclass
class Section:
    key: str
    title: str
    panels: list[Panel]


@dataclass
class Dashboard:
    reach: Reach
    sections: list[Section]
    as_of: datetime.datetime | None
    complete: bool

    @property
    def footnotes(self) -> list[str]:
        return list(dict.fromkeys(note for s in self.sections for p in s.panels for note in p.footnotes))


# (level, the indicators read) -> the (indicator, rows, columns) a dashboard of that kind read (FIGURES_BATCHED).
_PLANS: dict[tuple, tuple[tuple[str, str, str | None], ...]] = {}


class _Reader:
    """Reads the tables of one dashboard: one refresh state, the reader's catalogue, the filters per indicator."""

    def __init__(self, actor, reach: Reach, filters: Filters, state=None):
        self.actor, self.reach, self.filters = actor, reach, filters
        self.state = figures_state() if state is None else state
        self.readable = {found.code for found in catalogue(actor)}
        self.asked: list[tuple[str, str, str | None]] = []
        self.read_before: dict | None = None

    def may_read(self, *codes: str) -> bool:
        return all(code in self.readable for code in codes)

    def filters_of(self, found: Indicator) -> Filters:
        filters = self.filters
        # A filter by a dimension the indicator does not carry would leave nothing: it does not apply there.
        if Dimension.PROGRAM not in found.dimensions:
            filters = dataclasses.replace(filters, program=None)
        if Dimension.TARGET_GROUP not in found.dimensions:
            filters = dataclasses.replace(filters, target_group=None)
        return filters

    def table(self, code: str, rows: str, columns: str | None = None) -> Table:
        if self.read_before is None:
            self.read_before = self._read_together()
        self.asked.append((code, rows, columns))
        filters = self.filters_of(indicator(code))
        read_before = self.read_before
        return figure_table(
            self.actor, code, rows=rows, columns=columns, filters=filters, state=self.state, read_before=read_before
        )

    # FIGURES_BATCHED: the tables a dashboard reads depend on its level and the indicators its reader reads, never on
    # the figures (the sections below ask the same tables whatever they hold). The first page of a kind reads them
    # one by one and notes which; later pages of that kind read them all at their first table, in one statement.
    # A table asked that was not noted is read alone, so a note can make a page slower, never different.
    def _plan_key(self) -> tuple:
        return self.reach.level, frozenset(self.readable)

    def _read_together(self) -> dict:
        planned = _PLANS.get(self._plan_key()) if settings.FIGURES_BATCHED else None
        if not planned:
            return {}
        asks = [(code, rows, columns, self.filters_of(indicator(code))) for code, rows, columns in planned]
        return read_together(self.actor, asks)

    def note_plan(self) -> None:
        if settings.FIGURES_BATCHED and self.asked:
            if len(_PLANS) >= 64:
                _PLANS.clear()
            _PLANS[self._plan_key()] = tuple(dict.fromkeys(self.asked))

    @cached_property
    def place(self) -> str:
        """What places are compared by: regencies/cities above a district, programs within one."""
        return Dimension.PROGRAM if self.reach.level == DISTRICT else Dimension.DISTRICT

    def not_applied(self, *found: Indicator) -> list[str]:
        notes = []
        dims = set().union(*(set(one.dimensions) for one in found))
        if self.filters.program is not None and Dimension.PROGRAM not in dims:
            notes.append(_("These figures are not divided by program: the program chosen does not narrow them."))
        if self.filters.target_group not in (None, "") and Dimension.TARGET_GROUP not in dims:
            notes.append(
                _("These figures are not divided by target group: the target group chosen does not narrow them.")
            )
        return notes


def _footnotes(*tables: Table) -> list[str]:
    return list(dict.fromkeys(note for table in tables for note in table.footnotes))


def _series_of(table: Table) -> tuple[list[str], list[charts.Series]]:
    labels = [str(label) for _key, label in table.rows]
    series = [
        charts.Series(str(column_label), [table.cells[(row, column)] for row, _label in table.rows])
        for column, column_label in table.columns
    ]
    return labels, series


def _largest(labels: list[str], series: list[charts.Series]) -> tuple[list[str], list[charts.Series], bool]:
    """At most MOST_BARS categories, the largest by the first series' drawn figure (hidden ones last)."""
    if len(labels) <= MOST_BARS:
        return labels, series, False
    order = sorted(range(len(labels)), key=lambda i: -(series[0].cells[i].magnitude or -1))[:MOST_BARS]
    order.sort()
    kept = [charts.Series(one.name, [one.cells[i] for i in order]) for one in series]
    return [labels[i] for i in order], kept, True


def _panel(
    title: str,
    kind: str,
    unit: str,
    labels: list[str],
    series: list[charts.Series],
    indicators: list[Indicator],
    *,
    category_label: str,
    notes: list[str],
    footnotes: list[str],
    target: float | None = None,
) -> Panel:
    notes = list(notes)
    shown_labels, shown_series = labels, series
    if kind == "bar":
        shown_labels, shown_series, cut = _largest(labels, series)
        if cut:
            notes.append(
                _("The chart and its table show the %(most)s largest of %(all)s; the downloaded file has them all.")
                % {"most": MOST_BARS, "all": len(labels)}
            )
        chart = charts.bar_chart(
            title=title,
            categories=shown_labels,
            series=shown_series,
            unit=unit,
            target=target,
            category_label=category_label,
        )
    else:
        chart = charts.line_chart(
            title=title, periods=labels, series=series, unit=unit, target=target, category_label=category_label
        )
    return Panel(title, chart, indicators, category_label, labels, series, notes, footnotes)


def _single(reader: _Reader, code: str, rows: str, kind: str, *, title: str | None = None, columns=None) -> Panel:
    table = reader.table(code, rows, columns)
    labels, series = _series_of(table)
    found = table.indicator
    target = found.target_percent if found.unit == Unit.PERCENT else None
    return _panel(
        str(title or found.label),
        kind,
        found.unit,
        labels,
        series,
        [found],
        category_label=str(Dimension(rows).label),
        notes=reader.not_applied(found),
        footnotes=_footnotes(table),
        target=target,
    )


@dataclass
class _Part:
    """One series of a combined chart: its name, the table it comes from, its rows and the cell of each row."""

    name: str
    table: Table
    rows: list[tuple[object, str]]
    cell_of: Callable[[object], Cell | None]
    indicator: Indicator | None = None  # what the series means, when not its table's own indicator

    @property
    def meaning(self) -> Indicator:
        return self.indicator or self.table.indicator


def _part(
    table: Table,
    name: str | None = None,
    transform: Callable[[Cell], Cell] | None = None,
    meaning: Indicator | None = None,
) -> _Part:
    def cell_of(key):
        found = table.cells.get((key, None))
        return found if (found is None or transform is None) else transform(found)

    return _Part(str(name or table.indicator.label), table, list(table.rows), cell_of, meaning)


def _by_columns(table: Table, name: str | None = None) -> _Part:
    """A cross-tabulated table's column totals as a series by its columns (left the site by months after)."""
    return _Part(str(name or table.indicator.label), table, list(table.columns), table.column_totals.get)


def _together(reader: _Reader, title: str, codes: list[str], rows: str, kind: str) -> Panel:
    """Indicators of one unit side by side (a series each)."""
    return _combined(reader, title, [_part(reader.table(code, rows)) for code in codes], rows, kind)


def _combined(reader: _Reader, title: str, parts: list[_Part], rows: str, kind: str, unit: str | None = None) -> Panel:
    """Series of one unit side by side over the union of their rows, in the first's order (months in order)."""
    keys, labels = [], {}
    for part in parts:
        for key, label in part.rows:
            if key not in labels:
                keys.append(key)
                labels[key] = str(label)
    if rows == Dimension.MONTH:
        keys.sort(key=lambda k: (k is None, k or datetime.date.min))
    series = [
        # A row one series has no figure for: as figure_table fills a gap in its own rows (nobody, or no base).
        charts.Series(part.name, [part.cell_of(key) or _nothing(part.table) for key in keys])
        for part in parts
    ]
    found = list(dict.fromkeys(part.meaning for part in parts))
    return _panel(
        title,
        kind,
        unit or parts[0].table.indicator.unit,
        [labels[k] for k in keys],
        series,
        found,
        category_label=str(Dimension(rows).label),
        notes=reader.not_applied(*found),
        footnotes=_footnotes(*(part.table for part in parts)),
    )


def _nothing(table: Table) -> Cell:
    if not table.complete:
        return table.total  # incomplete, with its reason
    unit = table.indicator.unit
    return Cell(SHOWN, 0, 0 if unit in (Unit.PERCENT, Unit.DAYS) else None, unit)


def _parts(cell: Cell, which: str, unit: str) -> Cell:
    """A rate's numerator or base as a figure of its own (`unit`): both are published with the rate, so hidden
    together with it."""
    if cell.state != SHOWN:
        return Cell(cell.state, None, None, unit, cell.reason)
    return Cell(SHOWN, cell.value if which == "value" else cell.base, None, unit)


def _split(reader: _Reader, code: str, rows: str, kind: str, *, title: str, names: tuple[str, str], unit: str):
    """A rate's base and numerator as two series (follow-ups due and done; budget ceiling and paid)."""
    table = reader.table(code, rows)
    labels = [str(label) for _key, label in table.rows]
    cells = [table.cells[(key, None)] for key, _label in table.rows]
    series = [
        charts.Series(names[0], [_parts(cell, "base", unit) for cell in cells]),
        charts.Series(names[1], [_parts(cell, "value", unit) for cell in cells]),
    ]
    return _panel(
        title,
        kind,
        unit,
        labels,
        series,
        [table.indicator],
        category_label=str(Dimension(rows).label),
        notes=reader.not_applied(table.indicator),
        footnotes=_footnotes(table),
    ), table


def _cases(reader: _Reader) -> list[Panel]:
    if not reader.may_read("cases.cases", "cases.intake"):
        return []
    by_place = Dimension.SITE if reader.reach.level == DISTRICT else Dimension.DISTRICT
    return [
        _single(reader, "cases.cases", Dimension.STAGE, "bar", title=_("Cases by stage")),
        _single(reader, "cases.intake", Dimension.MONTH, "line", title=_("Cases registered per month")),
        _single(reader, "cases.cases", Dimension.TARGET_GROUP, "bar", title=_("Cases by target group")),
        _single(
            reader,
            "cases.cases",
            by_place,
            "bar",
            title=_("Cases by site of origin") if by_place == Dimension.SITE else _("Cases by regency/city"),
        ),
    ]


def _training(reader: _Reader) -> list[Panel]:
    codes = ("programs.enrollment", "programs.completion_rate", "programs.attendance_rate")
    if not reader.may_read(*codes, "programs.follow_ups_done", "programs.follow_ups_overdue"):
        return []
    follow_ups, done = _split(
        reader,
        "programs.follow_ups_done",
        Dimension.MONTH,
        "line",
        title=_("Follow-up visits due and done, by the month they fell due"),
        names=(pgettext("follow-up visits", "due"), pgettext("follow-up visits", "done")),
        unit=Unit.COUNT,
    )
    follow_ups.notes.insert(0, _("Done in all: %(rate)s of the visits due.") % {"rate": done.total.display})
    return [
        _single(reader, "programs.enrollment", Dimension.MONTH, "line", title=_("Enrolled in training per month")),
        _together(reader, _("Completion and attendance by program"), list(codes[1:]), Dimension.PROGRAM, "bar"),
        follow_ups,
        _single(
            reader,
            "programs.follow_ups_overdue",
            reader.place,
            "bar",
            title=_("Follow-up visits overdue by program")
            if reader.place == Dimension.PROGRAM
            else _("Follow-up visits overdue by regency/city"),
        ),
    ]


def _outcomes(reader: _Reader) -> list[Panel]:
    codes = ("programs.outcome_left_site", "programs.outcome_business_running", "programs.outcome_bpjs")
    if not reader.may_read(*codes, "programs.outcome_income"):
        return []
    left = reader.table("programs.outcome_left_site", Dimension.PROGRAM, Dimension.MONTHS_AFTER)
    # Left the site by months after is the program table's column totals: read once, published once.
    from_each = _combined(
        reader,
        _("Outcomes by months after completion"),
        [_by_columns(left), *(_part(reader.table(code, Dimension.MONTHS_AFTER)) for code in codes[1:])],
        Dimension.MONTHS_AFTER,
        "bar",
    )
    labels, series = _series_of(left)
    targets = targets_of(Dimension.PROGRAM, [key for key, _label in left.rows])
    notes = reader.not_applied(left.indicator)
    for key, label in left.rows:
        if key in targets:
            notes.append(
                _("Target of %(program)s: %(target)s%% leave the site.") % {"program": label, "target": targets[key]}
            )
    distinct = set(targets.values())
    # One target line when every program shown shares it; otherwise each target is written out in the notes.
    target = distinct.pop() if len(distinct) == 1 and len(targets) == len(left.rows) else None
    against = _panel(
        _("Left the site, by program, against its target"),
        "bar",
        Unit.PERCENT,
        labels,
        series,
        [left.indicator],
        category_label=str(Dimension.PROGRAM.label),
        notes=notes,
        footnotes=_footnotes(left),
        target=target,
    )
    return [
        from_each,
        against,
        _single(
            reader,
            "programs.outcome_income",
            Dimension.OUTCOME,
            "bar",
            columns=Dimension.MONTHS_AFTER,
            title=_("Income band found by the follow-up visits"),
        ),
    ]


def _referrals(reader: _Reader) -> list[Panel]:
    codes = ("cases.referrals_decided", "cases.referral_days_to_decision", "cases.repatriations")
    if not reader.may_read(*codes):
        return []
    return [
        _single(
            reader,
            "cases.referrals_decided",
            Dimension.MONTH,
            "line",
            columns=Dimension.OUTCOME,
            title=_("Referrals answered per month, accepted and declined"),
        ),
        _single(reader, "cases.referral_days_to_decision", Dimension.OUTCOME, "bar", title=_("Days to a decision")),
        _single(reader, "cases.repatriations", Dimension.MONTH, "line", title=_("Repatriations per month")),
    ]


def _budget(reader: _Reader) -> list[Panel]:
    codes = ("funding.ceiling", "funding.committed", "funding.paid", "funding.realization")
    if not reader.may_read(*codes):
        return []
    realized = reader.table("funding.realization", Dimension.SOURCE)
    # The ceiling is the realization's base (both are the allocations' ceilings now): read once.
    ceiling_meaning = indicator("funding.ceiling")
    ceiling = _part(realized, ceiling_meaning.label, lambda cell: _parts(cell, "base", Unit.RUPIAH), ceiling_meaning)
    by_source = [ceiling, *(_part(reader.table(code, Dimension.SOURCE)) for code in codes[1:3])]
    labels, series = _series_of(realized)
    panels = [
        # In Rupiah: the first series is the realization table's base, and that table's own unit is a percent.
        _combined(
            reader,
            _("Ceiling, committed and paid by funding source"),
            by_source,
            Dimension.SOURCE,
            "bar",
            unit=Unit.RUPIAH,
        ),
        _panel(
            _("Realization by funding source"),
            "bar",
            Unit.PERCENT,
            labels,
            series,
            [realized.indicator],
            category_label=str(Dimension.SOURCE.label),
            notes=reader.not_applied(realized.indicator),
            footnotes=_footnotes(realized),
        ),
        _single(reader, "funding.realization", Dimension.PROGRAM, "bar", title=_("Realization by program")),
    ]
    if reader.reach.level != DISTRICT:
        panels.append(
            _single(reader, "funding.realization", Dimension.DISTRICT, "bar", title=_("Realization by regency/city"))
        )
    panels.append(_single(reader, "funding.paid", Dimension.MONTH, "line", title=_("Paid per month of payment")))
    return panels


SECTIONS: list[tuple[str, object, Callable[[_Reader], list[Panel]]]] = [
    ("cases", gettext_lazy("Cases"), _cases),
    ("training", gettext_lazy("Training"), _training),
    ("outcomes", gettext_lazy("Outcomes after training"), _outcomes),
    ("referrals", gettext_lazy("Referrals and repatriation"), _referrals),
    ("budget", gettext_lazy("Budget"), _budget),
]


def dashboard(actor, reach: Reach, filters: Filters, *, state=None) -> Dashboard:
    """The sections of `actor`'s dashboard within `filters`, each panel read through `figure_table`."""
    reader = _Reader(actor, reach, filters, state)
    sections = []
    for key, title, build in SECTIONS:
        panels = build(reader)
        if panels:
            sections.append(Section(key, str(title), panels))
    reader.note_plan()
    as_of, complete = reader.state
    return Dashboard(reach, sections, as_of, complete)


def as_of_text(moment: datetime.datetime | None, zone: str) -> str:
    """ "5 Des 2026 01.00 WIB" in the reader's office zone; empty when the figures were never computed."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(zone))
    from .regions import time_zone_label

    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {time_zone_label(zone)}"


def read(actor, data, *, today: datetime.date | None = None):
    """(reach, form, dashboard) for `actor` and the GET `data`; Http404 when they read no figures. The dashboard
    is None when the filters are not valid (the form says which field). Names are kept for the whole page.
    With no period in `data` the form is given the default period (`with_default_period`): it shows it as chosen,
    and its `chosen()` carries it to the export, so the page, its print and its file read the same months."""
    from django.http import Http404

    reach = reach_of(actor)
    if reach is None or not catalogue(actor):
        raise Http404(access.NOT_FOUND)
    today = today or today_of(reach)
    data = with_default_period(data, today)
    with labels_kept():
        # The figures' state once for the page: the choices are kept under it, every table says the same "as of".
        state = figures_state()
        form = DashboardFilterForm(data, reach=reach, choices=choices_for(actor, reach, today, as_of=state[0]))
        if not form.is_valid():
            return reach, form, None
        return reach, form, dashboard(actor, reach, form.filters(), state=state)
