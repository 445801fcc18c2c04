"""The admin's "Personal data incidents" (Pelindungan data → Insiden data pribadi, issue 18 item 10).

Thin: every save and every button calls one service of agencies.incidents. The pages read the incident's times in
its office's time zone (the deadline a person acts on is the office's clock), the subjects affected by the saved
query over the access log (case numbers only), and the two notice letters (a page and a PDF).
"""

from __future__ import annotations

import contextlib
from functools import reduce
from operator import or_

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import access, audit, incident_letters, incidents
from .incident_models import Incident, category_choices
from .models import Agency, Role
from .notifications import zone_of
from .regions import time_zone_label
from .rulebook import jurisdiction
from .scoped_admin import ScopedModelAdmin, errors_of

TEMPLATES = "admin/agencies/incident"


def moment(incident: Incident, value) -> str:
    """A time as the office reads it: `4 Des 2026 14.05 WIB`."""
    if value is None:
        return "-"
    zone = zone_of(incident.agency)
    return f"{formats.date_format(timezone.localtime(value, zone), 'DATETIME_FORMAT')} {time_zone_label(str(zone))}"


def datetime_field(label, **kwargs) -> forms.SplitDateTimeField:
    """A date and a time, each with the admin's picker; read in the time zone the page is drawn in (the office's)."""
    return forms.SplitDateTimeField(label=capfirst(label), widget=AdminSplitDateTime, **kwargs)


def _categories_field(**kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=capfirst(_("data affected")),
        choices=category_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Specific personal data (UU 27/2022 art. 4(2)) is listed second."),
        **kwargs,
    )


def controller_offices(actor):
    """The offices an officer may record an incident for: the Dinsos offices and the ministry within the
    jurisdiction of a data-protection officer's grant of theirs (the rule's own building block, `jurisdiction`)."""
    grants = [g for g in access.grants_of(actor) if g.role == Role.DATA_PROTECTION_OFFICER and g.may_write]
    if not grants:
        return Agency.objects.none()
    kinds = (Agency.Kind.MINISTRY, Agency.Kind.SOCIAL_SERVICE_PROVINCE, Agency.Kind.SOCIAL_SERVICE_DISTRICT)
    within = reduce(or_, (jurisdiction("")(grant) for grant in grants))
    return Agency.objects.filter(within, kind__in=kinds, active=True).order_by("region_id", "name")


# The checkbox lists read one choice a line (agencies/static/agencies/incident_forms.css).
CHOICE_LISTS = forms.Media(css={"all": ["agencies/incident_forms.css"]})
# The steps' own pages are not change forms: they load the admin's form styles themselves (the date and time boxes'
# calendar and clock icons come with them).
STEP_STYLES = forms.Media(css={"all": ["admin/css/forms.css", "agencies/incident_forms.css"]})


class StepForm(forms.Form):
    @property
    def media(self):
        return super().media + STEP_STYLES


class IncidentForm(forms.ModelForm):
    data_categories = _categories_field()

    @property
    def media(self):
        return super().media + CHOICE_LISTS

    class Meta:
        model = Incident
        fields = ["agency", "title", "detected_at", "occurred_at", "description", "data_categories"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class QueryForm(StepForm):
    query_from = datetime_field(_("from"))
    query_until = datetime_field(_("until"))
    actor_username = forms.CharField(
        label=capfirst(_("account that acted (sign-in name)")),
        required=False,
        help_text=_("Leave empty for any account."),
    )
    actor_api_client = forms.ModelChoiceField(
        label=capfirst(_("API client that acted")), queryset=None, required=False, help_text=_("Empty: any.")
    )
    actor_agency = forms.ModelChoiceField(
        label=capfirst(_("agency acted from")), queryset=Agency.objects.order_by("name"), required=False
    )
    actions = forms.MultipleChoiceField(
        label=capfirst(_("actions")),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every action."),
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor_api_client"].queryset = incidents.api_clients_for(incident.agency)
        self.fields["actions"].choices = incidents.action_choices()


class ContainForm(StepForm):
    containment = forms.CharField(
        label=capfirst(_("containment and recovery measures")),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done to stop it and recover: a token revoked, an account locked, a device wiped."),
    )
    contained_at = datetime_field(_("contained at"))


class SubjectsNotifyForm(StepForm):
    notified_at = datetime_field(_("subjects notified at"))
    channel = forms.CharField(
        label=capfirst(_("how the subjects were notified")),
        max_length=200,
        help_text=_("E.g. the letter handed over by the caseworkers on home visits."),
    )


class AuthorityNotifyForm(StepForm):
    notified_at = datetime_field(_("authority notified at"))
    reference = forms.CharField(
        label=capfirst(_("authority's reference")),
        max_length=100,
        required=False,
        help_text=_("Letter or report number."),
    )


class CloseForm(StepForm):
    conclusion = forms.CharField(label=capfirst(_("conclusion")), widget=forms.Textarea(attrs={"rows": 4}))


class ClockFilter(admin.SimpleListFilter):
    """Whether the 3 × 24 hour notice still runs (open or contained), as the home's line counts them."""

    title = _("3 × 24 hour notice")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [("running", _("still running")), ("stopped", _("notified or closed"))]

    def queryset(self, request, queryset):
        if self.value() == "running":
            return queryset.filter(status__in=Incident.CLOCK_RUNNING)
        if self.value() == "stopped":
            return queryset.exclude(status__in=Incident.CLOCK_RUNNING)
        return queryset


@admin.register(Incident)
class IncidentAdmin(ScopedModelAdmin):
    form = IncidentForm
    list_display = [
        "reference_shown",
        "title",
        "agency",
        "detected_shown",
        "deadline_shown",
        "status",
        "affected_count",
    ]
    list_display_links = ["reference_shown", "title"]
    list_filter = [ClockFilter, "status"]
    list_select_related = ["agency__region"]
    search_fields = ["title"]
    change_form_template = f"{TEMPLATES}/change_form.html"
    readonly_fields = [
        "reference_shown",
        "status",
        "deadline_shown",
        "agency_shown",
        "query_shown",
        "affected_shown",
        "containment",
        "contained_shown",
        "subjects_shown",
        "authority_shown",
        "closed_shown",
        "closing_note",
        "recorded_by_shown",
    ]

    # Columns and read-only lines

    @admin.display(description=_("reference"))
    def reference_shown(self, obj):
        return obj.reference

    @admin.display(description=_("detected at"), ordering="detected_at")
    def detected_shown(self, obj):
        return moment(obj, obj.detected_at)

    @admin.display(description=_("notice due by (3 × 24 hours)"))
    def deadline_shown(self, obj):
        text = moment(obj, obj.deadline)
        if not obj.clock_running:
            return text
        left = incidents.hours_left(obj, timezone.now())
        if left < 0:
            return format_html('{} <strong style="color:var(--error-fg)">{}</strong>', text, gettext("overdue"))
        return format_html("{} <strong>({})</strong>", text, gettext("%(hours)s hours left") % {"hours": left})

    @admin.display(description=_("data affected"))
    def categories_shown(self, obj):
        return ", ".join(obj.category_labels()) or "-"

    @admin.display(description=_("office responsible"))
    def agency_shown(self, obj):
        return obj.agency.name

    @admin.display(description=_("search of the access log"))
    def query_shown(self, obj):
        lines = query_lines(obj)
        if not lines:
            return gettext('Not saved yet: use "Find the subjects affected".')
        return format_html("<br>".join(["{}"] * len(lines)), *lines)

    @admin.display(description=_("cases affected"))
    def affected_shown(self, obj):
        if obj.affected_count is None:
            return "-"
        return gettext("%(count)s cases (counted %(when)s)") % {
            "count": obj.affected_count,
            "when": moment(obj, obj.affected_counted_at),
        }

    @admin.display(description=_("contained at"))
    def contained_shown(self, obj):
        return moment(obj, obj.contained_at)

    @admin.display(description=_("subjects notified"))
    def subjects_shown(self, obj):
        if obj.subjects_notified_at is None:
            return gettext("Not yet")
        return f"{moment(obj, obj.subjects_notified_at)} · {obj.subjects_notice_channel}"

    @admin.display(description=_("authority notified"))
    def authority_shown(self, obj):
        if obj.authority_notified_at is None:
            return gettext("Not yet")
        reference = f" · {obj.authority_reference}" if obj.authority_reference else ""
        return f"{moment(obj, obj.authority_notified_at)}{reference}"

    @admin.display(description=_("closed at"))
    def closed_shown(self, obj):
        return moment(obj, obj.closed_at)

    @admin.display(description=_("recorded by"))
    def recorded_by_shown(self, obj):
        user = obj.recorded_by
        return f"{user.get_full_name() or user.get_username()} · {moment(obj, obj.created_at)}"

    # The form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["agency", "title", "detected_at", "occurred_at", "description", "data_categories"]})
            ]
        categories = "data_categories" if self._editable(request, obj) else "categories_shown"
        details = ["reference_shown", "status", "agency_shown", "title", "detected_at", "deadline_shown"]
        details += ["occurred_at", "description", categories, "recorded_by_shown"]
        return [
            (None, {"fields": details}),
            (_("Subjects affected"), {"fields": ["query_shown", "affected_shown"]}),
            (_("Handling and recovery"), {"fields": ["containment", "contained_shown"]}),
            (_("Notifications"), {"fields": ["subjects_shown", "authority_shown"]}),
            (_("Closing"), {"fields": ["closed_shown", "closing_note"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self._editable(request, obj):
            return [*self.readonly_fields, "title", "detected_at", "occurred_at", "description", "categories_shown"]
        return self.readonly_fields

    def _editable(self, request, obj) -> bool:
        return obj.status != Incident.Status.CLOSED and access.can_change(request.user, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and "agency" in form.base_fields:
            offices = controller_offices(request.user)
            form.base_fields["agency"].queryset = offices
            first = next(
                (g.agency for g in access.grants_of(request.user) if g.role == Role.DATA_PROTECTION_OFFICER), None
            )
            form.base_fields["agency"].initial = first.pk if first else None
        return form

    def save_with_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = [name for name in form.changed_data if name in incidents.EDITABLE]
            return incidents.incident_update(actor=request.user, incident=obj, **{name: data[name] for name in fields})
        return incidents.incident_record(
            actor=request.user,
            agency=data["agency"],
            title=data["title"],
            detected_at=data["detected_at"],
            occurred_at=data.get("occurred_at"),
            description=data["description"],
            data_categories=data["data_categories"],
        )

    def has_add_permission(self, request):
        return any(g.role == Role.DATA_PROTECTION_OFFICER and g.may_write for g in access.grants_of(request.user))

    # Pages in the office's time zone

    def _zone_of_request(self, request, object_id=None):
        if object_id:
            try:
                incident = self.visible_object(request, object_id)
            except Http404:
                return None
            return zone_of(incident.agency)
        grant = next(iter(access.grants_of(request.user)), None)
        return zone_of(grant.agency) if grant else None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone = self._zone_of_request(request, object_id)
        with timezone.override(zone) if zone else contextlib.nullcontext():
            extra = dict(extra_context or {})
            if object_id:
                incident = self.visible_object(request, object_id)
                extra["may"] = self._may(request, incident)
            return super().changeform_view(request, object_id, form_url, extra)

    def _may(self, request, incident: Incident) -> dict:
        changing = access.can_change(request.user, incident) and incident.status != Incident.Status.CLOSED
        return {
            "change": changing,
            "contain": changing,
            "notify": changing,
            "close": changing,
            "query": changing,
            "next": next_step(incident) if changing else "",
        }

    # The buttons' pages

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "agencies_incident_"
        return [
            path("<int:object_id>/subjects/", view(self.query_view), name=f"{name}query"),
            path("<int:object_id>/affected/", view(self.affected_view), name=f"{name}affected"),
            path("<int:object_id>/recount/", view(require_POST(self.recount_view)), name=f"{name}recount"),
            path("<int:object_id>/contain/", view(self.contain_view), name=f"{name}contain"),
            path("<int:object_id>/notify-subjects/", view(self.subjects_view), name=f"{name}notify_subjects"),
            path("<int:object_id>/notify-authority/", view(self.authority_view), name=f"{name}notify_authority"),
            path("<int:object_id>/close/", view(self.close_view), name=f"{name}close"),
            path("<int:object_id>/letter/<str:which>/", view(self.letter_view), name=f"{name}letter"),
            path("<int:object_id>/letter/<str:which>/pdf/", view(self.letter_pdf_view), name=f"{name}letter_pdf"),
            *super().get_urls(),
        ]

    def _step(self, request, object_id, *, form_class, title, perform, done_message, submit_label, initial=None):
        incident = self.visible_object(request, object_id)
        if not self._may(request, incident)["change"]:
            if not access.can_change(request.user, incident) and incident.status != Incident.Status.CLOSED:
                raise PermissionDenied(access.MAY_NOT_CHANGE)
            self.message_user(request, str(incidents.CLOSED_REFUSAL), messages.WARNING)
            return HttpResponseRedirect(self.change_url(incident))
        kwargs = {"initial": initial(incident) if initial else {}}
        if form_class is QueryForm:
            kwargs["incident"] = incident
        with timezone.override(zone_of(incident.agency)):
            response = self.service_form_view(
                request,
                incident,
                form_class=form_class,
                title=title,
                perform=lambda data: perform(incident, data),
                done_message=done_message,
                form_kwargs=kwargs,
                submit_label=submit_label,
            )
            if isinstance(response, TemplateResponse):
                response.render()
            return response

    def query_view(self, request, object_id):
        def initial(incident):
            return {
                "query_from": incident.query_from or incident.occurred_at,
                "query_until": incident.query_until or incident.detected_at,
                "actor_username": incident.query_actor_user.get_username() if incident.query_actor_user else "",
                "actor_api_client": incident.query_actor_api_client_id,
                "actor_agency": incident.query_actor_agency_id,
                "actions": incident.query_actions,
            }

        return self._step(
            request,
            object_id,
            form_class=QueryForm,
            title=_("Find the subjects affected in the access log"),
            perform=lambda incident, data: self._query_saved(request, incident, data),
            done_message="",
            submit_label=_("Save and count"),
            initial=initial,
        )

    def _query_saved(self, request, incident, data):
        saved = incidents.incident_query_save(actor=request.user, incident=incident, **data)
        self.message_user(
            request,
            gettext("The search is saved: %(count)s cases affected.") % {"count": saved.affected_count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:agencies_incident_affected", args=[incident.pk]))

    def affected_view(self, request, object_id):
        """The saved query run now: how many subjects and cases, and the cases by number (never a name)."""
        incident = self.visible_object(request, object_id)
        found = incidents.incident_affected(incident)
        with timezone.override(zone_of(incident.agency)):
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": incident,
                "title": gettext("Subjects affected"),
                "change_url": self.change_url(incident),
                "found": found,
                "query": query_lines(incident),
                "saved": incident.query_from is not None,
                "may": self._may(request, incident),
                "not_shown": max(found.cases - len(found.numbers), 0),
            }
            response = TemplateResponse(request, f"{TEMPLATES}/affected.html", context)
            return response.render()

    def recount_view(self, request, object_id):
        incident = self.visible_object(request, object_id)
        try:
            saved = incidents.incident_affected_recount(actor=request.user, incident=incident)
        except ValidationError as exc:
            self.message_user(request, " ".join(str(m) for ms in errors_of(exc).values() for m in ms), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Counted again: %(count)s cases affected.") % {"count": saved.affected_count},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:agencies_incident_affected", args=[incident.pk]))

    def contain_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=ContainForm,
            title=_("Record the containment"),
            perform=lambda incident, data: incidents.incident_contain(actor=request.user, incident=incident, **data),
            done_message=_("The containment was recorded."),
            submit_label=_("Record the containment"),
            initial=lambda incident: {"containment": incident.containment, "contained_at": incident.contained_at},
        )

    def subjects_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=SubjectsNotifyForm,
            title=_("Record the notice to the subjects"),
            perform=lambda incident, data: incidents.incident_subjects_notify(
                actor=request.user, incident=incident, **data
            ),
            done_message=_("The notice to the subjects was recorded."),
            submit_label=_("Record the notice"),
        )

    def authority_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=AuthorityNotifyForm,
            title=_("Record the notice to the authority"),
            perform=lambda incident, data: incidents.incident_authority_notify(
                actor=request.user, incident=incident, **data
            ),
            done_message=_("The notice to the authority was recorded."),
            submit_label=_("Record the notice"),
        )

    def close_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=CloseForm,
            title=_("Close the incident"),
            perform=lambda incident, data: incidents.incident_close(actor=request.user, incident=incident, **data),
            done_message=_("The incident was closed."),
            submit_label=_("Close the incident"),
        )

    # The letters

    def _letter(self, request, object_id, which):
        incident = self.visible_object(request, object_id)
        if which not in incidents.LETTERS:
            raise Http404(access.NOT_FOUND)
        return incident, incident_letters.letter(incident, which)

    def letter_view(self, request, object_id, which):
        """The notice as a page to read and print, with its PDF beside it."""
        incident, found = self._letter(request, object_id, which)
        audit.record(
            request.user, "agencies.incident.letter_viewed", incident, {"letter": which}, agency=incident.agency
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": incident,
            "title": gettext("Notice letter %(to)s") % {"to": incidents.LETTERS[which]},
            "change_url": self.change_url(incident),
            "letter": found,
            "which": which,
        }
        return TemplateResponse(request, f"{TEMPLATES}/letter.html", context)

    def letter_pdf_view(self, request, object_id, which):
        incident, found = self._letter(request, object_id, which)
        audit.record(
            request.user,
            "agencies.incident.letter_viewed",
            incident,
            {"letter": which, "format": "pdf"},
            agency=incident.agency,
        )
        response = HttpResponse(incident_letters.letter_pdf(found), content_type="application/pdf")
        # The file is named by the incident's reference only.
        response["Content-Disposition"] = f'attachment; filename="{incident.reference}-{which}.pdf"'
        return response


def next_step(incident: Incident) -> str:
    """The step the officer most likely takes next, marked among the buttons: find whom it touched, contain it,
    tell the subjects, tell the authority, close it."""
    if incident.query_from is None:
        return "query"
    if incident.contained_at is None:
        return "contain"
    if incident.subjects_notified_at is None:
        return "subjects"
    if incident.authority_notified_at is None:
        return "authority"
    return "close"


def query_lines(incident: Incident) -> list[str]:
    """The saved query in words, one condition a line; empty until saved."""
    if incident.query_from is None:
        return []
    lines = [
        gettext("Time: from %(start)s until %(end)s")
        % {"start": moment(incident, incident.query_from), "end": moment(incident, incident.query_until)}
    ]
    if incident.query_actor_user_id:
        user = incident.query_actor_user
        lines.append(gettext("Account: %(name)s") % {"name": user.get_full_name() or user.get_username()})
    if incident.query_actor_api_client_id:
        lines.append(gettext("API client: %(name)s") % {"name": incident.query_actor_api_client})
    if incident.query_actor_agency_id:
        lines.append(gettext("Acting from: %(agency)s") % {"agency": incident.query_actor_agency.name})
    if incident.query_actions:
        labels = [incidents.audit_labels.action_label(code) for code in incident.query_actions]
        lines.append(gettext("Actions: %(actions)s") % {"actions": ", ".join(labels)})
    else:
        lines.append(gettext("Actions: all"))
    return lines
