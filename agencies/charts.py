"""Charts drawn on the server as SVG, from cells that are already suppressed (issue 17).

Offices read the dashboards on slow, filtered networks and small phones, so a chart is plain SVG in the page: no
script, nothing fetched from elsewhere, and it prints. Each chart comes with its figures as a real table beside it
(the same `display` texts), so a screen reader, a printout in greyscale and a person who cannot tell the colours
apart all read the same numbers.

A cell is read duck-typed, as `agencies.figures.Cell` defines it: `.state` ("shown" | "suppressed" |
"incomplete"), `.magnitude` (what is drawn), `.display` (the Indonesian text) and `.reason`. Only a shown cell is
drawn; a hidden one is never drawn as zero (a zero would be a figure, and a false one): its bar is left out and
marked, its line has a gap, and every mark carries its reason.

The SVG, its legend and its table are written here as strings, not through templates: a national dashboard draws
some twenty charts of hundreds of marks, and a template include per bar, point and row cost more than reading the
figures. Coordinates are formatted by `_n` (one decimal, a dot: never localized, which would break the SVG) and
every text goes through `_e`, the escaping a template's `{{ value }}` applies.
The viewBox is 360 units wide, about the width a 390 px phone gives the admin's content, so text drawn at 12
units reads at 12 px there; on a desktop the stylesheet caps the chart's width so the text does not grow large.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape as _escape

from django.conf import settings
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from lokal import format_rupiah, format_rupiah_short

from agencies.fastpath.formats import number_format
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
    text = number_format(value, _decimals(step))
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
    """An estimate of `text`'s drawn width in a proportional sans-serif, a little generous so labels never touch.
    Kept per text and size with DASHBOARD_FORMAT_MEMO: a page measures the same ticks and names many times over."""
    if not settings.DASHBOARD_FORMAT_MEMO:
        return _text_width(text, size)
    key = (text, size)
    try:
        return _widths[key]
    except KeyError:
        pass
    if len(_widths) >= 20_000:
        _widths.clear()
    width = _widths[key] = _text_width(text, size)
    return width


_widths: dict[tuple[str, float], float] = {}


def _text_width(text: str, size: float) -> float:
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
    content = repr((kind, title, list(labels), [(s.name, s.texts) for s in series]))
    return f"chart-{hashlib.blake2s(content.encode(), digest_size=5).hexdigest()}"


def _e(value) -> str:
    """`value` as text in the page, escaped exactly as a template's `{{ value }}` would be: a plain string through
    `html.escape`, anything else (a lazy translation, a SafeString, a number) as Django's autoescaping does."""
    if type(value) is str:
        return _escape(value)
    return render_value_in_context(value, _AUTOESCAPED)


_AUTOESCAPED = Context(autoescape=True)


@dataclass(frozen=True)
class _Drawn:
    """One series as the drawing reads it: its cells with each one's text read once (a cell's `display` formats
    its number anew on every read)."""

    name: str
    cells: list
    displays: list  # each cell's `display`, as given
    texts: list[str]  # str() of each


def _drawn_series(series: Sequence[Series]) -> list[_Drawn]:
    drawn = []
    for one in series:
        cells = list(one.cells)
        displays = [cell.display for cell in cells]
        drawn.append(_Drawn(one.name, cells, displays, [str(d) for d in displays]))
    return drawn


def _notes(chart_id: str, series: Sequence[_Drawn]) -> str:
    """The legend's lines for marks: what a "*" means and why each incomplete figure is not drawn."""
    suppressed: dict[str, list[str]] = {}
    incomplete: dict[tuple[str, str], None] = {}
    for one in series:
        for cell, text in zip(one.cells, one.texts, strict=True):
            if cell.state == SUPPRESSED:
                reasons = suppressed.setdefault(text, [])
                if cell.reason and str(cell.reason) not in reasons:
                    reasons.append(str(cell.reason))
            elif not _drawn(cell):
                incomplete[(text, str(cell.reason))] = None
    notes = []
    for mark, reasons in suppressed.items():
        text = _("%(mark)s hidden so that no person can be identified") % {"mark": mark}
        notes.append((SUPPRESSED, text, "; ".join(reasons)))
    for mark, reason in incomplete:
        notes.append((INCOMPLETE, f"{mark}: {reason}" if reason else mark, ""))
    if not notes:
        return "\n\n"
    out = ['\n<ul class="chart-notes">']
    for kind, text, reasons in notes:
        out.append(
            '\n<li><svg class="chart-swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"'
            ' focusable="false">'
        )
        if kind == SUPPRESSED:
            out.append(
                f'<rect x="0.5" y="0.5" width="11" height="11" fill="url(#{_e(chart_id)}-hidden)" stroke="#595959"/>'
            )
        else:
            out.append(
                '<rect x="0.5" y="0.5" width="11" height="11" fill="none" stroke="#595959" stroke-dasharray="2 2"/>'
            )
        out.append(f"</svg>{_e(text)}")
        if reasons:
            out.append(f" ({_e(reasons)})")
        out.append("</li>")
    out.append("\n</ul>\n")
    return "".join(out)


def _hidden_title(series_name: str, label: str, cell, display) -> str:
    text = f"{series_name}, {label}: {display}" if series_name else f"{label}: {display}"
    return f"{text} ({cell.reason})" if cell.reason else text


def _shown_title(series_name: str, label: str, display) -> str:
    return f"{series_name}, {label}: {display}" if series_name else f"{label}: {display}"


def _table(*, title: str, labels: Sequence[str], series: Sequence[_Drawn], category_label: str) -> str:
    """The chart's figures as a table, for screen readers and for anyone who wants the numbers: the same texts."""
    out = [f'\n<div class="chart-data">\n<table class="chart-table">\n<caption>{_e(title)}</caption>\n<thead><tr>']
    out.append(f'<th scope="col">{_e(category_label)}</th>' if category_label else '<td class="chart-corner"></td>')
    out.extend(f'<th scope="col">{_e(one.name)}</th>' for one in series)
    out.append("</tr></thead>\n<tbody>")
    for index, label in enumerate(labels):
        out.append(f'\n<tr><th scope="row">{_e(label)}</th>')
        for one in series:
            cell, display = one.cells[index], _e(one.displays[index])
            if _drawn(cell):
                out.append(f"<td>{display}</td>")
            elif cell.reason:
                reason = _e(cell.reason)
                out.append(
                    f'<td class="chart-hidden"><span title="{reason}">{display}</span>'
                    f'<span class="chart-sr"> ({reason})</span></td>'
                )
            else:
                out.append(f'<td class="chart-hidden"><span title="{_e(cell.reason)}">{display}</span></td>')
        out.append("</tr>")
    out.append("\n</tbody>\n</table>\n</div>\n")
    return "".join(out)


def _styles(series: Sequence) -> list[Style]:
    return [STYLES[index % len(STYLES)] for index in range(len(series))]


def _fill(chart_id: str, number: int, style: Style) -> str:
    return style.colour if style.pattern == "solid" else f"url(#{chart_id}-s{number})"


def _defs(chart_id: str, styles: Sequence[Style]) -> str:
    """The series' fills and the hatch of a hidden figure; ids carry the chart's, so charts on one page never
    share."""
    chart_id = _e(chart_id)
    out = ["\n<defs>"]
    for number, style in enumerate(styles):
        if style.pattern == "solid":
            continue
        rotate = "" if style.pattern == "dots" else ' patternTransform="rotate(45)"'
        out.append(
            f'\n<pattern id="{chart_id}-s{number}" patternUnits="userSpaceOnUse" width="6" height="6"{rotate}>\n'
            f'<rect width="6" height="6" fill="{_e(style.colour)}"/>'
        )
        if style.pattern == "stripes":
            out.append('\n<line x1="1" y1="0" x2="1" y2="6" stroke="#ffffff" stroke-width="2"/>')
        elif style.pattern == "dots":
            out.append('\n<circle cx="3" cy="3" r="1.2" fill="#1a1a1a"/>')
        else:
            out.append(
                '\n<line x1="1" y1="0" x2="1" y2="6" stroke="#ffffff" stroke-width="1.5"/>'
                '<line x1="0" y1="4" x2="6" y2="4" stroke="#ffffff" stroke-width="1.5"/>'
            )
        out.append("\n</pattern>")
    out.append(
        f'\n<pattern id="{chart_id}-hidden" patternUnits="userSpaceOnUse" width="4" height="4"'
        ' patternTransform="rotate(45)">\n'
        '<rect width="4" height="4" fill="#ffffff"/><line x1="1" y1="0" x2="1" y2="4" stroke="#595959"'
        ' stroke-width="1.5"/>\n</pattern>\n'
        f'<pattern id="{chart_id}-band" patternUnits="userSpaceOnUse" width="6" height="6"'
        ' patternTransform="rotate(45)">\n'
        '<rect width="6" height="6" fill="#f4f4f4"/><line x1="1" y1="0" x2="1" y2="6" stroke="#b3b3b3"'
        ' stroke-width="1"/>\n</pattern>\n</defs>\n'
    )
    return "".join(out)


def _legend(chart_id: str, kind: str, series: Sequence[_Drawn], styles: Sequence[Style], target: str = "") -> str:
    """Each series' name with its swatch (the bar's fill, or the line's dash and marker), told apart by pattern,
    dash and marker as well as colour; the swatches reuse the chart's own fills."""
    out = ['\n<ul class="chart-legend">']
    for number, (one, style) in enumerate(zip(series, styles, strict=True)):
        colour = _e(style.colour)
        if kind == "bar":
            out.append(
                '\n<li><svg class="chart-swatch" width="16" height="12" viewBox="0 0 16 12" aria-hidden="true"'
                f' focusable="false"><rect x="0.5" y="0.5" width="15" height="11"'
                f' fill="{_e(_fill(chart_id, number, style))}" stroke="{colour}"/></svg>'
            )
        else:
            dash = f' stroke-dasharray="{_e(style.dash)}"' if style.dash else ""
            out.append(
                '\n<li><svg class="chart-swatch" width="28" height="12" viewBox="0 0 28 12" aria-hidden="true"'
                f' focusable="false"><line x1="0" y1="6" x2="28" y2="6" stroke="{colour}" stroke-width="2"{dash}/>'
                f"{_marker(style.marker, 14, 6, colour, '14', '6')}</svg>"
            )
        out.append(f"{_e(one.name)}</li>")
    if target:
        out.append(
            '\n<li><svg class="chart-swatch" width="28" height="12" viewBox="0 0 28 12" aria-hidden="true"'
            ' focusable="false"><line x1="0" y1="6" x2="28" y2="6" stroke="#1a1a1a" stroke-width="1.5"'
            f' stroke-dasharray="5 3"/></svg>{_e(target)}</li>'
        )
    out.append("\n</ul>\n")
    return "".join(out)


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


def _figure(kind: str, chart_id: str, title: str, body: str | None) -> SafeString:
    """The chart's <figure>: its title, then the drawing with its notes and its table, or a line saying there are
    no figures."""
    head = (
        f'\n<figure class="chart chart-{kind}" id="{_e(chart_id)}">\n'
        f'<figcaption class="chart-title">{_e(title)}</figcaption>\n'
    )
    if body is None:
        body = f'<p class="chart-empty">{_e(_("No figures for this selection."))}</p>'
    return SafeString(f"{head}{body}\n</figure>\n")


def _svg_open(chart_id: str, width: str, height: str, title: str, desc: str) -> str:
    chart_id = _e(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="12">\n'
        f'<title id="{chart_id}-title">{_e(title)}</title>\n<desc id="{chart_id}-desc">{_e(desc)}</desc>\n'
    )


# --- bar chart ---------------------------------------------------------------------------------------------------

BAR_SINGLE = 16  # a bar's thickness when it is the only one in its group
BAR_GROUPED = 12
BAR_GAP = 2
GROUP_GAP = 12
STUB = 10  # the hatched stub that stands where a hidden figure's bar would be
DASHED = ' stroke-dasharray="2 2"'  # the outline of an incomplete figure's stub


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
    drawn_series = _drawn_series(series)
    chart_id = _chart_id("bar", title, categories, drawn_series)
    if not categories or not series:
        return _figure("bar", chart_id, title, None)
    styles = _styles(series)
    drawn = [cell.magnitude for one in series for cell in one.cells if _drawn(cell)]
    low, high = (min(drawn), max(drawn)) if drawn else (0.0, 1.0)
    if target is not None:
        low, high = min(low, target), max(high, target)

    # Room at the right for the longest value text, so a label never runs off the chart or over a tick.
    longest = max([text_width(text, LABEL_SIZE) for s in drawn_series for text in s.texts] + [0])
    plot_left = 6.0
    plot_right = WIDTH - max(longest + 10, 28)
    ticks = _fit_ticks(low, high, plot_right - plot_left, unit, size=TICK_SIZE, across=True)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    span = ticks[-1] - ticks[0]

    def x(value: float) -> float:
        return plot_left + (value - ticks[0]) / span * (plot_right - plot_left)

    zero = x(0.0)
    thickness = BAR_SINGLE if len(series) == 1 else BAR_GROUPED
    height_text = _n(thickness)
    top = 20.0 if target is not None else 4.0
    y = top
    fills = [_e(_fill(chart_id, number, style)) for number, style in enumerate(styles)]
    strokes = [_e(style.colour) for style in styles]
    hatch = f"url(#{_e(chart_id)}-hidden)"
    named = len(series) > 1
    groups = []
    for index, name in enumerate(categories):
        lines = wrap(name, WIDTH - plot_left - 2, LABEL_SIZE)
        out = [
            '<g class="chart-group">\n<text class="chart-category" fill="#1a1a1a" stroke="#ffffff"'
            ' stroke-width="3" paint-order="stroke">'
        ]
        if len(lines) > 1 or (lines[0] if lines else None) != name:
            out.append(f"<title>{_e(name)}</title>")
        for n, line in enumerate(lines):
            out.append(f'<tspan x="6" y="{_n(y + LINE_HEIGHT * (n + 1) - 3)}">{_e(line)}</tspan>')
        out.append("</text>\n")
        y += LINE_HEIGHT * len(lines) + 2
        for number, one in enumerate(drawn_series):
            cell, display = one.cells[index], one.displays[index]
            bar_y = _n(y + number * (thickness + BAR_GAP))
            text_y = _n(y + number * (thickness + BAR_GAP) + thickness / 2 + LABEL_SIZE * 0.35)
            if _drawn(cell):
                end = x(cell.magnitude)
                left, right = min(zero, end), max(zero, end)
                out.append(
                    f'<g class="chart-bar-shown"><title>{_e(_shown_title(one.name if named else "", name, display))}'
                    f'</title>\n<rect x="{_n(left)}" y="{bar_y}" width="{_n(right - left)}" height="{height_text}"'
                    f' fill="{fills[number]}" stroke="{strokes[number]}" stroke-width="1"/>\n'
                    f'<text x="{_n(max(zero, end) + 4)}" y="{text_y}" fill="#1a1a1a" stroke="#ffffff"'
                    f' stroke-width="3" paint-order="stroke">{_e(display)}</text></g>\n'
                )
            else:
                suppressed = cell.state == SUPPRESSED
                title_text = _hidden_title(one.name if named else "", name, cell, display)
                out.append(
                    f'<g class="chart-mark chart-{_e(cell.state)}"><title>{_e(title_text)}</title>\n'
                    f'<rect x="{_n(zero)}" y="{bar_y}" width="{_n(STUB)}" height="{height_text}"'
                    f' fill="{hatch if suppressed else "none"}" stroke="{HIDDEN_COLOUR}" stroke-width="1"'
                    f"{'' if suppressed else DASHED}/>\n"
                    f'<text x="{_n(zero + STUB + 4)}" y="{text_y}" fill="#404040" font-style="italic"'
                    f' stroke="#ffffff" stroke-width="3" paint-order="stroke">{_e(display)}</text></g>\n'
                )
        out.append("</g>\n")
        y += len(series) * (thickness + BAR_GAP) - BAR_GAP + GROUP_GAP
        groups.append("".join(out))

    axis_y = y - GROUP_GAP + 6
    axis_text, plot_top = _n(axis_y), _n(top)
    caption = _unit_caption(unit)
    grid, labels = [], []
    tick_y = _n(axis_y + TICK_SIZE + 4)
    for tick in ticks:
        tx = x(tick)
        label = format_tick(tick, unit, step=step)
        half = text_width(label, TICK_SIZE) / 2
        anchor = "start" if tx - half < 0 else "end" if tx + half > WIDTH else "middle"
        stroke = "#4d4d4d" if tick == 0 else "#d9d9d9"
        grid.append(
            f'\n<line x1="{_n(tx)}" x2="{_n(tx)}" y1="{plot_top}" y2="{axis_text}" stroke="{stroke}" stroke-width="1"/>'
        )
        labels.append(
            f'\n<text x="{_n(tx)}" y="{tick_y}" text-anchor="{anchor}" font-size="11" fill="#404040">{_e(label)}</text>'
        )
    if caption:
        labels.append(
            f'\n<text x="{_n(plot_right)}" y="{_n(axis_y + TICK_SIZE + 4 + LINE_HEIGHT)}" text-anchor="end"'
            f' font-size="11" fill="#404040">{_e(caption)}</text>'
        )
    height = _n(axis_y + TICK_SIZE + 8 + (LINE_HEIGHT if caption else 0))
    desc = _("Bar chart of %(categories)s for %(count)s categories; the figures are in the table with it.") % {
        "categories": ", ".join(s.name for s in series) or title,
        "count": len(categories),
    }
    body = [
        '\n<div class="chart-body">\n<div class="chart-graphic">\n',
        _legend(chart_id, "bar", drawn_series, styles) if named else "",
        "\n",
        _svg_open(chart_id, _n(WIDTH), height, title, desc),
        _defs(chart_id, styles),
        '\n<g class="chart-grid" aria-hidden="true">',
        *grid,
        "\n</g>\n",
        _target_bar(target, unit, x, top, axis_y),
        "\n",
        *groups,
        '<g class="chart-axis" aria-hidden="true">\n',
        f'<line x1="{_n(plot_left)}" x2="{_n(plot_right)}" y1="{axis_text}" y2="{axis_text}" stroke="#4d4d4d"'
        ' stroke-width="1"/>',
        *labels,
        "\n</g>\n</svg>\n",
        _notes(chart_id, drawn_series),
        "\n</div>\n",
        _table(title=title, labels=categories, series=drawn_series, category_label=category_label),
        "\n</div>",
    ]
    return _figure("bar", chart_id, title, "".join(body))


def _target_bar(target, unit, x, top, axis_y) -> str:
    if target is None:
        return ""
    tx = x(float(target))
    label = _target(target, unit)
    anchor = "end" if tx + text_width(label, TICK_SIZE) > WIDTH else "start"
    return (
        f'<g class="chart-target"><line x1="{_n(tx)}" x2="{_n(tx)}" y1="{_n(top - 4)}" y2="{_n(axis_y)}"'
        ' stroke="#1a1a1a" stroke-width="1.5" stroke-dasharray="5 3"/>\n'
        f'<text x="{_n(tx + (-3 if anchor == "end" else 3))}" y="{_n(top - 8)}" text-anchor="{anchor}"'
        f' font-size="11" fill="#1a1a1a">{_e(label)}</text></g>'
    )


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
    drawn_series = _drawn_series(series)
    chart_id = _chart_id("line", title, periods, drawn_series)
    if not periods or not series:
        return _figure("line", chart_id, title, None)
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
    named = len(series) > 1

    def x(index: int) -> float:
        return plot_left + slot * (index + 0.5)

    def y(value: float) -> float:
        return plot_bottom - (value - ticks[0]) / span * PLOT_HEIGHT

    lines = []
    for one, style in zip(drawn_series, styles, strict=True):
        colour = _e(style.colour)
        runs, run, points = [], [], []
        for index, cell in enumerate(one.cells):
            if _drawn(cell):
                px, py = x(index), y(cell.magnitude)
                cx, cy = _n(px), _n(py)
                run.append(f"{cx},{cy}")
                title_text = _shown_title(one.name if named else "", periods[index], one.displays[index])
                points.append(
                    f'\n<g class="chart-point"><title>{_e(title_text)}</title>'
                    f"{_marker(style.marker, px, py, colour, cx, cy)}</g>"
                )
            elif run:
                runs.append(" ".join(run))
                run = []
        if run:
            runs.append(" ".join(run))
        dash = f' stroke-dasharray="{_e(style.dash)}"' if style.dash else ""
        polylines = [
            f'\n<polyline points="{_e(r)}" fill="none" stroke="{colour}" stroke-width="2"{dash}'
            ' stroke-linejoin="round"/>'
            for r in runs
        ]
        lines.append(f'<g class="chart-series">{"".join(polylines)}{"".join(points)}\n</g>')

    bands = []
    band_width = min(slot * 0.7, 22)
    top_text, height_text, id_text = _n(plot_top), _n(PLOT_HEIGHT), _e(chart_id)
    for index, period in enumerate(periods):
        hidden = [(one, one.cells[index], one.displays[index]) for one in drawn_series if not _drawn(one.cells[index])]
        if not hidden:
            continue
        marks = {str(display) for _one, _cell, display in hidden}
        suppressed = any(cell.state == SUPPRESSED for _one, cell, _display in hidden)
        mark = marks.pop() if len(marks) == 1 else "*"
        titles = "\n".join(
            _e(_hidden_title(one.name if named else "", period, cell, display)) for one, cell, display in hidden
        )
        center, text_y = _n(x(index)), _n(plot_bottom - 6)
        bands.append(
            f'<g class="chart-mark chart-{"suppressed" if suppressed else "incomplete"}"><title>{titles}</title>\n'
            f'<rect x="{_n(x(index) - band_width / 2)}" y="{top_text}" width="{_n(band_width)}"'
            f' height="{height_text}" fill="{f"url(#{id_text}-band)" if suppressed else "#f4f4f4"}" stroke="#8c8c8c"'
            ' stroke-width="0.75" stroke-dasharray="2 2"/>\n'
            f'<text x="{center}" y="{text_y}" transform="rotate(-90 {center} {text_y})" dy="0.35em"'
            f' font-size="{10 if len(mark) > 2 else 14}" fill="#404040" font-style="italic">{_e(mark)}</text></g>\n'
        )

    left_text, right_text, tick_x = _n(plot_left), _n(plot_right), _n(plot_left - 5)
    grid = []
    for t, label in zip(ticks, tick_labels, strict=True):
        ty = _n(y(t))
        grid.append(
            f'\n<line x1="{left_text}" x2="{right_text}" y1="{ty}" y2="{ty}"'
            f' stroke="{"#4d4d4d" if t == 0 else "#d9d9d9"}" stroke-width="1"/>\n'
            f'<text x="{tick_x}" y="{_n(y(t) + TICK_SIZE * 0.35)}" text-anchor="end" font-size="11"'
            f' fill="#404040">{_e(label)}</text>'
        )
    if caption:
        grid.append(f'\n<text x="{_n(2)}" y="{_n(plot_top - 12)}" font-size="11" fill="#404040">{_e(caption)}</text>')
    target_mark = ""
    if target is not None:
        ty = y(float(target))
        # Labelled at the left, where a trend's lines usually start low; the legend names it too.
        target_mark = (
            f'\n<g class="chart-target"><line x1="{left_text}" x2="{right_text}" y1="{_n(ty)}" y2="{_n(ty)}"'
            ' stroke="#1a1a1a" stroke-width="1.5" stroke-dasharray="5 3"/>\n'
            f'<text x="{_n(plot_left + 3)}" y="{_n(ty - 4)}" font-size="11" fill="#1a1a1a" stroke="#ffffff"'
            f' stroke-width="3" paint-order="stroke">{_e(_target(target, unit))}</text></g>'
        )
    height = _n(plot_bottom + 2 * LINE_HEIGHT + 8)
    desc = _("Line chart of %(series)s from %(first)s to %(last)s; the figures are in the table with it.") % {
        "series": ", ".join(s.name for s in series) or title,
        "first": periods[0],
        "last": periods[-1],
    }
    body = [
        '\n<div class="chart-body">\n<div class="chart-graphic">\n',
        _legend(chart_id, "line", drawn_series, styles, _target(target, unit)) if named or target is not None else "",
        "\n",
        _svg_open(chart_id, _n(WIDTH), height, title, desc),
        _defs(chart_id, styles),
        "\n",
        *bands,
        '<g class="chart-grid" aria-hidden="true">',
        *grid,
        '\n</g>\n<g class="chart-axis" aria-hidden="true">',
        *_period_labels(periods, x, slot, plot_bottom),
        "\n</g>",
        target_mark,
        "\n",
        *lines,
        "\n</svg>\n",
        _notes(chart_id, drawn_series),
        "\n</div>\n",
        _table(title=title, labels=periods, series=drawn_series, category_label=category_label),
        "\n</div>",
    ]
    return _figure("line", chart_id, title, "".join(body))


def _marker(shape: str, cx: float, cy: float, colour: str, cx_text: str, cy_text: str) -> str:
    """A series' marker at a point: its own shape, so lines are told apart without colour. `colour` is escaped;
    the circle is placed at the texts given (the legend's swatch gives whole numbers)."""
    r = MARKER
    if shape == "circle":
        return (
            f'<circle cx="{cx_text}" cy="{cy_text}" r="{_n(r)}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>\n'
        )
    if shape == "square":
        size = _n(2 * r)
        return (
            f'<rect x="{_n(cx - r)}" y="{_n(cy - r)}" width="{size}" height="{size}" fill="{colour}"'
            ' stroke="#ffffff" stroke-width="1"/>\n'
        )
    if shape == "triangle":
        corners = [(cx, cy - r * 1.2), (cx + r * 1.1, cy + r * 0.8), (cx - r * 1.1, cy + r * 0.8)]
    else:
        corners = [(cx, cy - r * 1.3), (cx + r * 1.3, cy), (cx, cy + r * 1.3), (cx - r * 1.3, cy)]
    points = " ".join(f"{_n(a)},{_n(b)}" for a, b in corners)
    return f'<polygon points="{points}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>\n'


def _period_labels(periods: Sequence[str], x, slot: float, plot_bottom: float) -> list[str]:
    """The x axis's labels: "Des 2026" drawn as "Des" with "2026" under it only where the year changes, and only
    every n-th period when a phone's width cannot hold them all."""
    heads, tails = [], []
    for period in periods:
        head, _space, tail = period.rpartition(" ")
        heads.append(head or tail)
        tails.append(tail if head else "")
    widest = max((text_width(h, TICK_SIZE) for h in heads), default=0)
    every = max(1, math.ceil((widest + 6) / slot)) if slot else 1
    head_y, tail_y = _n(plot_bottom + TICK_SIZE + 4), _n(plot_bottom + TICK_SIZE + 4 + LINE_HEIGHT)
    marks, last_tail = [], None
    for index in range(0, len(periods), every):
        tail = tails[index]
        px = _n(x(index))
        head = _e(heads[index])
        marks.append(f'\n<text x="{px}" y="{head_y}" text-anchor="middle" font-size="11" fill="#404040">{head}</text>')
        if tail and tail != last_tail:
            marks.append(
                f'\n<text x="{px}" y="{tail_y}" text-anchor="middle" font-size="11" fill="#404040">{_e(tail)}</text>'
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
