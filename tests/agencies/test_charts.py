"""Charts are drawn from cells already suppressed: a hidden figure is never drawn as a zero, every mark says why,
and every chart comes with its figures as a table (agencies/charts.py)."""

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from agencies import charts
from agencies.charts import Series, bar_chart, format_tick, line_chart, nice_ticks
from agencies.fastpath import formats as kept
from agencies.indicators import Unit

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "Mei 2026", "Jun 2026"]


@dataclass(frozen=True)
class Cell:
    """The contract's cell (agencies.figures.Cell), as the charts read it: duck-typed."""

    state: str
    magnitude: float | None
    display: str
    reason: str = ""


def shown(value, display=None) -> Cell:
    return Cell("shown", value, display or format_tick(value, Unit.COUNT))


def suppressed(reason="fewer than 5 people") -> Cell:
    return Cell("suppressed", None, "*", reason)


def incomplete() -> Cell:
    return Cell("incomplete", None, "tidak lengkap", "the figures are not up to date")


@pytest.fixture(autouse=True)
def indonesian():
    with translation.override("id"):
        yield


def figure(html: str) -> ET.Element:
    """The whole figure parses as XML: the SVG, its legend and its table are well-formed."""
    return ET.fromstring(str(html))  # noqa: S314 (our own output, parsed to check it)


def svg(html: str) -> ET.Element:
    (drawing,) = figure(html).iter(f"{SVG}svg")
    return drawing


def marks(drawing: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in drawing.iter(f"{SVG}g") if f"chart-{kind}" in g.get("class", "").split()]


def districts_chart(cells, names=None, **kwargs) -> str:
    names = names or [f"Kabupaten {n}" for n in ("Banyuwangi", "Wonosobo", "Purbalingga", "Kupang")][: len(cells)]
    return bar_chart(title="Dilatih", categories=names, series=[Series("Dilatih", cells)], unit=Unit.COUNT, **kwargs)


def test_a_chart_is_an_accessible_svg_that_parses_as_xml():
    drawing = svg(districts_chart([shown(251), shown(51)]))

    assert drawing.get("role") == "img"
    assert drawing.get("viewBox") == f"0 0 360 {drawing.get('height')}"
    title, desc = drawing.find(f"{SVG}title"), drawing.find(f"{SVG}desc")
    assert title.text == "Dilatih"
    assert desc.text.startswith("Diagram batang Dilatih untuk 2 kategori")
    assert drawing.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_bar_lengths_are_proportional_to_magnitudes():
    values = [251, 120, 63, 12]
    drawing = svg(districts_chart([shown(v) for v in values]))

    widths = [float(g.find(f"{SVG}rect").get("width")) for g in marks(drawing, "bar-shown")]

    assert len(widths) == len(values)
    ratios = [w / v for w, v in zip(widths, values, strict=True)]
    assert max(ratios) - min(ratios) < 0.01 * ratios[0]  # within a rounding of the coordinates
    assert [g.find(f"{SVG}text").text for g in marks(drawing, "bar-shown")] == ["251", "120", "63", "12"]


def test_grouped_bars_share_one_scale():
    chart = bar_chart(
        title="Anggaran",
        categories=["Pelatihan", "Pemulangan"],
        series=[
            Series("Pagu", [shown(797_500_000, "Rp797.500.000"), shown(500_000_000, "Rp500.000.000")]),
            Series("Dibayar", [shown(455_250_000, "Rp455.250.000"), shown(95_400_000, "Rp95.400.000")]),
        ],
        unit=Unit.RUPIAH,
    )

    rects = [g.find(f"{SVG}rect") for g in marks(svg(chart), "bar-shown")]

    widths = [float(r.get("width")) for r in rects]
    assert widths[0] / widths[1] == pytest.approx(797_500_000 / 455_250_000, rel=0.01)
    assert widths[2] / widths[3] == pytest.approx(500_000_000 / 95_400_000, rel=0.02)
    # Series are told apart by pattern as well as colour: the second series' fill is a pattern.
    assert rects[0].get("fill").startswith("#") and rects[1].get("fill").startswith("url(#")


def test_a_suppressed_cell_draws_no_bar_and_carries_its_mark_and_reason():
    chart = districts_chart([shown(251), suppressed("kurang dari 5 orang"), shown(63)])
    drawing = svg(chart)

    assert len(marks(drawing, "bar-shown")) == 2
    (mark,) = marks(drawing, "suppressed")
    assert mark.find(f"{SVG}text").text == "*"
    assert mark.find(f"{SVG}title").text == "Kabupaten Wonosobo: * (kurang dari 5 orang)"
    # Its stub is hatched and no longer than a stub: the figure is not drawn, not even as a short bar.
    stub = mark.find(f"{SVG}rect")
    assert stub.get("fill").endswith("-hidden)") and float(stub.get("width")) == charts.STUB
    notes = "".join(figure(chart).find(".//ul[@class='chart-notes']").itertext())
    assert "* disembunyikan agar tidak ada orang yang dapat dikenali (kurang dari 5 orang)" in notes


def test_a_hidden_cell_is_not_drawn_even_if_it_carries_a_magnitude():
    chart = districts_chart([shown(10), Cell("suppressed", 3.0, "*", "kurang dari 5 orang")])

    assert len(marks(svg(chart), "bar-shown")) == 1
    assert len(marks(svg(chart), "suppressed")) == 1


def test_an_incomplete_month_breaks_the_line_and_is_marked():
    cells = [shown(12), shown(18), shown(25), incomplete(), shown(31), shown(40)]
    chart = line_chart(title="Penerimaan", periods=MONTHS, series=[Series("Kasus baru", cells)], unit=Unit.COUNT)
    drawing = svg(chart)

    runs = [p.get("points").split() for p in drawing.iter(f"{SVG}polyline")]
    assert [len(run) for run in runs] == [3, 2]  # Jan–Mar, then May–Jun: nothing joins across April
    (band,) = marks(drawing, "incomplete")
    assert band.find(f"{SVG}text").text == "tidak lengkap"
    assert band.find(f"{SVG}title").text == "Apr 2026: tidak lengkap (the figures are not up to date)"
    april_x = float(band.find(f"{SVG}rect").get("x")) + float(band.find(f"{SVG}rect").get("width")) / 2
    drawn_x = {float(point.split(",")[0]) for run in runs for point in run}
    assert all(abs(x - april_x) > 1 for x in drawn_x)


def test_points_are_placed_by_magnitude_on_the_axis():
    cells = [shown(10), shown(20), shown(40)]
    drawing = svg(line_chart(title="T", periods=MONTHS[:3], series=[Series("A", cells)], unit=Unit.COUNT))

    (run,) = [p.get("points").split() for p in drawing.iter(f"{SVG}polyline")]
    ys = [float(point.split(",")[1]) for point in run]
    zero = next(
        float(line.get("y1")) for line in drawing.iter(f"{SVG}line") if line.get("stroke") == "#4d4d4d"
    )  # the zero line
    heights = [zero - y for y in ys]
    assert heights[1] / heights[0] == pytest.approx(2, rel=0.02)
    assert heights[2] / heights[0] == pytest.approx(4, rel=0.02)


def test_a_target_line_is_drawn_at_its_value_and_named():
    cells = [Cell("shown", v, f"{v}%") for v in (8, 12, 18)]
    chart = line_chart(
        title="Meninggalkan lokasi", periods=MONTHS[:3], series=[Series("A", cells)], unit="percent", target=20
    )
    drawing = svg(chart)

    (target,) = marks(drawing, "target")
    assert target.find(f"{SVG}text").text == "target 20%"
    assert "target 20%" in "".join(figure(chart).find(".//ul[@class='chart-legend']").itertext())
    ticks = {t.text: t.get("y") for t in drawing.iter(f"{SVG}text") if t.text and t.text.endswith("%")}
    assert float(target.find(f"{SVG}line").get("y1")) == pytest.approx(float(ticks["20%"]) - 11 * 0.35, abs=0.2)


def test_the_table_holds_every_display_text_with_headers_and_a_caption():
    cells = [shown(1234, "1.234"), suppressed(), incomplete(), shown(5, "5")]
    chart = districts_chart(cells)

    table = figure(chart).find(".//table")
    assert table.find("caption").text == "Dilatih"
    assert [th.get("scope") for th in table.find("thead").iter("th")] == ["col"]
    rows = table.find("tbody").findall("tr")
    assert [row.find("th").text for row in rows] == [
        "Kabupaten Banyuwangi",
        "Kabupaten Wonosobo",
        "Kabupaten Purbalingga",
        "Kabupaten Kupang",
    ]
    assert all(row.find("th").get("scope") == "row" for row in rows)
    assert [next(row.find("td").itertext()) for row in rows] == ["1.234", "*", "tidak lengkap", "5"]
    # A hidden cell's reason is read out by screen readers, not only shown on hover.
    assert "(fewer than 5 people)" in "".join(rows[1].find("td").itertext())


def test_labels_from_the_database_stay_text():
    name = 'Kota <script>alert("x")</script> & Sekitarnya'
    chart = districts_chart([shown(7)], names=[name])

    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart
    drawing = svg(chart)
    assert name in "".join(
        next(t for t in drawing.iter(f"{SVG}text") if "chart-category" in t.get("class", "")).itertext()
    )
    assert figure(chart).find(".//tbody/tr/th").text == name


def test_a_long_name_is_wrapped_and_cut_with_the_whole_name_in_its_title():
    name = "Pelatihan Keterampilan Alih Profesi Eks Lokalisasi Gelombang Kedua Tahun Anggaran 2026 Kabupaten Banyuwangi"
    drawing = svg(districts_chart([shown(30)], names=[name]))

    label = next(t for t in drawing.iter(f"{SVG}text") if "chart-category" in t.get("class", ""))
    lines = [span.text for span in label.iter(f"{SVG}tspan")]
    assert len(lines) == 2 and lines[1].endswith("…")
    assert all(charts.text_width(line, charts.LABEL_SIZE) <= charts.WIDTH for line in lines)
    assert label.find(f"{SVG}title").text == name


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 251, [0, 100, 200, 300]),
        (0, 1234, [0, 500, 1000, 1500]),
        (0, 22.5, [0, 5, 10, 15, 20, 25]),
        (0, 3, [0, 1, 2, 3]),
        (0, 797_500_000, [0, 200_000_000, 400_000_000, 600_000_000, 800_000_000]),
        (-40, 90, [-50, 0, 50, 100]),
    ],
)
def test_ticks_are_round_and_start_at_zero(low, high, expected):
    ticks = nice_ticks(low, high, most=5, integer=True)

    assert ticks == expected
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** len(str(int(step))[1:])
    assert mantissa in (1, 2, 5)


def test_a_count_axis_never_steps_by_a_fraction_of_a_person():
    assert nice_ticks(0, 2, most=6, integer=True) == [0, 1, 2]
    assert nice_ticks(0, 2, most=6) == [0, 0.5, 1, 1.5, 2]


@pytest.mark.parametrize(
    ("value", "unit", "step", "text"),
    [
        (1000, Unit.COUNT, 500, "1.000"),
        (1_500_000, Unit.COUNT, 500_000, "1.500.000"),
        (20, Unit.PERCENT, 5, "20%"),
        (12.5, Unit.PERCENT, 2.5, "12,5%"),
        (5_000_000, Unit.RUPIAH, 1_000_000, "Rp5 jt"),
        (1_500_000_000, Unit.RUPIAH, 500_000_000, "Rp1,5 M"),
        (0, Unit.RUPIAH, 1_000_000, "Rp0"),
        (2.5, Unit.DAYS, 0.5, "2,5"),
    ],
)
def test_ticks_are_written_the_indonesian_way(value, unit, step, text):
    assert format_tick(value, unit, step=step) == text


def test_the_axis_ticks_of_a_chart_are_round_and_indonesian():
    cells = [shown(1234, "1.234"), shown(251, "251")]
    drawing = svg(districts_chart(cells))

    labels = [t.text for t in drawing.iter(f"{SVG}text") if t.get("font-size") == "11"]

    assert labels[:4] == ["0", "500", "1.000", "1.500"]
    assert "orang" in labels  # the unit, where the ticks do not carry it


def test_series_are_told_apart_without_colour():
    series = [Series(name, [shown(v) for v in (5, 8, 9)]) for name in ("Banyuwangi", "Semarang", "Kupang")]
    drawing = svg(line_chart(title="T", periods=MONTHS[:3], series=series, unit=Unit.COUNT))

    dashes = [p.get("stroke-dasharray") for p in drawing.iter(f"{SVG}polyline")]
    markers = [
        [child.tag.removeprefix(SVG) for child in g if child.tag != f"{SVG}title"] for g in marks(drawing, "point")
    ]
    assert len(set(dashes)) == 3
    assert [markers[0], markers[3], markers[6]] == [["circle"], ["rect"], ["polygon"]]


def test_a_chart_renders_the_same_bytes_twice_and_two_charts_do_not_share_ids():
    first = districts_chart([shown(5), shown(6)])
    other = districts_chart([shown(5), shown(7)])

    assert districts_chart([shown(5), shown(6)]) == first
    ids = set(re.findall(r'id="([^"]+)"', first))
    assert ids and not ids & set(re.findall(r'id="([^"]+)"', other))


def test_a_series_with_the_wrong_number_of_cells_is_refused():
    with pytest.raises(ValueError, match="2 cells for 3 labels"):
        bar_chart(title="T", categories=["a", "b", "c"], series=[Series("S", [shown(1), shown(2)])], unit=Unit.COUNT)


def test_an_empty_selection_says_so_instead_of_drawing_an_axis():
    chart = bar_chart(title="T", categories=[], series=[], unit=Unit.COUNT)

    assert "Tidak ada angka untuk pilihan ini." in chart
    assert "<svg" not in chart


def test_templates_draw_charts_through_the_tag_library():
    template = Template(
        "{% load charts %}{% chart_styles %}"
        "{% bar_chart title=title categories=names series=series unit='count' %}"
        "{% line_chart title=title periods=months series=series unit='count' target=3 %}"
    )
    series = [Series("Dilatih", [shown(4), suppressed()])]

    html = template.render(Context({"title": "Dilatih", "names": ["A", "B"], "months": MONTHS[:2], "series": series}))

    assert 'href="/static/agencies/charts.css"' in html and 'href="/static/agencies/print.css"' in html
    assert html.count('role="img"') == 2


@dataclass
class _Indicator:
    label: str
    unit: str
    target_percent: int | None = None


@dataclass
class _Table:
    indicator: _Indicator
    rows: list
    columns: list
    cells: dict


def test_a_figures_table_is_charted_row_by_row():
    table = _Table(
        indicator=_Indicator("Meninggalkan lokasi", Unit.PERCENT, target_percent=20),
        rows=[("2026-01", "Jan 2026"), ("2026-02", "Feb 2026")],
        columns=[(None, "persen")],
        cells={("2026-01", None): Cell("shown", 12.5, "12,5%"), ("2026-02", None): suppressed()},
    )

    chart = charts.line_chart_of(table)

    assert figure(chart).find(".//table/caption").text == "Meninggalkan lokasi"
    assert [th.text for th in figure(chart).iter("th")][:2] == ["Bulan", "persen"]
    assert len(marks(svg(chart), "target")) == 1 and len(marks(svg(chart), "suppressed")) == 1


@pytest.mark.parametrize("language", ["id", "en"])
def test_kept_number_and_month_texts_are_those_django_writes(settings, language):
    # DASHBOARD_FORMAT_MEMO keeps each text per value, decimals and language; off, Django localizes each anew.
    values = [0, 7, 1234567, -2500, 1, 1.0, 0.0, -0.0, 12.25, 99.95, Decimal("1.0"), Decimal("1.00"), 45.5]
    months = [datetime.date(2026, month, 1) for month in (1, 5, 8, 12)]

    def written() -> list[str]:
        with translation.override(language):
            numbers = [kept.number_format(value, places) for value in values for places in (None, 0, 1)]
            return numbers + [kept.month_label(month) for month in months]

    settings.DASHBOARD_FORMAT_MEMO = False
    plain = written()
    settings.DASHBOARD_FORMAT_MEMO = True
    assert written() == written() == plain
    with translation.override(language):
        assert plain[-4:] == [formats.date_format(month, "M Y") for month in months]
