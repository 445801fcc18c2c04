"""The program report as a file (CSV, XLSX or PDF): the report page's two tables, small cells suppressed for
whoever does not run the program, exactly as the page shows them (programs.selectors.program_report)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies import access
from agencies.exports import ExportKind, ExportTable, positive_id, register
from agencies.models import Export, Role

from . import selectors
from .models import Program
from .selectors import COUNTS, RATES
from .templatetags.program_report import HIDDEN

COLUMNS = (*COUNTS[:2], "completion_rate", *COUNTS[2:], "left_site_rate")


def _figure(row, name):
    # Counts stay numbers (a spreadsheet sums them); a hidden one is "*"; a rate is "45%", "-" with no denominator.
    if name in row.hidden:
        return HIDDEN
    value = getattr(row, name)
    if name in RATES:
        return "-" if value is None else f"{value}%"
    return value


@register
class ProgramReportExport(ExportKind):
    code = "programs.program_report"
    label = gettext_lazy("Program report")
    formats = (Export.Format.PDF, Export.Format.XLSX, Export.Format.CSV)
    # Every member reads programs; the figures are suppressed for whoever does not run the program.
    roles = frozenset(Role.values)
    aggregate = True
    filters = {"program": positive_id}

    def clean_filters(self, actor, raw) -> dict:
        cleaned = super().clean_filters(actor, raw)
        if "program" not in cleaned:
            raise ValidationError({"filters": _("Choose the program to report on.")})
        try:
            access.get_visible(actor, Program, pk=cleaned["program"])
        except Http404:
            raise ValidationError({"filters": _("There is no such program.")}) from None
        return cleaned

    def title(self, filters: dict) -> str:
        name = Program.objects.filter(pk=filters.get("program")).values_list("name", flat=True).first()
        return f"{self.label}: {name}" if name else str(self.label)

    def tables(self, actor, filters: dict) -> list[ExportTable]:
        report = selectors.program_report(actor, filters["program"])
        figures = [
            _("enrolled"),
            _("trained"),
            _("completion"),
            _("followed up"),
            _("left the site"),
            _("still there"),
            _("left (%)"),
        ]
        notes = [
            _(
                "Completion counts only the batches that have finished: a batch still to come or running has no "
                "completion rate yet (-)."
            )
        ]
        if report.suppress_small_cells:
            notes.append(_("* hidden: counts below 5, and every figure from which one could be worked out."))
        batches = [[row.label, *(_figure(row, name) for name in COLUMNS)] for row in report.batches]
        if report.total is not None:
            batches.append([_("Total"), *(_figure(report.total, name) for name in COLUMNS)])
        sites = [[row.label, *(_figure(row, name) for name in COLUMNS)] for row in report.sites]
        return [
            ExportTable(_("Per batch"), [_("batch"), *figures], batches),
            ExportTable(_("Per site of origin"), [_("site"), *figures], sites, notes),
        ]
