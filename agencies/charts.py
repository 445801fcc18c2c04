"""Charts drawn on the server as SVG, from cells that are already suppressed (issue 17).

Offices read the dashboards on slow, filtered networks and small phones, so a chart is plain SVG in the page: no
script, nothing fetched from elsewhere, and it prints. Each chart comes with its figures as a real table beside it
(the same `display` texts), so a screen reader, a printout in greyscale and a person who cannot tell the colours
apart all read the same numbers.

A cell is read duck-typed, as `agencies.figures.Cell` defines it: `.state` ("shown" | "suppressed" |
"incomplete"), `.magnitude` (what is drawn), `.display` (the Indonesian text) and `.reason`. Only a shown cell is
drawn; a hidden one is never drawn as zero (a zero would be a figure, and a false one): its bar is left out and
marked, its line has a gap, and every mark carries its reason.

Geometry is computed here in viewBox units and handed to the templates as strings: a float given to a template
would be localized ("12,5", "1.234") and break the SVG. Every label goes through the templates' autoescaping.
The viewBox is 360 units wide, about the width a 390 px phone gives the admin's content, so text drawn at 12
units reads at 12 px there; on a desktop the stylesheet caps the chart's width so the text does not grow large.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from lokal import format_rupiah, format_rupiah_short

from agencies.indicators import Unit

WIDTH = 360
LABEL_SIZE = 12  # category names and value labels
TICK_SIZE = 11
LINE_HEIGHT = 14

SHOWN = "shown"
SUPPRESSED = "suppressed"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Style:
    """How one series is told apart: colour, and a pattern, dash and marker that survive greyscale printing and
    colour blindness (the colours are Okabe and Ito's, chosen so their greys differ too)."""

    colour: str
    pattern: str  # "solid" | "stripes" | "dots" | "cross"
    dash: str  # stroke-dasharray of the series' line; "" for solid
    marker: str  # "circle" | "square" | "triangle" | "diamond"


STYLES = (
    Style("#0b4f8a", "solid", "", "circle"),  # dark blue
    Style("#d55e00", "stripes", "7 3", "square"),  # vermillion
    Style("#56b4e9", "dots", "2 3", "triangle"),  # sky blue
    Style("#009e73", "cross", "10 3 2 3", "diamond"),  # bluish green
)
HIDDEN_COLOUR = "#595959"  # the hatch of a left-out bar, dark enough to print


@dataclass(frozen=True)
class Series:
    """One row of figures in a chart: its name (in the legend and the table's header) and one cell per category
    or period, in the same order."""

    name: str
    cells: Sequence = field(default_factory=list)


# --- numbers ---------------------------------------------------------------------------------------------------


def nice_step(span: float, most: int, *, integer: bool = False) -> float:
    """The smallest step of 1, 2 or 5 × 10^n that divides `span` into at most `most` intervals."""
    raw = span / max(most, 1)
    exponent = math.floor(math.log10(raw)) if raw > 0 else 0
    while True:
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0**exponent
            if integer and step < 1:
                continue
            if span / step <= most + 1e-9:
                return step
        exponent += 1


def nice_ticks(low: float, high: float, *, most: int = 5, integer: bool = False) -> list[float]:
    """Round ticks (1, 2, 5 × 10^n) covering `low`..`high` and zero: every unit drawn here is a count, a share or
    a sum, read against zero, so an axis that starts above zero would make small differences look large."""
    low, high = min(low, high, 0.0), max(low, high, 0.0)
    if high == low:
        high = low + (1 if integer or low == 0 else abs(low))
    step = nice_step(high - low, most, integer=integer)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [_clean(k * step) for k in range(first, last + 1)]


def _clean(value: float) -> float:
    # 3 * 0.1 is 0.30000000000000004; a tick is a short decimal.
    return round(value, 10) + 0.0


def _decimals(step: float) -> int:
    for places in range(6):
        if abs(round(step, places) - step) < 1e-9:
            return places
    return 6


def format_tick(value: float, unit: str, *, step: float = 1) -> str:
    """An axis label the Indonesian way: `1.000`, `12,5%`, `Rp5 jt`, `3 hari`'s `3` (the unit is the axis's)."""
    if unit == Unit.RUPIAH:
        # Rupiah are whole; the short form keeps a phone's axis readable ("Rp800 jt", "Rp1,5 M").
        whole = int(round(value))
        return format_rupiah_short(whole) if abs(whole) >= 1000 else format_rupiah(whole)
    text = number_format(value, decimal_pos=_decimals(step), force_grouping=True)
    return f"{text}%" if unit == Unit.PERCENT else text


def _unit_caption(unit: str) -> str:
    """The axis's unit in words where the ticks do not carry it ("people", "days")."""
    if unit in (Unit.COUNT, Unit.DAYS):
        return str(Unit(unit).label)
    return ""


# --- text ------------------------------------------------------------------------------------------------------

_NARROW = set("iljftrI.,:;!|'()[] ")
_WIDE = set("mwMW%@")


def text_width(text: str, size: float) -> float:
    """An estimate of `text`'s drawn width in a proportional sans-serif, a little generous so labels never touch."""
    units = 0.0
    # Sized for DejaVu Sans, the widest face a phone or a Linux desktop is likely to draw with, plus a margin.
    for char in text:
        if char in _NARROW:
            units += 0.34
        elif char in _WIDE:
            units += 0.95
        elif char.isupper() or char.isdigit():
            units += 0.68
        else:
            units += 0.6
    return units * size * 1.05


def wrap(text: str, width: float, size: float, *, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines no wider than `width`; what does not fit ends in "…" (the full text is in
    the mark's <title> and in the table)."""
    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if not current or text_width(candidate, size) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [_truncate(line, width, size) for line in out]


def _truncate(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _n(value: float) -> str:
    """A coordinate for the SVG: one decimal, a dot, never localized."""
    return f"{value:.1f}".removesuffix(".0")


# --- what both charts share --------------------------------------------------------------------------------------


def _drawn(cell) -> bool:
    return cell.state == SHOWN and cell.magnitude is not None


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    for one in series:
        if len(one.cells) != len(labels):
            raise ValueError(f"series {one.name!r} has {len(one.cells)} cells for {len(labels)} labels")


def _chart_id(kind: str, title: str, labels, series) -> str:
    # Derived from the content, so a page renders the same bytes each time and two charts differ in their ids
    # (the patterns and titles are referenced by id).
    content = repr((kind, title, list(labels), [(s.name, [str(c.display) for c in s.cells]) for s in series]))
    return f"chart-{hashlib.blake2s(content.encode(), digest_size=5).hexdigest()}"


def _notes(series: Sequence[Series]) -> list[dict]:
    """The legend's lines for marks: what a "*" means and why each incomplete figure is not drawn."""
    suppressed: dict[str, list[str]] = {}
    incomplete: dict[tuple[str, str], None] = {}
    for one in series:
        for cell in one.cells:
            if cell.state == SUPPRESSED:
                reasons = suppressed.setdefault(str(cell.display), [])
                if cell.reason and str(cell.reason) not in reasons:
                    reasons.append(str(cell.reason))
            elif not _drawn(cell):
                incomplete[(str(cell.display), str(cell.reason))] = None
    notes = []
    for mark, reasons in suppressed.items():
        text = _("%(mark)s hidden so that no person can be identified") % {"mark": mark}
        notes.append({"kind": SUPPRESSED, "text": text, "reasons": "; ".join(reasons)})
    for mark, reason in incomplete:
        notes.append({"kind": INCOMPLETE, "text": f"{mark}: {reason}" if reason else mark, "reasons": ""})
    return notes


def _hidden_title(series_name: str, label: str, cell) -> str:
    text = f"{series_name}, {label}: {cell.display}" if series_name else f"{label}: {cell.display}"
    return f"{text} ({cell.reason})" if cell.reason else text


def _shown_title(series_name: str, label: str, cell) -> str:
    return f"{series_name}, {label}: {cell.display}" if series_name else f"{label}: {cell.display}"


def _table(*, title: str, labels: Sequence[str], series: Sequence[Series], category_label: str) -> dict:
    rows = []
    for index, label in enumerate(labels):
        cells = []
        for one in series:
            cell = one.cells[index]
            cells.append({"display": cell.display, "hidden": not _drawn(cell), "reason": cell.reason})
        rows.append({"label": label, "cells": cells})
    return {"caption": title, "corner": category_label, "columns": [s.name for s in series], "rows": rows}


def _styles(series: Sequence[Series]) -> list[Style]:
    return [STYLES[index % len(STYLES)] for index in range(len(series))]


def _fill(chart_id: str, number: int, style: Style) -> str:
    return style.colour if style.pattern == "solid" else f"url(#{chart_id}-s{number})"


def _legend(chart_id: str, series: Sequence[Series], styles: Sequence[Style]) -> list[dict]:
    """Each series' name with its swatch: the bar's fill, or the line's dash and marker."""
    return [
        {
            "name": one.name,
            "number": str(number),
            "style": style,
            "fill": _fill(chart_id, number, style),
            "marker": _marker(style.marker, 14, 6),
        }
        for number, (one, style) in enumerate(zip(series, styles, strict=True))
    ]


def _fit_ticks(low: float, high: float, length: float, unit: str, *, size: float, across: bool) -> list[float]:
    """The most ticks (up to 6) whose labels fit `length` without touching: along a horizontal axis the labels'
    widths count, along a vertical one their height."""
    integer = unit in (Unit.COUNT, Unit.RUPIAH)
    for most in (6, 5, 4, 3, 2, 1):
        ticks = nice_ticks(low, high, most=most, integer=integer)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
        spacing = length / max(len(ticks) - 1, 1)
        need = max(text_width(format_tick(t, unit, step=step), size) for t in ticks) + 8 if across else size * 1.6
        if spacing >= need:
            return ticks
    return ticks


def _target(target: float | None, unit: str) -> str:
    if target is None:
        return ""
    step = 1 if float(target).is_integer() else 0.1
    return _("target %(value)s") % {"value": format_tick(float(target), unit, step=step)}


# --- bar chart ---------------------------------------------------------------------------------------------------

BAR_SINGLE = 16  # a bar's thickness when it is the only one in its group
BAR_GROUPED = 12
BAR_GAP = 2
GROUP_GAP = 12
STUB = 10  # the hatched stub that stands where a hidden figure's bar would be


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    target: float | None = None,
    category_label: str = "",
) -> SafeString:
    """Horizontal bars, one group per category and one bar per series (2-3 read well), with the figures' table.

    Each category's name sits on its own line above its bars, so long district and program names keep the whole
    width of a phone; a name too long for two lines ends in "…" and is whole in its <title> and in the table."""
    categories = [str(c) for c in categories]
    series = list(series)
    _check(categories, series)
    chart_id = _chart_id("bar", title, categories, series)
    styles = _styles(series)
    drawn = [cell.magnitude for one in series for cell in one.cells if _drawn(cell)]
    low, high = (min(drawn), max(drawn)) if drawn else (0.0, 1.0)
    if target is not None:
        low, high = min(low, target), max(high, target)

    # Room at the right for the longest value text, so a label never runs off the chart or over a tick.
    longest = max([text_width(str(c.display), LABEL_SIZE) for s in series for c in s.cells] + [0])
    plot_left = 6.0
    plot_right = WIDTH - max(longest + 10, 28)
    ticks = _fit_ticks(low, high, plot_right - plot_left, unit, size=TICK_SIZE, across=True)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    span = ticks[-1] - ticks[0]

    def x(value: float) -> float:
        return plot_left + (value - ticks[0]) / span * (plot_right - plot_left)

    zero = x(0.0)
    thickness = BAR_SINGLE if len(series) == 1 else BAR_GROUPED
    top = 20.0 if target is not None else 4.0
    y = top
    groups = []
    for index, name in enumerate(categories):
        lines = wrap(name, WIDTH - plot_left - 2, LABEL_SIZE)
        label_lines = [{"text": line, "y": _n(y + LINE_HEIGHT * (n + 1) - 3)} for n, line in enumerate(lines)]
        y += LINE_HEIGHT * len(lines) + 2
        bars = []
        for one, style, number in zip(series, styles, range(len(series)), strict=True):
            cell = one.cells[index]
            bar_y = y + number * (thickness + BAR_GAP)
            text_y = _n(bar_y + thickness / 2 + LABEL_SIZE * 0.35)
            if _drawn(cell):
                end = x(cell.magnitude)
                left, right = min(zero, end), max(zero, end)
                bars.append(
                    {
                        "shown": True,
                        "x": _n(left),
                        "y": _n(bar_y),
                        "width": _n(right - left),
                        "height": _n(thickness),
                        "fill": _fill(chart_id, number, style),
                        "stroke": style.colour,
                        "text": cell.display,
                        "text_x": _n(max(zero, end) + 4),
                        "text_y": text_y,
                        "title": _shown_title(one.name if len(series) > 1 else "", name, cell),
                    }
                )
            else:
                bars.append(
                    {
                        "shown": False,
                        "x": _n(zero),
                        "y": _n(bar_y),
                        "width": _n(STUB),
                        "height": _n(thickness),
                        "fill": f"url(#{chart_id}-hidden)" if cell.state == SUPPRESSED else "none",
                        "dashed": cell.state != SUPPRESSED,
                        "stroke": HIDDEN_COLOUR,
                        "text": cell.display,
                        "text_x": _n(zero + STUB + 4),
                        "text_y": text_y,
                        "title": _hidden_title(one.name if len(series) > 1 else "", name, cell),
                        "state": cell.state,
                    }
                )
        y += len(series) * (thickness + BAR_GAP) - BAR_GAP + GROUP_GAP
        groups.append({"name": name, "lines": label_lines, "bars": bars})

    axis_y = y - GROUP_GAP + 6
    caption = _unit_caption(unit)
    tick_marks = []
    for tick in ticks:
        tx = x(tick)
        label = format_tick(tick, unit, step=step)
        half = text_width(label, TICK_SIZE) / 2
        anchor = "start" if tx - half < 0 else "end" if tx + half > WIDTH else "middle"
        tick_marks.append({"x": _n(tx), "label": label, "anchor": anchor, "zero": tick == 0})
    height = axis_y + TICK_SIZE + 8 + (LINE_HEIGHT if caption else 0)
    context = {
        "id": chart_id,
        "title": title,
        "desc": _("Bar chart of %(categories)s for %(count)s categories; the figures are in the table with it.")
        % {"categories": ", ".join(s.name for s in series) or title, "count": len(categories)},
        "width": _n(WIDTH),
        "height": _n(height),
        "series": _legend(chart_id, series, styles),
        "legend": len(series) > 1,
        "groups": groups,
        "plot_top": _n(top),
        "axis_y": _n(axis_y),
        "axis_x1": _n(plot_left),
        "axis_x2": _n(plot_right),
        "tick_y": _n(axis_y + TICK_SIZE + 4),
        "ticks": tick_marks,
        "zero": _n(zero),
        "caption": caption,
        "caption_x": _n(plot_right),
        "caption_y": _n(axis_y + TICK_SIZE + 4 + LINE_HEIGHT),
        "target": _target_bar(target, unit, x, top, axis_y),
        "notes": _notes(series),
        "table": _table(title=title, labels=categories, series=series, category_label=category_label),
        "empty": not categories or not series,
    }
    return SafeString(render_to_string("agencies/charts/bar_chart.html", context))


def _target_bar(target, unit, x, top, axis_y) -> dict | None:
    if target is None:
        return None
    tx = x(float(target))
    label = _target(target, unit)
    anchor = "end" if tx + text_width(label, TICK_SIZE) > WIDTH else "start"
    return {
        "x": _n(tx),
        "y1": _n(top - 4),
        "y2": _n(axis_y),
        "label": label,
        "label_x": _n(tx + (-3 if anchor == "end" else 3)),
        "label_y": _n(top - 8),
        "anchor": anchor,
    }


# --- line chart --------------------------------------------------------------------------------------------------

PLOT_HEIGHT = 170
MARKER = 3.5


def line_chart(
    *,
    title: str,
    periods: Sequence[str],
    series: Sequence[Series],
    unit: str,
    target: float | None = None,
    category_label: str = "",
) -> SafeString:
    """A trend by period ("Des 2026"), one line per series; a hidden figure breaks the line and its period is
    marked by a hatched band that says why. `target` draws a dashed line ("target 20%")."""
    periods = [str(p) for p in periods]
    series = list(series)
    _check(periods, series)
    chart_id = _chart_id("line", title, periods, series)
    styles = _styles(series)
    drawn = [cell.magnitude for one in series for cell in one.cells if _drawn(cell)]
    low, high = (min(drawn), max(drawn)) if drawn else (0.0, 1.0)
    if target is not None:
        low, high = min(low, target), max(high, target)

    caption = _unit_caption(unit)
    plot_top = 24.0 if caption else 10.0  # the unit's word ("people") above the axis, clear of its top tick
    plot_bottom = plot_top + PLOT_HEIGHT
    ticks = _fit_ticks(low, high, PLOT_HEIGHT, unit, size=TICK_SIZE, across=False)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    span = ticks[-1] - ticks[0]
    tick_labels = [format_tick(t, unit, step=step) for t in ticks]
    plot_left = max(text_width(t, TICK_SIZE) for t in tick_labels) + 10
    plot_right = WIDTH - 6.0
    slot = (plot_right - plot_left) / max(len(periods), 1)

    def x(index: int) -> float:
        return plot_left + slot * (index + 0.5)

    def y(value: float) -> float:
        return plot_bottom - (value - ticks[0]) / span * PLOT_HEIGHT

    lines = []
    for one, style in zip(series, styles, strict=True):
        runs, run, points = [], [], []
        for index, cell in enumerate(one.cells):
            if _drawn(cell):
                px, py = x(index), y(cell.magnitude)
                run.append(f"{_n(px)},{_n(py)}")
                points.append(
                    {
                        "x": _n(px),
                        "y": _n(py),
                        "shape": _marker(style.marker, px, py),
                        "title": _shown_title(one.name if len(series) > 1 else "", periods[index], cell),
                    }
                )
            elif run:
                runs.append(" ".join(run))
                run = []
        if run:
            runs.append(" ".join(run))
        lines.append({"name": one.name, "style": style, "runs": runs, "points": points, "marker": style.marker})

    bands = []
    band_width = min(slot * 0.7, 22)
    for index, period in enumerate(periods):
        hidden = [(one, one.cells[index]) for one in series if not _drawn(one.cells[index])]
        if not hidden:
            continue
        marks = {str(cell.display) for _one, cell in hidden}
        suppressed = any(cell.state == SUPPRESSED for _one, cell in hidden)
        bands.append(
            {
                "x": _n(x(index) - band_width / 2),
                "width": _n(band_width),
                "center": _n(x(index)),
                "mark": marks.pop() if len(marks) == 1 else "*",
                "suppressed": suppressed,
                "titles": [_hidden_title(one.name if len(series) > 1 else "", period, cell) for one, cell in hidden],
                "text_y": _n(plot_bottom - 6),
            }
        )

    tick_marks = [
        {"y": _n(y(t)), "label": label, "zero": t == 0, "text_y": _n(y(t) + TICK_SIZE * 0.35)}
        for t, label in zip(ticks, tick_labels, strict=True)
    ]
    period_marks = _period_labels(periods, x, slot, plot_bottom)
    target_mark = None
    if target is not None:
        ty = y(float(target))
        # Labelled at the left, where a trend's lines usually start low; the legend names it too.
        target_mark = {
            "y": _n(ty),
            "label": _target(target, unit),
            "label_x": _n(plot_left + 3),
            "label_y": _n(ty - 4),
            "x1": _n(plot_left),
            "x2": _n(plot_right),
        }
    height = plot_bottom + 2 * LINE_HEIGHT + 8
    context = {
        "id": chart_id,
        "title": title,
        "desc": _("Line chart of %(series)s from %(first)s to %(last)s; the figures are in the table with it.")
        % {
            "series": ", ".join(s.name for s in series) or title,
            "first": periods[0] if periods else "",
            "last": periods[-1] if periods else "",
        },
        "width": _n(WIDTH),
        "height": _n(height),
        "series": _legend(chart_id, series, styles),
        "legend": len(series) > 1 or target is not None,
        "legend_target": _target(target, unit),
        "lines": lines,
        "bands": bands,
        "plot_left": _n(plot_left),
        "plot_right": _n(plot_right),
        "plot_top": _n(plot_top),
        "plot_bottom": _n(plot_bottom),
        "plot_height": _n(PLOT_HEIGHT),
        "ticks": tick_marks,
        "tick_x": _n(plot_left - 5),
        "periods": period_marks,
        "caption": caption,
        "caption_x": _n(2),
        "caption_y": _n(plot_top - 12),
        "target": target_mark,
        "notes": _notes(series),
        "table": _table(title=title, labels=periods, series=series, category_label=category_label),
        "empty": not periods or not series,
    }
    return SafeString(render_to_string("agencies/charts/line_chart.html", context))


def _marker(shape: str, cx: float, cy: float) -> dict:
    """A series' marker at a point: its own shape, so lines are told apart without colour."""
    r = MARKER
    if shape == "circle":
        return {"tag": "circle", "r": _n(r)}
    if shape == "square":
        return {"tag": "rect", "x": _n(cx - r), "y": _n(cy - r), "size": _n(2 * r)}
    if shape == "triangle":
        corners = [(cx, cy - r * 1.2), (cx + r * 1.1, cy + r * 0.8), (cx - r * 1.1, cy + r * 0.8)]
    else:
        corners = [(cx, cy - r * 1.3), (cx + r * 1.3, cy), (cx, cy + r * 1.3), (cx - r * 1.3, cy)]
    return {"tag": "polygon", "points": " ".join(f"{_n(a)},{_n(b)}" for a, b in corners)}


def _period_labels(periods: Sequence[str], x, slot: float, plot_bottom: float) -> list[dict]:
    """The x axis's labels: "Des 2026" drawn as "Des" with "2026" under it only where the year changes, and only
    every n-th period when a phone's width cannot hold them all."""
    heads, tails = [], []
    for period in periods:
        head, _space, tail = period.rpartition(" ")
        heads.append(head or tail)
        tails.append(tail if head else "")
    widest = max((text_width(h, TICK_SIZE) for h in heads), default=0)
    every = max(1, math.ceil((widest + 6) / slot)) if slot else 1
    marks, last_tail = [], None
    for index in range(0, len(periods), every):
        tail = tails[index]
        marks.append(
            {
                "x": _n(x(index)),
                "head": heads[index],
                "tail": tail if tail != last_tail else "",
                "head_y": _n(plot_bottom + TICK_SIZE + 4),
                "tail_y": _n(plot_bottom + TICK_SIZE + 4 + LINE_HEIGHT),
                "title": periods[index],
            }
        )
        last_tail = tail
    return marks


# --- from a figures table -----------------------------------------------------------------------------------------


def _table_series(table) -> tuple[list[str], list[Series]]:
    """`agencies.figures.Table`'s rows as the chart's categories and its columns as series (duck-typed)."""
    labels = [str(label) for _key, label in table.rows]
    series = [
        Series(name=str(column_label), cells=[table.cells[(row_key, column_key)] for row_key, _label in table.rows])
        for column_key, column_label in table.columns
    ]
    return labels, series


def bar_chart_of(table, *, title: str | None = None, category_label: str = "") -> SafeString:
    """A comparison chart of a figures table: its rows are the bars' categories, its columns the series."""
    labels, series = _table_series(table)
    indicator = table.indicator
    return bar_chart(
        title=str(title or indicator.label),
        categories=labels,
        series=series,
        unit=indicator.unit,
        target=indicator.target_percent if indicator.unit == Unit.PERCENT else None,
        category_label=category_label,
    )


def line_chart_of(table, *, title: str | None = None, category_label: str = "") -> SafeString:
    """A trend chart of a figures table whose rows are months."""
    labels, series = _table_series(table)
    indicator = table.indicator
    return line_chart(
        title=str(title or indicator.label),
        periods=labels,
        series=series,
        unit=indicator.unit,
        target=indicator.target_percent if indicator.unit == Unit.PERCENT else None,
        category_label=category_label or _("Month"),
    )
