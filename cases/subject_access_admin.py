"""The admin's "Permintaan akses" (Pelindungan data, issue 18 item 7): the data-protection officer's register of
subject-access requests. Thin: the list, a form to record one (the person found by case number or NIK, typed into
the form, never in a URL) and a button per step, each calling one service of cases.services.subject_access.

The officer never sees the person's data here: the page names the request by its case number; her data is in the
bundle alone, downloaded from `bundle_download_view`."""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agencies import access, exports, step_up
from agencies.models import Export, Membership, Role, User
from agencies.regions import time_zone_of
from agencies.scoped_admin import ScopedModelAdmin, errors_of

from . import services
from .models import SubjectAccessRequest

SAR = SubjectAccessRequest


def _zone(request_row) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(time_zone_of(request_row.agency.region_id))


def office_moment(value, zone) -> str:
    """A moment as the office reads it ("4 Des 2026 09.30"), "—" for none."""
    return date_format(value.astimezone(zone), "DATETIME_FORMAT") if value else "—"


class RecordForm(forms.ModelForm):
    subject = forms.CharField(
        label=_("Case number or NIK"),
        max_length=40,
        help_text=_("Her case number (33.74-2026-00012) or the 16 digits of her NIK. Sent with the form only."),
    )

    class Meta:
        model = SAR
        fields = ["channel", "received_at", "assignee"]

    zone = zoneinfo.ZoneInfo("Asia/Jakarta")

    def clean_received_at(self):
        # Typed as the office's clock reads it, whichever zone the server runs in.
        value = self.cleaned_data.get("received_at")
        if value is None:
            return value
        naive = timezone.make_naive(value, timezone.get_current_timezone())
        return timezone.make_aware(naive, self.zone)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _name(obj)


class IdentityForm(forms.Form):
    method = forms.ChoiceField(label=_("How her identity was checked"), choices=SAR.IdentityMethod.choices)
    nik = forms.CharField(
        label=_("NIK on the card shown"),
        required=False,
        max_length=20,
        help_text=_("Only with a KTP: compared with the record, never shown or kept."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class DeliverForm(forms.Form):
    method = forms.ChoiceField(label=_("Delivered how"), choices=SAR.DeliveryMethod.choices)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), widget=forms.Textarea(attrs={"rows": 3}))


class DueFilter(admin.SimpleListFilter):
    """Open requests, and those past their 3×24 hours (the home's lines link here)."""

    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("late", _("Past the deadline"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=SAR.OPEN)
        if self.value() == "late":
            return queryset.filter(status__in=SAR.OPEN, due_at__lt=timezone.now())
        return queryset


@admin.register(SubjectAccessRequest)
class SubjectAccessRequestAdmin(ScopedModelAdmin):
    list_display = ["request_name", "channel", "received", "due", "status", "assignee_name"]
    list_filter = [DueFilter, "status", "channel"]
    list_select_related = ["agency", "assignee"]
    form = RecordForm
    change_form_template = "admin/cases/subjectaccessrequest/change_form.html"
    shown = [
        "request_name",
        "channel",
        "received",
        "due",
        "status",
        "assignee_name",
        "identity",
        "bundle_built",
        "delivered",
        "refusal_reason",
    ]

    # The list and the page

    @admin.display(description=_("request"), ordering="pk")
    def request_name(self, row):
        return str(row)

    @admin.display(description=_("received at"), ordering="received_at")
    def received(self, row):
        return office_moment(row.received_at, _zone(row))

    @admin.display(description=_("due at"), ordering="due_at")
    def due(self, row):
        text = office_moment(row.due_at, _zone(row))
        if row.is_open and row.due_at < timezone.now():
            return format_html('<strong class="late">{} · {}</strong>', text, _("late"))
        return text

    @admin.display(description=_("assignee"))
    def assignee_name(self, row):
        return _name(row.assignee)

    @admin.display(description=_("identity checked"))
    def identity(self, row):
        if not row.identity_checked_at:
            return "—"
        return " · ".join(
            part
            for part in (
                str(row.get_identity_method_display()),
                _name(row.identity_checked_by),
                office_moment(row.identity_checked_at, _zone(row)),
                row.identity_note,
            )
            if part
        )

    @admin.display(description=_("bundle prepared at"))
    def bundle_built(self, row):
        return office_moment(row.bundle_built_at, _zone(row))

    @admin.display(description=_("delivered"))
    def delivered(self, row):
        if not row.delivered_at:
            return "—"
        return f"{office_moment(row.delivered_at, _zone(row))} · {row.get_delivery_method_display()}"

    def get_fields(self, request, obj=None):
        return ["subject", "channel", "received_at", "assignee"] if obj is None else self.shown

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs.update(form=forms.ModelForm, fields=[])
        form = super().get_form(request, obj, **kwargs)
        grant = next((g for g in access.grants_of(request.user) if g.role == Role.DATA_PROTECTION_OFFICER), None)
        if obj is None and grant is not None:
            form.zone = zoneinfo.ZoneInfo(time_zone_of(grant.agency.region_id))
        return form

    def get_changeform_initial_data(self, request):
        grant = next((g for g in access.grants_of(request.user) if g.role == Role.DATA_PROTECTION_OFFICER), None)
        zone = zoneinfo.ZoneInfo(time_zone_of(grant.agency.region_id)) if grant else timezone.get_current_timezone()
        # The office's clock, shown in the server's zone's fields (clean_received_at reads it back as the office's).
        local = timezone.localtime(timezone.now(), zone).replace(tzinfo=None, second=0, microsecond=0)
        return {"received_at": timezone.make_aware(local), "assignee": request.user.pk}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            # The office's officers by name, in a plain list (no links to user pages the officer cannot open).
            offices = [g.agency for g in access.grants_of(request.user) if g.role == Role.DATA_PROTECTION_OFFICER]
            officers = Membership.objects.filter(agency__in=offices, role=Role.DATA_PROTECTION_OFFICER, active=True)
            return OfficerChoiceField(
                queryset=User.objects.filter(pk__in=officers.values("user")).order_by("first_name", "username"),
                label=capfirst(db_field.verbose_name),
                required=False,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_with_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.subject_access_request_record(
            actor=request.user,
            subject=data["subject"],
            channel=data.get("channel") or "",
            received_at=data.get("received_at"),
            assignee=data.get("assignee"),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is None:
            # One request at a time, and its page is where its next step waits.
            context.update(show_save_and_add_another=False, show_save_and_continue=False)
        if obj is not None:
            # Every change is a button of its own (one service each); nothing is saved from the page itself.
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            context.update(self._steps(request, obj))
            # A register's page, not a form to change: titled by what it is; the request's name is its first line.
            context.update(title=capfirst(SAR._meta.verbose_name), subtitle=None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _steps(self, request, row) -> dict:
        may = access.can_change(request.user, row)
        has_bundle = row.bundle_pdf_id is not None and row.status in (SAR.Status.IN_PROGRESS, SAR.Status.DELIVERED)
        return {
            "may_check_identity": may and row.status == SAR.Status.RECEIVED,
            "may_build": may and row.status in (SAR.Status.IDENTITY_CHECKED, SAR.Status.IN_PROGRESS),
            "may_download": may and has_bundle and row.bundle_pdf.requested_by_id == request.user.pk,
            "may_deliver": may and row.status == SAR.Status.IN_PROGRESS,
            "may_refuse": may and row.is_open,
        }

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            # The page has no save button (each step is one); a POST anyway (a stale page) goes back with a word.
            self.message_user(request, _("Nothing is saved on this page: use its buttons."), messages.INFO)
            return HttpResponseRedirect(request.get_full_path())
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the request's page, where its next step waits.
        self.message_user(request, _("The request was recorded: check her identity next."), messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(obj))

    # The steps

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/identity/", view(self.identity_view), name="cases_subjectaccessrequest_identity"),
            path(
                "<path:object_id>/build/", view(require_POST(self.build_view)), name="cases_subjectaccessrequest_build"
            ),
            path(
                "<path:object_id>/bundle/<str:fmt>/",
                view(self.bundle_download_view),
                name="cases_subjectaccessrequest_download",
            ),
            path("<path:object_id>/deliver/", view(self.deliver_view), name="cases_subjectaccessrequest_deliver"),
            path("<path:object_id>/refuse/", view(self.refuse_view), name="cases_subjectaccessrequest_refuse"),
            *super().get_urls(),
        ]

    def identity_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            row,
            form_class=IdentityForm,
            title=_("Check her identity"),
            perform=lambda data: services.subject_access_identity_check(actor=request.user, request=row, **data),
            done_message=_("Her identity is checked: prepare the bundle next."),
            submit_label=_("Identity checked"),
        )

    def build_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        try:
            services.subject_access_bundle_build(actor=request.user, request=row)
        except (ValidationError, PermissionDenied) as exc:
            for errors in errors_of(exc).values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
        else:
            self.message_user(request, _("The bundle is ready: download it below."), messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(row))

    @step_up.required
    def bundle_download_view(self, request, object_id, fmt):
        """The bundle's PDF or JSON, decrypted as it is sent, once the second factor was given lately (issue 18
        item 4; the service asks too, through agencies.exports.export_downloaded)."""
        row = self.visible_object(request, object_id)
        if fmt not in (Export.Format.PDF, Export.Format.JSON):
            raise Http404(access.NOT_FOUND)
        export, chunks = services.subject_access_download(actor=request.user, request=row, format=fmt)
        content_type = "application/json" if fmt == Export.Format.JSON else exports.CONTENT_TYPES[fmt]
        response = StreamingHttpResponse(chunks, content_type=content_type)
        # The request's number, never her name.
        response["Content-Disposition"] = f'attachment; filename="akses-data-{row.pk}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response

    def deliver_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            row,
            form_class=DeliverForm,
            title=_("Mark the bundle delivered"),
            perform=lambda data: services.subject_access_deliver(actor=request.user, request=row, **data),
            done_message=_("The bundle is marked delivered."),
            submit_label=_("Delivered"),
        )

    def refuse_view(self, request, object_id):
        row = self.visible_object(request, object_id)
        return self.service_form_view(
            request,
            row,
            form_class=RefuseForm,
            title=_("Refuse the request"),
            perform=lambda data: services.subject_access_refuse(actor=request.user, request=row, **data),
            done_message=_("The request is refused."),
            submit_label=_("Refuse"),
        )


def _name(user) -> str:
    if user is None:
        return "—"
    return f"{user.first_name} {user.last_name}".strip() or user.username
