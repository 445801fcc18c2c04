"""The retention register in the admin (issue 18 item 9), under Pelindungan data, for the data-protection officer:
"Retensi" (the last runs, what is due, "Jalankan sekarang") and "Penahanan (legal hold)" (place one by case number,
lift one with a reason). The officer reads case numbers, offices and closure dates here, never a case's content."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.models import RetentionRun, Role
from agencies.retention import RetentionClass, period_of, retention_plan_as_read
from agencies.scoped_admin import ScopedModelAdmin, errors_of

from . import retention
from .models import LegalHold

# How many of the cases due the register lists (the count is exact; the list is for placing a hold in time).
DUE_LISTED = 20


@admin.register(RetentionRun)
class RetentionRunAdmin(ScopedModelAdmin):
    """The retention job's runs (counts only), what is due in the officer's area, and "Jalankan sekarang"."""

    change_list_template = "admin/cases/retention/change_list.html"
    # Auditors may read the runs (a trail of what was removed), but this is the officer's work, not theirs.
    not_in_menu_of = frozenset({Role.AUDITOR})
    list_display = [
        "started_at",
        "status",
        "started_by_name",
        "persons_pseudonymized",
        "persons_held",
        "errors",
        "events_deleted",
        "exports_deleted",
        "finished_at",
    ]
    list_filter = ["status"]
    list_select_related = ["started_by"]
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("started by"))
    def started_by_name(self, run):
        user = run.started_by
        return (user.get_full_name() or user.username) if user else gettext("Nightly schedule")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("run/", view(self.run_view), name="agencies_retentionrun_run"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        user = request.user
        due = retention.cases_due(user).select_related("owner").order_by("stage_changed_at", "pk")
        cutoff = retention.case_term_cutoff(timezone.now())
        holds = access.visible_to(user, LegalHold).active()
        extra_context = {
            **(extra_context or {}),
            "may_run": retention.may_run(user),
            "may_hold": access.may_change_any(user, LegalHold),
            "periods": [
                (_("Cases"), _("%(years)s years after closure, then pseudonymized") % {"years": _years("case")}),
                (_("Access log"), _("%(years)s years, then deleted") % {"years": _years("audit")}),
                (_("Export files"), _("%(days)s days, then deleted") % {"days": settings.EXPORT_KEEP_DAYS}),
            ],
            "cutoff": date_format(timezone.localtime(cutoff), "DATE_FORMAT"),
            "due_count": due.count(),
            "due": [
                (case.number, case.owner.name, date_format(timezone.localtime(case.stage_changed_at), "DATE_FORMAT"))
                for case in due[:DUE_LISTED]
            ],
            "holds_count": holds.count(),
            "holds_url": reverse("admin:cases_legalhold_changelist"),
            "place_url": reverse("admin:cases_legalhold_place"),
            "plan": retention_plan_as_read(),
        }
        return super().changelist_view(request, extra_context)

    @method_decorator(require_POST)
    def run_view(self, request):
        if not self.has_view_permission(request):
            raise Http404(access.NOT_FOUND)
        try:
            retention.retention_run_request(actor=request.user)  # PermissionDenied: 403
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.WARNING)
        else:
            self.message_user(request, gettext("The retention job is running; its result shows in the list."))
        return HttpResponseRedirect(reverse("admin:agencies_retentionrun_changelist"))


def _years(which: str) -> int:
    return period_of(RetentionClass.CASE_RECORD if which == "case" else RetentionClass.AUDIT_TRAIL).years


class PlaceHoldForm(forms.Form):
    case_number = forms.CharField(
        label=_("case number"),
        max_length=24,
        help_text=_("As written on the letter or the case file, e.g. 35.10-2019-00012."),
    )
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The proceeding or letter that requires keeping the record. Do not write the person's name."),
    )
    until = forms.DateField(label=_("held until"), widget=admin.widgets.AdminDateWidget)


class LiftHoldForm(forms.Form):
    lift_reason = forms.CharField(
        label=_("reason for lifting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the proceeding ended. Do not write the person's name."),
    )


@admin.register(LegalHold)
class LegalHoldAdmin(ScopedModelAdmin):
    """Legal holds: placed by case number (the officer does not open the case), lifted with a reason."""

    not_in_menu_of = frozenset({Role.AUDITOR})
    change_form_template = "admin/cases/legalhold/change_form.html"
    change_list_template = "admin/cases/legalhold/change_list.html"
    list_display = ["case_number", "office", "until", "state", "placed_by", "placed_at"]
    list_select_related = ["case__owner", "placed_by"]
    search_fields = ["=case__number"]
    fields = ["case_number", "office", "reason", "until", "state", "placed_by", "placed_at", "lifted_by", "lifted_at"]
    readonly_fields = fields

    @admin.display(description=_("case number"), ordering="case__number")
    def case_number(self, hold):
        return hold.case.number

    @admin.display(description=_("owning office"))
    def office(self, hold):
        return hold.case.owner.name

    @admin.display(description=_("status"))
    def state(self, hold):
        if hold.lifted_at is not None:
            return gettext("Lifted")
        return gettext("Active") if hold.is_active else gettext("Ended")

    def get_fields(self, request, obj=None):
        fields = list(self.fields)
        if obj is not None and obj.lifted_at is not None:
            fields.append("lift_reason")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False  # placed through "Tahan kasus" (place_view): by case number, through the service

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("place/", view(self.place_view), name="cases_legalhold_place"),
            path("<path:object_id>/lift/", view(self.lift_view), name="cases_legalhold_lift"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "place_url": reverse("admin:cases_legalhold_place")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        hold = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "may_lift": hold is not None and hold.lifted_at is None and access.can_change(request.user, hold),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def place_view(self, request):
        """ "Tahan kasus": a case number, why and until when; the service finds the case in the officer's area."""
        if not access.may_change_any(request.user, LegalHold):
            raise Http404(access.NOT_FOUND)
        initial = {"case_number": request.GET.get("case_number", "")}
        form = PlaceHoldForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                hold = retention.legal_hold_place(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, field_errors in errors_of(exc).items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                self.message_user(
                    request,
                    gettext("Case %(number)s is held: the retention job leaves its person as she is.")
                    % {"number": hold.case.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:cases_legalhold_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Hold a case (legal hold)"),
            "form": form,
            "media": self.media + form.media,
            "cancel_url": reverse("admin:cases_legalhold_changelist"),
        }
        return TemplateResponse(request, "admin/cases/legalhold/place.html", context)

    def lift_view(self, request, object_id):
        hold = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            hold,
            form_class=LiftHoldForm,
            title=_("Lift the hold"),
            perform=lambda data: retention.legal_hold_lift(actor=request.user, hold=hold, reason=data["lift_reason"]),
            done_message=_("The hold was lifted."),
            submit_label=_("Lift the hold"),
        )
