import csv
import io
from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import localize, number_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from agencies import access, audit
from agencies.models import Role
from agencies.scoped_admin import PARTNERS, ScopedInline, ScopedModelAdmin, errors_of, shown_as_text
from agencies.templatetags.rupiah import rupiah

from . import due, refusals, selectors, services
from .forms import PayForm, RejectForm, ReverseForm
from .models import Allocation, Benefit, Disbursement, Entitlement, FundingSource, Installment, LedgerEntry


@admin.display(description=_("fiscal year"), ordering="fiscal_year")
def fiscal_year(row) -> str:
    # A year, not a quantity: shown as a number it would read "2.026" with the thousand separator.
    return str(row.fiscal_year)


def _acts_as(request, role: str) -> bool:
    """Whether the user holds `role` with the right to write somewhere: who is offered an action at all."""
    return any(grant.role == role and grant.may_write for grant in access.grants_of(request.user))


class LinksWhereVisible:
    """The read-only relations named in `scoped_relations` link to their row's page only for a viewer who may open
    it; anyone else reads the row's name (an NGO sees a benefit but not the budget it is paid from)."""

    scoped_relations: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        return self._unlinked_where_unseen(request, obj, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._unlinked_where_unseen(request, obj, super().get_readonly_fields(request, obj))

    def _unlinked_where_unseen(self, request, obj, names):
        if obj is None:
            return names
        unseen = _unseen_relations(request, obj, self.scoped_relations)
        return [shown_as_text(self.model, name) if name in unseen else name for name in names]


def _unseen_relations(request, obj, names) -> set[str]:
    # Asked several times while one page is built, so answered once per request and row.
    memo = request.__dict__.setdefault("_unseen_relations", {})
    key = (type(obj), obj.pk)
    if key not in memo:
        memo[key] = {
            name
            for name in names
            if (related := getattr(obj, name)) is not None and not access.can_see(request.user, related)
        }
    return memo[key]


def _why(refused: Exception) -> str:
    if isinstance(refused, ValidationError | PermissionDenied):
        return " ".join(message for messages_ in errors_of(refused).values() for message in messages_)
    return str(refused)


@admin.register(FundingSource)
class FundingSourceAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "agency", fiscal_year]
    list_filter = ["kind", "fiscal_year"]
    search_fields = ["name"]
    fields = ["name", "kind", "fiscal_year"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def get_fields(self, request, obj=None):
        # A source is only ever viewed once saved, and its year shown read-only must read as a year.
        return ["name", "kind", fiscal_year] if obj is not None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [fiscal_year] if obj is not None else []

    def save_with_service(self, request, obj, form, change):
        return services.funding_source_create(actor=request.user, **form.cleaned_data)


class LedgerAmounts:
    @admin.display(description=_("committed change (Rp)"))
    def committed_delta_rp(self, entry):
        return rupiah(entry.committed_delta)

    @admin.display(description=_("paid change (Rp)"))
    def paid_delta_rp(self, entry):
        return rupiah(entry.paid_delta)


# The ledger names the case a movement was for as text: its rows span cases the reader may not all open, and
# leadership, who read budgets, read no case at all.
LEDGER_CASE_COLUMNS = (shown_as_text(LedgerEntry, "entitlement"), shown_as_text(LedgerEntry, "disbursement"))


def _ledger_columns(request, names) -> list:
    if access.may_see_any(request.user, Entitlement):
        return list(names)
    return [name for name in names if name not in LEDGER_CASE_COLUMNS]


class LedgerInline(LedgerAmounts, ScopedInline):
    model = LedgerEntry
    fields = [
        "created_at",
        "kind",
        "committed_delta_rp",
        "paid_delta_rp",
        *LEDGER_CASE_COLUMNS,
        shown_as_text(LedgerEntry, "recorded_by"),
    ]
    readonly_fields = fields
    select_related = ("allocation", "entitlement__case", "entitlement__benefit", "disbursement", "recorded_by")

    def get_fields(self, request, obj=None):
        return _ledger_columns(request, super().get_fields(request, obj))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(LinksWhereVisible, ScopedModelAdmin):
    list_display = [
        "name",
        "source",
        fiscal_year,
        "program",
        "district",
        "ceiling_rp",
        "committed_rp",
        "paid_rp",
        "remaining_rp",
    ]
    list_filter = ["fiscal_year", "closed", "source__kind"]
    search_fields = ["name", "source__name"]
    autocomplete_fields = ["program"]
    list_select_related = ["source", "program", "district"]
    fields = ["source", "name", "ceiling", "program", "district", "closed", "committed_rp", "paid_rp"]
    readonly_fields = ["committed_rp", "paid_rp"]
    inlines = [LedgerInline]
    change_list_template = "admin/funding/allocation/change_list.html"
    scoped_relations = ("source", "program", "district")

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
        if obj is None:
            return self.readonly_fields
        # Where the money comes from and whom it is for are set once, when the allocation is made.
        return self._unlinked_where_unseen(request, obj, [*self.readonly_fields, "source", "program", "district"])

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
        if by not in selectors.GROUPING_LABELS:
            by = "allocation"
        year = request.GET.get("year", "")
        rows = selectors.realization(request.user, by=by, fiscal_year=int(year) if year.isdigit() else None)
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
            "header": _header(by),
            "rows": [_shown(row, by) for row in rows],
            "by": by,
            "groupings": selectors.GROUPING_LABELS.items(),
            "years": [str(y) for y in selectors.realization_years(request.user)],
            "year": year,
        }
        return TemplateResponse(request, "admin/funding/realization.html", context)


def _header(by: str) -> list[str]:
    """The realization's column names, in the reader's language, for the page and the exports alike."""
    groups = [selectors.GROUPING_LABELS[by], *([_("funding source")] if by == "allocation" else [])]
    return [
        str(capfirst(label))
        for label in (
            *groups,
            _("ceiling (Rp)"),
            _("committed (Rp)"),
            _("paid (Rp)"),
            _("remaining (Rp)"),
            _("realized (%)"),
        )
    ]


def _labels(row, by: str) -> list[str]:
    # A month is named as people say it ("Des 2026"), in the reader's language.
    return [date_format(label, "M Y") if by == "month" else label for label in row.labels]


def _shown(row, by: str) -> dict:
    # The figures as the page shows them, worked out here once rather than by a template filter per cell.
    realized = "" if row.realized is None else f"{localize(row.realized)}%"
    figures = [rupiah(row.ceiling), rupiah(row.committed), rupiah(row.paid), rupiah(row.remaining), realized]
    return {"labels": _labels(row, by), "row": row, "figures": figures}


def _export(rows, by, export) -> HttpResponse:
    header = _header(by)
    name = f"{slugify(gettext('Budget realization'))}-{slugify(selectors.GROUPING_LABELS[by])}"
    stamp = timezone.localdate().isoformat()
    if export == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(header)
        for row in rows:
            # Whole Rupiah stay plain numbers for spreadsheets; the percentage uses the reader's decimal mark.
            realized = "" if row.realized is None else number_format(row.realized, 1)
            writer.writerow([*_labels(row, by), row.ceiling, row.committed, row.paid, row.remaining, realized])
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([*_labels(row, by), row.ceiling, row.committed, row.paid, row.remaining, row.realized])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{export}"'
    return response


@admin.register(Benefit)
class BenefitAdmin(LinksWhereVisible, ScopedModelAdmin):
    not_in_menu_of = PARTNERS
    list_display = ["program", "kind", "description", "amount_rp", "installments", "quantity", "allocation"]
    list_filter = ["kind"]
    search_fields = ["program__name", "description"]
    autocomplete_fields = ["program"]
    list_select_related = ["program", "allocation"]
    fields = ["program", "kind", "description", "amount", "installments", "quantity", "allocation"]
    scoped_relations = ("program", "allocation")

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


class PaymentStatus:
    """Where an installment stands, from its latest disbursement (annotated by selectors.with_payment_status)."""

    @admin.display(description=_("payment status"), ordering="payment_status")
    def payment_status_shown(self, installment):
        if installment.payment_status is None:
            return _("Not requested")
        return Disbursement.Status(installment.payment_status).label

    @admin.display(description=_("amount"))
    def amount_rp(self, installment):
        return rupiah(installment.amount)


class InstallmentInline(PaymentStatus, ScopedInline):
    model = Installment
    fields = ["number", "amount_rp", "due_on", "payment_status_shown"]
    readonly_fields = fields
    select_related = ("entitlement__case", "entitlement__benefit")

    def get_queryset(self, request):
        return selectors.with_payment_status(super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entitlement)
class EntitlementAdmin(LinksWhereVisible, ScopedModelAdmin):
    list_display = ["case", "benefit", "total_rp", "allocation", "status", "created_at"]
    list_filter = ["status", "benefit__kind"]
    search_fields = ["case__number"]
    list_select_related = ["case", "benefit", "allocation"]
    fields = ["case", "benefit", "allocation", "enrollment", "total_rp", "status"]
    readonly_fields = fields
    inlines = [InstallmentInline]
    actions = ["cancel"]
    # A finance approver sees a case only while money of it waits for a decision; an NGO sees no budget.
    scoped_relations = ("case", "enrollment", "benefit", "allocation")

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


class PaymentStatusFilter(admin.SimpleListFilter):
    title = _("payment status")
    parameter_name = "payment"
    NOT_REQUESTED = "none"

    def lookups(self, request, model_admin):
        return [(self.NOT_REQUESTED, _("Not requested")), *Disbursement.Status.choices]

    def queryset(self, request, queryset):
        if self.value() == self.NOT_REQUESTED:
            return queryset.filter(payment_status__isnull=True)
        if self.value() in Disbursement.Status.values:
            return queryset.filter(payment_status=self.value())
        return queryset


@admin.register(Installment)
class InstallmentAdmin(PaymentStatus, ScopedModelAdmin):
    list_display = ["entitlement", "number", "amount_rp", "due_on", "payment_status_shown"]
    list_filter = [PaymentStatusFilter, "due_on"]
    search_fields = ["entitlement__case__number"]
    list_select_related = ["entitlement__case", "entitlement__benefit"]
    fields = ["entitlement", "number", "amount_rp", "due_on", "payment_status_shown"]
    readonly_fields = fields
    actions = ["request_disbursement"]

    def get_queryset(self, request):
        return selectors.with_payment_status(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_request_permission(self, request):
        return _acts_as(request, Role.DISTRICT_STAFF)

    @admin.action(description=_("Request payment of the selected installments"), permissions=["request"])
    def request_disbursement(self, request, queryset):
        """Request each selected installment not yet requested, and say what happened to every one of them."""
        requested, already, refused = 0, Counter(), 0
        changeable = access.changeable_by(request.user, Installment).filter(pk__in=queryset.values("pk"))
        for installment in changeable:
            try:
                disbursement, made = services.disbursement_get_or_request(actor=request.user, installment=installment)
            except (ValidationError, PermissionDenied, Http404) as exc:
                refused += 1
                self.message_user(request, f"{installment}: {_why(exc)}", messages.ERROR)
            else:
                if made:
                    requested += 1
                else:
                    already[disbursement.status] += 1
        if requested:
            message = ngettext("%(count)d disbursement requested.", "%(count)d disbursements requested.", requested)
            self.message_user(request, message % {"count": requested}, messages.SUCCESS)
        for status, count in already.items():
            message = ngettext(
                "%(count)d installment already has a disbursement (%(status)s): it was not requested again.",
                "%(count)d installments already have a disbursement (%(status)s): they were not requested again.",
                count,
            )
            status_label = Disbursement.Status(status).label
            self.message_user(request, message % {"count": count, "status": status_label}, messages.WARNING)
        outside = queryset.count() - requested - sum(already.values()) - refused
        if outside:
            message = ngettext(
                "%(count)d installment is not one your office may request.",
                "%(count)d installments are not ones your office may request.",
                outside,
            )
            self.message_user(request, message % {"count": outside}, messages.WARNING)


# Which steps a disbursement's page may offer in each status; each is then asked of services.disbursement_refusal.
STEPS_BY_STATUS = {
    Disbursement.Status.REQUESTED: ("approve", "reject"),
    Disbursement.Status.APPROVED: ("pay",),
    Disbursement.Status.PAID: ("reverse",),
}


class WaitingFilter(admin.SimpleListFilter):
    """The requests waiting for the reader's decision, as the home and the approvals digest count them
    (funding.due): requested by someone else, still undecided."""

    title = _("waiting for")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("me", _("My approval"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return due.waiting_for(queryset, request.user)
        return queryset


@admin.register(Disbursement)
class DisbursementAdmin(ScopedModelAdmin):
    list_display = [
        "__str__",
        "case_number",
        "amount_rp",
        "status",
        shown_as_text(Disbursement, "requested_by"),
        "requested_at",
        shown_as_text(Disbursement, "decided_by"),
    ]
    list_filter = ["status", WaitingFilter, "method"]
    search_fields = ["installment__entitlement__case__number", "reference"]
    list_select_related = ["installment__entitlement__case", "requested_by", "decided_by"]
    fields = [
        "installment",
        "amount_rp",
        "status",
        shown_as_text(Disbursement, "requested_by"),
        "requested_at",
        shown_as_text(Disbursement, "decided_by"),
        "decided_at",
        "reject_reason",
        "method",
        "reference",
        "paid_on",
        shown_as_text(Disbursement, "paid_by"),
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

    def has_approve_permission(self, request):
        return _acts_as(request, Role.FINANCE_APPROVER)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["may"] = {
                step: services.disbursement_refusal(actor=request.user, disbursement=obj, step=step) is None
                for step in STEPS_BY_STATUS.get(obj.status, ())
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Approving money: always through a page that lists what is approved and its total (DESIGN §9).

    @admin.action(description=_("Approve the selected disbursements"), permissions=["approve"])
    def approve(self, request, queryset):
        disbursements = list(queryset.select_related(*APPROVAL_RELATED))
        if request.POST.get("post") == "yes":
            self._approve_confirmed(request, disbursements)
            return None  # back to the list, where the messages say what happened
        return self._approval_page(request, disbursements, action="approve", back=request.get_full_path())

    def approve_view(self, request, object_id):
        disbursement = self._get(request, object_id)
        if request.method == "POST" and request.POST.get("post") == "yes":
            self._approve_confirmed(request, [disbursement])
            return HttpResponseRedirect(self.change_url(disbursement))
        return self._approval_page(request, [disbursement], action=None, back=self.change_url(disbursement))

    def _approval_page(self, request, disbursements, *, action, back):
        """What the approver is about to approve, with its total; and what they cannot approve, with why."""
        refusals = [
            (disbursement, services.disbursement_refusal(actor=request.user, disbursement=disbursement, step="approve"))
            for disbursement in disbursements
        ]
        approvable = [(disbursement, refusal) for disbursement, refusal in refusals if refusal is None]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Approve disbursements"),
            "approvable": approvable,
            "total": sum(disbursement.amount for disbursement, _refusal in approvable),
            "refused": [(disbursement, refusal) for disbursement, refusal in refusals if refusal is not None],
            "action": action,
            "back": back,
        }
        return TemplateResponse(request, "admin/funding/disbursement/approve_confirmation.html", context)

    def _approve_confirmed(self, request, disbursements) -> None:
        approved = []
        for disbursement in disbursements:
            refusal = self._approve_one(request, disbursement)
            if refusal is None:
                approved.append(disbursement)
            else:
                message = gettext("%(disbursement)s was not approved: %(reason)s")
                self.message_user(request, message % {"disbursement": disbursement, "reason": refusal}, messages.ERROR)
        if approved:
            message = ngettext(
                "%(count)d disbursement approved, %(total)s in all.",
                "%(count)d disbursements approved, %(total)s in all.",
                len(approved),
            )
            total = rupiah(sum(disbursement.amount for disbursement in approved))
            self.message_user(request, message % {"count": len(approved), "total": total}, messages.SUCCESS)

    def _approve_one(self, request, disbursement) -> str | None:
        """Approve `disbursement` through its service; or say why this request did not approve it."""
        if disbursement.status == Disbursement.Status.APPROVED:
            return str(refusals.ALREADY_APPROVED)
        try:
            result = services.disbursement_approve(actor=request.user, disbursement=disbursement)
        except (ValidationError, PermissionDenied, Http404) as exc:
            return _why(exc)
        if result.decided_by_id != request.user.pk:
            # A colleague approved it since the page was shown: approving twice is once, and it was not this one.
            return str(refusals.ALREADY_APPROVED)
        return None

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/approve/", view(self.approve_view), name="funding_disbursement_approve"),
            path("<path:object_id>/reject/", view(self.reject_view), name="funding_disbursement_reject"),
            path("<path:object_id>/pay/", view(self.pay_view), name="funding_disbursement_pay"),
            path("<path:object_id>/reverse/", view(self.reverse_view), name="funding_disbursement_reverse"),
            path("<path:object_id>/receipt/", view(self.receipt_view), name="funding_disbursement_receipt"),
            *super().get_urls(),
        ]

    def _get(self, request, object_id) -> Disbursement:
        disbursement = self.visible_object(request, object_id)
        return Disbursement.objects.select_related(*APPROVAL_RELATED).get(pk=disbursement.pk)

    def reject_view(self, request, object_id):
        return self._step_form(
            request,
            object_id,
            "reject",
            form_class=RejectForm,
            title=_("Reject the disbursement"),
            service=services.disbursement_reject,
            done_message=_("The disbursement was rejected."),
            submit_label=_("Reject"),
        )

    def pay_view(self, request, object_id):
        return self._step_form(
            request,
            object_id,
            "pay",
            form_class=PayForm,
            title=_("Record the payment"),
            service=services.disbursement_pay,
            done_message=_("The payment was recorded."),
            submit_label=_("Record the payment"),
        )

    def reverse_view(self, request, object_id):
        return self._step_form(
            request,
            object_id,
            "reverse",
            form_class=ReverseForm,
            title=_("Reverse the payment"),
            service=services.disbursement_reverse,
            done_message=_("The payment was reversed."),
            submit_label=_("Reverse"),
        )

    def _step_form(self, request, object_id, step, *, service, **form_view):
        """The form of one step, for whoever may take it now; anyone else goes back to the page with why not."""
        disbursement = self._get(request, object_id)
        refusal = services.disbursement_refusal(actor=request.user, disbursement=disbursement, step=step)
        if refusal is not None:
            self.message_user(request, refusal, messages.WARNING)
            return HttpResponseRedirect(self.change_url(disbursement))
        return self.service_form_view(
            request,
            disbursement,
            perform=lambda data: service(actor=request.user, disbursement=disbursement, **data),
            **form_view,
        )

    def receipt_view(self, request, object_id):
        disbursement = self._get(request, object_id)
        if disbursement.status != Disbursement.Status.PAID:
            raise Http404(gettext("Only a paid disbursement has a receipt."))
        entitlement = disbursement.installment.entitlement
        audit.record(request.user, "funding.disbursement.receipt_viewed", disbursement, agency=entitlement.case.owner)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": disbursement,
            "title": _("Receipt"),
            "entitlement": entitlement,
            "case": entitlement.case,
            "change_url": self.change_url(disbursement),
        }
        return TemplateResponse(request, "admin/funding/disbursement/receipt.html", context)


# What the approval page and the receipt show of each disbursement, read with it.
APPROVAL_RELATED = (
    "installment__entitlement__case",
    "installment__entitlement__benefit",
    "installment__entitlement__allocation",
)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(LedgerAmounts, ScopedModelAdmin):
    list_display = ["created_at", "allocation", "kind", "committed_delta_rp", "paid_delta_rp", *LEDGER_CASE_COLUMNS]
    list_filter = ["kind"]
    list_select_related = ["allocation", "entitlement__case", "entitlement__benefit", "disbursement"]
    fields = list_display
    readonly_fields = fields

    def get_list_display(self, request):
        return _ledger_columns(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return _ledger_columns(request, super().get_fields(request, obj))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
