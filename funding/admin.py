import csv
import io

from django import forms
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from agencies import access, audit
from agencies.scoped_admin import ScopedInline, ScopedModelAdmin
from agencies.templatetags.rupiah import rupiah

from . import selectors, services
from .models import Allocation, Benefit, Disbursement, Entitlement, FundingSource, Installment, LedgerEntry


@admin.register(FundingSource)
class FundingSourceAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "agency", "fiscal_year"]
    list_filter = ["kind", "fiscal_year"]
    search_fields = ["name"]
    fields = ["name", "kind", "fiscal_year"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def save_with_service(self, request, obj, form, change):
        return services.funding_source_create(actor=request.user, **form.cleaned_data)


class LedgerInline(ScopedInline):
    model = LedgerEntry
    fields = ["created_at", "kind", "committed_delta", "paid_delta", "entitlement", "disbursement", "recorded_by"]
    readonly_fields = fields
    select_related = ("allocation", "entitlement__case", "entitlement__benefit", "disbursement", "recorded_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(ScopedModelAdmin):
    list_display = ["name", "source", "program", "district", "ceiling_rp", "committed_rp", "paid_rp", "remaining_rp"]
    list_filter = ["fiscal_year", "closed", "source__kind"]
    search_fields = ["name", "source__name"]
    autocomplete_fields = ["program"]
    list_select_related = ["source", "program", "district"]
    fields = ["source", "name", "ceiling", "program", "district", "closed", "committed", "paid"]
    readonly_fields = ["committed", "paid"]
    inlines = [LedgerInline]
    change_list_template = "admin/funding/allocation/change_list.html"

    @admin.display(description=_("ceiling"))
    def ceiling_rp(self, allocation):
        return rupiah(allocation.ceiling)

    @admin.display(description=_("committed"))
    def committed_rp(self, allocation):
        return rupiah(allocation.committed)

    @admin.display(description=_("paid"))
    def paid_rp(self, allocation):
        return rupiah(allocation.paid)

    @admin.display(description=_("remaining"))
    def remaining_rp(self, allocation):
        return rupiah(allocation.remaining)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "source", "program", "district"] if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["queryset"] = access.changeable_by(request.user, FundingSource)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in ("name", "ceiling", "closed")}
            return services.allocation_update(actor=request.user, allocation=obj, **data)
        data = {f: form.cleaned_data[f] for f in ("source", "name", "ceiling", "program", "district")}
        return services.allocation_create(actor=request.user, **data)

    # Budget realization (realisasi anggaran)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("realization/", view(self.realization_view), name="funding_realization"), *super().get_urls()]

    def realization_view(self, request):
        by = request.GET.get("by", "allocation")
        if by not in (*selectors.GROUPINGS, "month"):
            by = "allocation"
        year = request.GET.get("year")
        rows = selectors.realization(request.user, by=by, fiscal_year=int(year) if year and year.isdigit() else None)
        export = request.GET.get("format")
        if export in ("csv", "xlsx"):
            audit.record(
                request.user,
                "funding.realization.exported",
                Allocation,
                {"by": by, "format": export, "rows": len(rows)},
            )
            return _export(rows, by, export)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Budget realization"),
            "rows": rows,
            "by": by,
            "groupings": [*selectors.GROUPINGS, "month"],
            "year": year or "",
        }
        return TemplateResponse(request, "admin/funding/realization.html", context)


def _table(rows, by):
    header = [
        *({"allocation": ["allocation", "source"]}.get(by, [by])),
        "ceiling",
        "committed",
        "paid",
        "remaining",
        "realized_percent",
    ]
    body = [[*row.labels, row.ceiling, row.committed, row.paid, row.remaining, row.realized] for row in rows]
    return header, body


def _export(rows, by, export) -> HttpResponse:
    header, body = _table(rows, by)
    stamp = timezone.localdate().isoformat()
    if export == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(body)
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("realisasi")
        sheet.append(header)
        for line in body:
            sheet.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="realisasi-{by}-{stamp}.{export}"'
    return response


@admin.register(Benefit)
class BenefitAdmin(ScopedModelAdmin):
    list_display = ["program", "kind", "description", "amount_rp", "installments", "quantity", "allocation"]
    list_filter = ["kind"]
    search_fields = ["program__name", "description"]
    autocomplete_fields = ["program"]
    list_select_related = ["program", "allocation"]
    fields = ["program", "kind", "description", "amount", "installments", "quantity", "allocation"]

    @admin.display(description=_("amount"))
    def amount_rp(self, benefit):
        return rupiah(benefit.amount)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "allocation":
            kwargs["queryset"] = access.visible_to(request.user, Allocation).filter(closed=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_with_service(self, request, obj, form, change):
        return services.benefit_add(actor=request.user, **form.cleaned_data)


class InstallmentInline(ScopedInline):
    model = Installment
    fields = ["number", "amount", "due_on"]
    readonly_fields = fields
    select_related = ("entitlement__case", "entitlement__benefit")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entitlement)
class EntitlementAdmin(ScopedModelAdmin):
    list_display = ["case", "benefit", "total_rp", "allocation", "status", "created_at"]
    list_filter = ["status", "benefit__kind"]
    search_fields = ["case__number"]
    list_select_related = ["case", "benefit", "allocation"]
    fields = ["case", "benefit", "allocation", "enrollment", "total", "status"]
    readonly_fields = fields
    inlines = [InstallmentInline]
    actions = ["cancel"]

    @admin.display(description=_("total"))
    def total_rp(self, entitlement):
        return rupiah(entitlement.total)

    def has_add_permission(self, request):
        return False  # from completing a batch, or entitlement_create for transport

    @admin.action(description=_("Cancel the selected entitlements (releases what is unpaid)"), permissions=["change"])
    def cancel(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, entitlement: services.entitlement_cancel(actor=actor, entitlement=entitlement),
            _("%(count)d entitlements cancelled."),
        )


@admin.register(Installment)
class InstallmentAdmin(ScopedModelAdmin):
    list_display = ["entitlement", "number", "amount_rp", "due_on"]
    list_filter = ["due_on"]
    search_fields = ["entitlement__case__number"]
    list_select_related = ["entitlement__case", "entitlement__benefit"]
    fields = ["entitlement", "number", "amount", "due_on"]
    readonly_fields = fields
    actions = ["request_disbursement"]

    @admin.display(description=_("amount"))
    def amount_rp(self, installment):
        return rupiah(installment.amount)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Request payment of the selected installments"), permissions=["change"])
    def request_disbursement(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, installment: services.disbursement_request(actor=actor, installment=installment),
            _("%(count)d disbursements requested."),
        )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason for rejecting"), widget=forms.Textarea(attrs={"rows": 3}))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("reason for reversing"), widget=forms.Textarea(attrs={"rows": 3}))


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("payment method"), choices=Disbursement.Method.choices)
    reference = forms.CharField(label=_("reference"), required=False, help_text=_("Bank reference or receipt number."))
    paid_on = forms.DateField(label=_("paid on"), initial=timezone.localdate)


@admin.register(Disbursement)
class DisbursementAdmin(ScopedModelAdmin):
    list_display = ["__str__", "case_number", "amount_rp", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "method"]
    search_fields = ["installment__entitlement__case__number", "reference"]
    list_select_related = ["installment__entitlement__case", "requested_by", "decided_by"]
    fields = [
        "installment",
        "amount",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "reject_reason",
        "method",
        "reference",
        "paid_on",
        "paid_by",
        "reversed_reason",
    ]
    readonly_fields = fields
    actions = ["approve"]
    change_form_template = "admin/funding/disbursement/change_form.html"

    @admin.display(description=_("case"))
    def case_number(self, disbursement):
        return disbursement.installment.entitlement.case.number

    @admin.display(description=_("amount"))
    def amount_rp(self, disbursement):
        return rupiah(disbursement.amount)

    def has_add_permission(self, request):
        return False  # requested from an installment

    @admin.action(description=_("Approve the selected disbursements"), permissions=["change"])
    def approve(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, disbursement: services.disbursement_approve(actor=actor, disbursement=disbursement),
            _("%(count)d disbursements approved."),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/reject/", view(self.reject_view), name="funding_disbursement_reject"),
            path("<path:object_id>/pay/", view(self.pay_view), name="funding_disbursement_pay"),
            path("<path:object_id>/reverse/", view(self.reverse_view), name="funding_disbursement_reverse"),
            path("<path:object_id>/receipt/", view(self.receipt_view), name="funding_disbursement_receipt"),
            *super().get_urls(),
        ]

    def _get(self, request, object_id) -> Disbursement:
        return access.get_visible(request.user, Disbursement, pk=object_id)

    def reject_view(self, request, object_id):
        disbursement = self._get(request, object_id)
        return self.service_form_view(
            request,
            disbursement,
            form_class=RejectForm,
            title=_("Reject the disbursement"),
            perform=lambda data: services.disbursement_reject(actor=request.user, disbursement=disbursement, **data),
            done_message=_("The disbursement was rejected."),
        )

    def pay_view(self, request, object_id):
        disbursement = self._get(request, object_id)
        return self.service_form_view(
            request,
            disbursement,
            form_class=PayForm,
            title=_("Record the payment"),
            perform=lambda data: services.disbursement_pay(actor=request.user, disbursement=disbursement, **data),
            done_message=_("The payment was recorded."),
        )

    def reverse_view(self, request, object_id):
        disbursement = self._get(request, object_id)
        return self.service_form_view(
            request,
            disbursement,
            form_class=ReverseForm,
            title=_("Reverse the payment"),
            perform=lambda data: services.disbursement_reverse(actor=request.user, disbursement=disbursement, **data),
            done_message=_("The payment was reversed."),
        )

    def receipt_view(self, request, object_id):
        disbursement = self._get(request, object_id)
        entitlement = disbursement.installment.entitlement
        audit.record(request.user, "funding.disbursement.receipt_viewed", disbursement, agency=entitlement.case.owner)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": disbursement,
            "title": _("Receipt"),
            "entitlement": entitlement,
            "case": entitlement.case,
        }
        return TemplateResponse(request, "admin/funding/disbursement/receipt.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ScopedModelAdmin):
    list_display = ["created_at", "allocation", "kind", "committed_delta", "paid_delta", "entitlement", "disbursement"]
    list_filter = ["kind"]
    list_select_related = ["allocation", "entitlement__case", "entitlement__benefit", "disbursement"]
    fields = list_display
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
