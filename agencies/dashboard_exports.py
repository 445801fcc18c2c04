"""The dashboard's tables as a file (XLSX, CSV or PDF), with the same filters, written in the background
(agencies.exports): every chart's table of the reader's dashboard, suppressed as the page shows it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, dashboards
from .exports import ExportKind, ExportTable, register
from .figures import SHOWN
from .indicators import Unit
from .models import Export

KIND = "agencies.dashboard"


def _text(value: str) -> str:
    return str(value)


def _cell(cell):
    # Counts and Rupiah stay numbers (a spreadsheet sums them); a rate, a hidden or an incomplete cell is its text.
    if cell.state == SHOWN and cell.unit in (Unit.COUNT, Unit.RUPIAH) and cell.value is not None:
        return cell.value
    return cell.display


@register
class DashboardExport(ExportKind):
    code = KIND
    label = gettext_lazy("Dashboard tables")
    formats = (Export.Format.XLSX, Export.Format.CSV, Export.Format.PDF)
    aggregate = True
    # The page's own filter names, each a code or an id (checked against the reader's choices below).
    filters = dict.fromkeys(("period_from", "period_to", "province", "district", "program", "target_group"), _text)

    @property
    def roles(self):
        return dashboards.reader_roles()

    def _form(self, actor, raw: dict):
        reach = dashboards.reach_of(actor)
        if reach is None:
            raise ValidationError({"filters": _("You read no figures.")})
        with dashboards.labels_kept():
            form = dashboards.DashboardFilterForm(
                raw, reach=reach, choices=dashboards.choices_for(actor, reach, dashboards.today_of(reach))
            )
            valid = form.is_valid()
        return reach, form, valid

    # Outside a request the reader's grants are not kept: read them once for the whole file (every table asks).
    @access.grants_read_once
    def clean_filters(self, actor, raw) -> dict:
        cleaned = super().clean_filters(actor, raw)
        _reach, form, valid = self._form(actor, cleaned)
        if not valid:
            raise ValidationError({"filters": [error for errors in form.errors.values() for error in errors]})
        return form.chosen()

    @access.grants_read_once
    def tables(self, actor, filters: dict) -> list[ExportTable]:
        # Checked against the reader's choices when asked for (clean_filters); whatever the scope is by now,
        # figure_table reads only what the access rule gives.
        reach = dashboards.reach_of(actor)
        if reach is None:
            raise ValidationError({"filters": _("You read no figures.")})
        chosen = dashboards.Filters(
            period_from=dashboards.month_of(filters["period_from"]) if filters.get("period_from") else None,
            period_to=dashboards.month_of(filters["period_to"]) if filters.get("period_to") else None,
            province=filters.get("province") or None,
            district=filters.get("district") or None,
            program=int(filters["program"]) if filters.get("program") else None,
            target_group=filters.get("target_group") or None,
        )
        with dashboards.labels_kept():
            board = dashboards.dashboard(actor, reach, chosen)
        found = []
        for section in board.sections:
            for panel in section.panels:
                header = [panel.category_label, *(one.name for one in panel.series)]
                rows = [
                    [label, *(_cell(one.cells[i]) for one in panel.series)] for i, label in enumerate(panel.categories)
                ]
                definitions = [f"{found_one.label}: {found_one.definition}" for found_one in panel.indicators]
                notes = [*definitions, *panel.notes, *(f"* {note}" for note in panel.footnotes)]
                if not board.complete:
                    notes.insert(0, _("Incomplete: the figures are not up to date."))
                found.append(ExportTable(f"{section.title}: {panel.title}", header, rows, notes))
        return found

    def title(self, filters: dict) -> str:
        return str(self.label)
