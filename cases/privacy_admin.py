"""The data-protection officer's pages under "Pelindungan data" (issue 18 item 8): correction requests and
restrictions of processing. Thin: every change is a service of cases.services; rows come through the access rule.

The officer reads a request's one field (its value recorded and the value asked for), the evidence noted and who
recorded it, never the case itself: the case is named by its number only.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agencies.scoped_admin import ScopedModelAdmin, errors_of, shown_as_text

from . import privacy, refusals, selectors, services
from .forms import (
    LiftRestrictionForm,
    OfficerCorrectionForm,
    OfficerRestrictForm,
    RejectCorrectionForm,
    RestrictForm,
)
from .models import Case, CorrectionRequest, Restriction
from .services.corrections import shown_value


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "-"


def _officer_case(request, number: str) -> Case:
    """The case an officer names by its number, among the offices they handle; a ValidationError otherwise (the
    same for a number outside their reach and one that does not exist)."""
    case = privacy.officer_cases(request.user).filter(number=number.strip().upper()).first()
    if case is None:
        raise ValidationError({"case_number": refusals.CORRECTION_CASE_UNKNOWN})
    return case


class OfficerAddsByNumber:
    """A register whose "add" page is the officer's: a small form naming the case by its number, saved by a
    service (`perform(request, data)`, returning the new row). Its rows' pages read, not "change": every change is
    one of their buttons."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": capfirst(self.opts.verbose_name), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    add_form_class: type[forms.Form]
    add_title = ""
    add_done = ""

    def has_add_permission(self, request):
        return bool(privacy.officer_grants(request.user))

    def perform_add(self, request, data):
        raise NotImplementedError

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                row = self.perform_add(request, form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                for field, field_errors in errors_of(exc).items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                self.message_user(request, self.add_done, messages.SUCCESS)
                return HttpResponseRedirect(self.change_url(row))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.add_title,
            "form": form,
            "media": self.media + form.media,
            "change_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, "admin/cases/privacy_add_form.html", context)


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(OfficerAddsByNumber, ScopedModelAdmin):
    list_display = ["number", "case_number", "field", "status", "received", "due", "made_by_name"]
    list_display_links = ["number"]
    list_filter = ["status", "field"]
    list_select_related = ["case", "made_by"]
    search_fields = ["case__number"]
    fields = [
        "case_number",
        "field",
        "old_shown",
        "new_shown",
        "evidence",
        "evidence_note",
        "received",
        "due",
        shown_as_text(CorrectionRequest, "made_by"),
        "status",
        shown_as_text(CorrectionRequest, "decided_by"),
        "decided",
        "reject_reason",
        "restriction_state",
    ]
    readonly_fields = fields
    change_form_template = "admin/cases/correctionrequest/change_form.html"
    add_form_class = OfficerCorrectionForm
    add_title = _("Record a correction request")
    add_done = _("The correction request was recorded.")

    @admin.display(description=_("request"))
    def number(self, row):
        return str(row)

    @admin.display(description=_("case"), ordering="case__number")
    def case_number(self, row):
        # The number only, never a link: the officer sees no case (the owning office opens it from its own list).
        return row.case.number

    @admin.display(description=_("value recorded"))
    def old_shown(self, row):
        return shown_value(row.field, row.old_value)

    @admin.display(description=_("corrected value"))
    def new_shown(self, row):
        return shown_value(row.field, row.new_value)

    @admin.display(description=_("received at"), ordering="received_at")
    def received(self, row):
        return _when(row.received_at)

    @admin.display(description=_("due at"), ordering="due_at")
    def due(self, row):
        return _when(row.due_at)

    @admin.display(description=_("decided at"))
    def decided(self, row):
        return _when(row.decided_at)

    @admin.display(description=_("recorded by"))
    def made_by_name(self, row):
        return row.made_by.get_full_name() or row.made_by.get_username()

    @admin.display(description=_("restriction of processing"))
    def restriction_state(self, row):
        restriction = privacy.restriction_of(row.case.person_id)
        if restriction is None:
            return _("not restricted")
        return _("restricted since %(when)s: %(reason)s") % {
            "when": _when(restriction.restricted_at),
            "reason": restriction.get_reason_display(),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        row = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and row is not None:
            selectors.correction_request_viewed(request.user, row)
        return response

    def perform_add(self, request, data):
        case = _officer_case(request, data.pop("case_number"))
        row, warnings = services.correction_request_record(actor=request.user, case=case, **data)
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)
        return row

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            officer = privacy.is_officer_for(request.user, obj.case)
            pending = obj.status == CorrectionRequest.Status.PENDING
            restriction = privacy.restriction_of(obj.case.person_id)
            context.update(
                may_decide=officer and pending and obj.made_by_id != request.user.pk,
                own_request=pending and obj.made_by_id == request.user.pk,
                may_restrict=officer and restriction is None,
                restriction=restriction if officer else None,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/approve/", view(self.approve_view), name="cases_correctionrequest_approve"),
            path("<path:object_id>/reject/", view(self.reject_view), name="cases_correctionrequest_reject"),
            path("<path:object_id>/restrict/", view(self.restrict_view), name="cases_correctionrequest_restrict"),
            *super().get_urls(),
        ]

    def approve_view(self, request, object_id):
        row = self.visible_object(request, object_id)

        def approve(data):
            _row, warnings = services.correction_request_approve(actor=request.user, request=row)
            for warning in warnings:
                self.message_user(request, warning, messages.WARNING)

        return self.service_form_view(
            request,
            row,
            form_class=forms.Form,
            title=_("Approve and apply: %(field)s, %(old)s → %(new)s")
            % {"field": row.get_field_display(), "old": self.old_shown(row), "new": self.new_shown(row)},
            perform=approve,
            done_message=_("The request was approved and the record corrected."),
            submit_label=_("Approve and apply"),
        )

    def reject_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            row,
            form_class=RejectCorrectionForm,
            title=_("Reject the correction request"),
            perform=lambda data: services.correction_request_reject(
                actor=request.user, request=row, reason=data["reject_reason"]
            ),
            done_message=_("The request was rejected."),
            submit_label=_("Reject"),
        )

    def restrict_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            row,
            form_class=RestrictForm,
            title=_("Restrict the processing of this person's data"),
            perform=lambda data: services.person_restrict(actor=request.user, case=row.case, **data),
            done_message=_("Processing is restricted: the person's data is no longer shared, reminded of or exported."),
            submit_label=_("Restrict processing"),
        )


@admin.register(Restriction)
class RestrictionAdmin(OfficerAddsByNumber, ScopedModelAdmin):
    list_display = ["number", "case_number", "reason", "since", "restricted_by_name", "state"]
    list_display_links = ["number"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "reason"]
    list_select_related = ["case", "restricted_by"]
    search_fields = ["case__number"]
    fields = [
        "case_number",
        "reason",
        "note",
        "since",
        shown_as_text(Restriction, "restricted_by"),
        "state",
        shown_as_text(Restriction, "lifted_by"),
        "lift_reason",
    ]
    readonly_fields = fields
    change_form_template = "admin/cases/restriction/change_form.html"
    add_form_class = OfficerRestrictForm
    add_title = _("Restrict the processing of a person's data")
    add_done = _("Processing is restricted: the person's data is no longer shared, reminded of or exported.")

    @admin.display(description=_("restriction"))
    def number(self, row):
        return str(row)

    @admin.display(description=_("case"), ordering="case__number")
    def case_number(self, row):
        return row.case.number

    @admin.display(description=_("restricted since"), ordering="restricted_at")
    def since(self, row):
        return _when(row.restricted_at)

    @admin.display(description=_("restricted by"))
    def restricted_by_name(self, row):
        return row.restricted_by.get_full_name() or row.restricted_by.get_username()

    @admin.display(description=_("status"))
    def state(self, row):
        if row.in_force:
            return _("in force")
        return _("lifted on %(when)s") % {"when": _when(row.lifted_at)}

    def perform_add(self, request, data):
        case = _officer_case(request, data.pop("case_number"))
        return services.person_restrict(actor=request.user, case=case, **data)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["may_lift"] = obj.in_force and privacy.is_officer_for(request.user, obj.case)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/lift/", view(self.lift_view), name="cases_restriction_lift"),
            *super().get_urls(),
        ]

    def lift_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            row,
            form_class=LiftRestrictionForm,
            title=_("Lift the restriction"),
            perform=lambda data: services.person_restriction_lift(
                actor=request.user, restriction=row, reason=data["lift_reason"]
            ),
            done_message=_("The restriction was lifted."),
            submit_label=_("Lift the restriction"),
        )
