"""The admin's "Monthly figures" (Laporan → Angka bulanan, issue 17 item 6).

Regency/city staff see the months they have not approved yet, each with a preview of its figures and "Approve this
month's figures" behind a confirmation that says what is being frozen. Province staff and the ministry see, month by
month, which of their districts have approved, the approved figures together, and each approval with its hash,
"Check authenticity" and its download (through the exports seam, with the hash printed in the file).

An approved month is never changed here: no change, no delete; a correction is a new revision with its reason.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from . import access, exports, snapshots
from .indicators import Dimension
from .models import MonthlySnapshot, Region
from .scoped_admin import ScopedModelAdmin, errors_of

TEMPLATES = "admin/agencies/snapshot"


def _month_param(value: str) -> datetime.date | None:
    """ "2026-11" (in links only, never on a page) as the month's first day; None when it is not one."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def month_param(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def _table_rows(tables, rows: str | None = None):
    """Each table with its rows as (label, cells) and its total, as the templates read them; `rows`: the dimension
    the rows are (else each indicator's own breakdown, as snapshots.snapshot_tables chooses it)."""
    return [
        {
            "table": table,
            "first": Dimension(rows or snapshots.row_dimension(table.indicator)).label,
            "rows": [
                (label, [table.cells[(key, column)] for column, _l in table.columns]) for key, label in table.rows
            ],
            "totals": [table.column_totals[column] for column, _l in table.columns],
        }
        for table in tables
    ]


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(ScopedModelAdmin):
    def has_add_permission(self, request):
        return False  # approving is its own page, through the service

    def has_change_permission(self, request, obj=None):
        return False  # frozen

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("approve/<str:month>/", view(self.approve_view), name="agencies_monthlysnapshot_approve"),
            path("<int:pk>/verify/", view(require_POST(self.verify_view)), name="agencies_monthlysnapshot_verify"),
            path("<int:pk>/", view(self.detail_view), name="agencies_monthlysnapshot_detail"),
            *super().get_urls(),
        ]

    def _context(self, request, **more):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "list_url": reverse("admin:agencies_monthlysnapshot_changelist"),
            **more,
        }

    def changelist_view(self, request, extra_context=None):
        """The months: to approve (for a regency/city office's staff), and which districts approved the chosen one."""
        if not self.has_view_permission(request):
            raise Http404(access.NOT_FOUND)
        user = request.user
        months = snapshots.recent_months()
        chosen = _month_param(request.GET.get("month", "")) or months[0]
        to_approve = [
            {
                "district": district,
                "months": [
                    {"label": snapshots.month_label(month), "param": month_param(month)}
                    for month in snapshots.months_to_approve(user, district)
                ],
            }
            for district in snapshots.approver_districts(user)
        ]
        overview = snapshots.month_overview(user, chosen)
        context = self._context(
            request,
            title=gettext("Monthly figures"),
            to_approve=to_approve,
            months=[
                {"label": snapshots.month_label(m), "param": month_param(m), "chosen": m == chosen} for m in months
            ],
            chosen_label=snapshots.month_label(chosen),
            overview=overview,
            approved=sum(1 for row in overview if row.snapshot),
            tables=_table_rows(snapshots.month_tables(user, chosen), Dimension.DISTRICT),
            **(extra_context or {}),
        )
        return TemplateResponse(request, f"{TEMPLATES}/change_list.html", context)

    def _district_to_approve(self, request) -> Region:
        districts = snapshots.approver_districts(request.user)
        code = request.GET.get("district") or request.POST.get("district")
        found = next((d for d in districts if d.code == code), districts[0] if len(districts) == 1 else None)
        if found is None:
            raise Http404(access.NOT_FOUND)
        return found

    def approve_view(self, request, month):
        """The preview of a month's figures; with `confirm`, what approving freezes and the button; POST: approve."""
        chosen = _month_param(month)
        if chosen is None:
            raise Http404(access.NOT_FOUND)
        district = self._district_to_approve(request)
        errors = {}
        if request.method == "POST":
            try:
                snapshot = snapshots.monthly_snapshot_approve(
                    actor=request.user, district=district, month=chosen, reason=request.POST.get("reason", "")
                )
            except ValidationError as exc:
                errors = errors_of(exc)
            else:
                self.message_user(
                    request,
                    gettext("The figures of %(month)s are approved and frozen. Their SHA-256 begins %(hash)s.")
                    % {"month": snapshots.month_label(chosen), "hash": snapshot.short_hash},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:agencies_monthlysnapshot_detail", args=[snapshot.pk]))
        shown = snapshots.preview(request.user, district, chosen)
        confirming = request.method == "POST" or request.GET.get("confirm") == "1"
        context = self._context(
            request,
            title=gettext("%(district)s, %(month)s")
            % {"district": district.name, "month": snapshots.month_label(chosen)},
            district=district,
            month_label=snapshots.month_label(chosen),
            month_param=month_param(chosen),
            preview=shown,
            tables=_table_rows(shown.tables),
            confirming=confirming,
            errors=errors,
            reason=request.POST.get("reason", ""),
        )
        return TemplateResponse(request, f"{TEMPLATES}/approve.html", context)

    def detail_view(self, request, pk):
        """One approval: who and when, its hash in full, its figures as the reader may read them, its revisions."""
        snapshot = snapshots.snapshot_get(request.user, pk)
        context = self._context(
            request,
            title=str(snapshot),
            snapshot=snapshot,
            month_label=snapshots.month_label(snapshot.month),
            month_param=month_param(snapshot.month),
            tables=_table_rows(snapshots.snapshot_tables(request.user, snapshot)),
            revisions=snapshots.revisions_of(snapshot),
            may_export=exports.may_ask(request.user, snapshots.MonthlySnapshotExport.code),
            export_kind=snapshots.MonthlySnapshotExport.code,
        )
        return TemplateResponse(request, f"{TEMPLATES}/detail.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The admin's own object URL leads to the approval's page.
        return HttpResponseRedirect(reverse("admin:agencies_monthlysnapshot_detail", args=[object_id]))

    def verify_view(self, request, pk):
        """Recompute the hash of the stored figures and say whether it holds."""
        snapshot = snapshots.snapshot_get(request.user, pk)
        if snapshots.monthly_snapshot_verify(snapshot):
            self.message_user(
                request,
                gettext("Authentic: the stored figures still give the SHA-256 %(hash)s.") % {"hash": snapshot.sha256},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                gettext(
                    "Not authentic: the stored figures no longer give the SHA-256 recorded at approval. Tell your "
                    "data-protection officer."
                ),
                messages.ERROR,
            )
        return HttpResponseRedirect(reverse("admin:agencies_monthlysnapshot_detail", args=[snapshot.pk]))
