from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import access, exports, work
from agencies.models import Agency, Role
from agencies.scoped_admin import (
    CASE_WORK_ELSEWHERE,
    PostedAutocompleteSelect,
    ScopedInline,
    ScopedModelAdmin,
    errors_of,
    picking_for,
)
from cases.admin import case_list_action

from . import due, selectors, services
from .forms import EnrollSelectedForm, OutcomeForm
from .models import Batch, Enrollment, FollowUp, Outcome, Program, Session

PROGRAM_FIELDS = [
    "name",
    "kind",
    "region",
    "fiscal_year",
    "organizer",
    "target_groups",
    "attendance_threshold",
    "follow_up_offsets",
    "left_site_target",
]


class BatchInline(ScopedInline):
    model = Batch
    fields = ["number", "starts_on", "ends_on", "venue", "capacity", "enrolled_count", "status"]
    readonly_fields = fields
    show_change_link = True
    select_related = ("program",)

    def has_add_permission(self, request, obj=None):
        return False  # batches are added on their own page


@admin.register(Program)
class ProgramAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "organizer", "region", "year"]
    list_filter = ["kind", "fiscal_year"]
    search_fields = ["name", "organizer__name"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["target_groups"]
    list_select_related = ["organizer", "region"]
    fields = PROGRAM_FIELDS
    inlines = [BatchInline]
    change_form_template = "admin/programs/program/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ["organizer"] if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["year" if f == "fiscal_year" else f for f in PROGRAM_FIELDS]  # shown, not edited: see `year`
        return PROGRAM_FIELDS

    @admin.display(description=_("fiscal year"), ordering="fiscal_year")
    def year(self, program):
        # A year is a name, not a quantity: shown as "2026", never with the thousands separator numbers get.
        return str(program.fiscal_year)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organizer":
            kwargs["queryset"] = access.changeable_by(request.user, Agency)
            kwargs["required"] = False
            kwargs["help_text"] = _("Left empty: your own agency.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in PROGRAM_FIELDS and f != "organizer"}
            return services.program_update(actor=request.user, program=obj, **data)
        return services.program_create(actor=request.user, **{f: form.cleaned_data[f] for f in PROGRAM_FIELDS})

    def save_related(self, request, form, formsets, change):
        pass  # target groups are saved by the service

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/report/", view(self.report_view), name="programs_program_report"),
            *super().get_urls(),
        ]

    def report_view(self, request, object_id):
        report = selectors.program_report(request.user, self.visible_object(request, object_id).pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": report.program,
            "title": _("Program report"),
            "report": report,
            "may_export": exports.may_ask(request.user, "programs.program_report"),
        }
        return TemplateResponse(request, "admin/programs/program/report.html", context)


class SessionInline(ScopedInline):
    model = Session
    fields = ["date", "topic", "delivering_agency", "trainer_name"]
    select_related = ("batch", "delivering_agency")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "delivering_agency":  # any agency of the country: a picker searching by name
            kwargs["widget"] = PostedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["delivering_agency"].queryset = access.visible_to(request.user, Agency).filter(
            active=True
        )
        return formset


class StartingFilter(admin.SimpleListFilter):
    """The batches starting soon that the reader hears of (programs.due, as the "batch starting" email)."""

    title = _("starting")
    parameter_name = "starting"

    def lookups(self, request, model_admin):
        return [("soon", _("Mine, starting within %(days)d days") % {"days": due.batch_notice_days()})]

    def queryset(self, request, queryset):
        if self.value() != "soon":
            return queryset
        audience = batch_audience_of(request.user)
        if audience is None:
            return queryset.none()
        today = work.office_today(request.user)
        return due.live_only(queryset).filter(due.starting_soon(today)).filter(audience)


def batch_audience_of(user):
    """`due.batch_audience` of the agencies `user` works for in an organizer's or a partner's role."""
    grants = access.grants_of(user)
    return due.batch_audience(
        [g.agency for g in grants if g.role in due.BATCH_ORGANIZER_ROLES],
        [g.agency for g in grants if g.role in due.PARTNER_ROLES],
    )


@admin.register(Batch)
class BatchAdmin(ScopedModelAdmin):
    list_display = ["program", "number", "starts_on", "ends_on", "capacity", "enrolled_count", "status"]
    list_filter = ["status", StartingFilter, "program__fiscal_year"]
    search_fields = ["program__name", "venue"]
    list_select_related = ["program"]
    autocomplete_fields = ["program"]
    fields = ["program", "number", "starts_on", "ends_on", "venue", "capacity", "enrolled_count", "status"]
    readonly_fields = ["enrolled_count", "status"]
    inlines = [SessionInline]
    actions = ["open_enrollment", "start", "complete", "cancel"]
    change_form_template = "admin/programs/batch/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "program"] if obj is not None else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        if picking_for(request) == ("programs", "enrollment", "batch"):  # enrolling: only batches that take enrollments
            queryset = queryset.filter(status__in=Batch.ENROLLING)
        return queryset, distinct

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_with_service(self, request, obj, form, change):
        editable = ("number", "starts_on", "ends_on", "venue", "capacity")
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in editable}
            return services.batch_update(actor=request.user, batch=obj, **data) if data else obj
        return services.batch_create(
            actor=request.user, program=form.cleaned_data["program"], **{f: form.cleaned_data[f] for f in editable}
        )

    def save_formset(self, request, form, formset, change):
        # Sessions are only ever added here, each through the service that checks the batch's dates.
        for session in formset.save(commit=False):
            services.session_create(
                actor=request.user,
                batch=form.instance,
                date=session.date,
                topic=session.topic,
                delivering_agency=session.delivering_agency,
                trainer_name=session.trainer_name,
            )

    def _set_status(self, request, queryset, status, message):
        self.run_service_action(
            request,
            queryset,
            lambda actor, batch: services.batch_set_status(actor=actor, batch=batch, status=status),
            message,
        )

    @admin.action(description=_("Open the selected batches for enrollment"), permissions=["change"])
    def open_enrollment(self, request, queryset):
        self._set_status(request, queryset, Batch.Status.OPEN, _("%(count)d batches opened."))

    @admin.action(description=_("Start the selected batches"), permissions=["change"])
    def start(self, request, queryset):
        self._set_status(request, queryset, Batch.Status.RUNNING, _("%(count)d batches started."))

    @admin.action(description=_("Cancel the selected batches (withdraws everyone)"), permissions=["change"])
    def cancel(self, request, queryset):
        self._set_status(request, queryset, Batch.Status.CANCELLED, _("%(count)d batches cancelled."))

    @admin.action(description=_("Complete the selected batches"), permissions=["change"])
    def complete(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, batch: services.batch_complete(actor=actor, batch=batch),
            _("%(count)d batches completed: follow-ups are scheduled."),
        )

    # The roster and its attendance grid

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/roster/", view(self.roster_view), name="programs_batch_roster"),
            path("<path:object_id>/attendance/", view(self.attendance_view), name="programs_batch_attendance"),
            *super().get_urls(),
        ]

    def roster_view(self, request, object_id):
        batch = self.visible_object(request, object_id)
        grid = selectors.attendance_grid(request.user, batch)
        if request.method == "POST":
            return self._save_attendance(request, batch, grid)
        return self._render_roster(request, batch, grid)

    def _render_roster(self, request, batch, grid, errors=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": batch,
            "title": _("Roster and attendance"),
            "grid": grid,
            "errors": errors or {},
        }
        return TemplateResponse(request, "admin/programs/batch/roster.html", context)

    def _save_attendance(self, request, batch, grid):
        ticks = {s.pk: _ids(request.POST.getlist(services.attendance_field(s))) for s in grid.sessions}
        attendance = grid.attendance_to_save(ticks, _ids(request.POST.getlist("enrollment")))
        if not attendance:
            messages.info(request, _("Nothing changed: no attendance was saved."))
            return HttpResponseRedirect(reverse("admin:programs_batch_roster", args=[batch.pk]))
        try:
            services.attendance_record_sessions(actor=request.user, attendance=attendance)
        except ValidationError as exc:
            # Nothing was saved: the same grid again, ticked as it was sent, each refusal beside its session.
            return self._render_roster(request, batch, grid.with_ticks(ticks), errors=exc.message_dict)
        messages.success(request, _("Attendance saved."))
        return HttpResponseRedirect(reverse("admin:programs_batch_roster", args=[batch.pk]))

    # One session at a time, for a trainer at the venue with a phone

    def attendance_view(self, request, object_id):
        try:
            pk = Batch._meta.pk.to_python(object_id)
        except ValidationError:
            raise Http404(access.NOT_FOUND) from None
        batch = selectors.batch_for_attendance(request.user, pk)
        asked = request.POST.get("session") if request.method == "POST" else request.GET.get("session")
        if asked is not None and not asked.isdigit():
            raise Http404(access.NOT_FOUND)
        sheet = selectors.session_sheet(request.user, batch, int(asked) if asked else None)
        if request.method == "POST" and sheet.session is not None:
            return self._save_sheet(request, sheet)
        return self._render_sheet(request, sheet)

    def _render_sheet(self, request, sheet, errors=()):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": sheet.batch,
            "title": _("Take attendance"),
            "sheet": sheet,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/programs/batch/attendance.html", context)

    def _save_sheet(self, request, sheet):
        choices = {
            int(name.removeprefix("mark-")): value == "present"
            for name, value in request.POST.items()
            if name.removeprefix("mark-").isdigit() and name.startswith("mark-") and value in ("present", "absent")
        }
        here = f"{reverse('admin:programs_batch_attendance', args=[sheet.batch.pk])}?session={sheet.session.pk}"
        attendance = sheet.attendance_to_save(choices)
        if not attendance:
            messages.info(request, _("Nothing changed: no attendance was saved."))
            return HttpResponseRedirect(here)
        try:
            services.attendance_record(actor=request.user, session=sheet.session, present=attendance)
        except (ValidationError, PermissionDenied) as exc:
            # Nothing was saved: the same sheet again, chosen as it was sent, with the reason above it.
            errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            return self._render_sheet(request, sheet.with_choices(choices), errors=errors)
        saved = sheet.as_saved(attendance).counts
        messages.success(
            request,
            _(
                "Attendance of %(session)s saved: %(present)d present, %(absent)d absent, "
                "%(unrecorded)d not yet recorded."
            )
            % {"session": sheet.session, **saved},
        )
        return HttpResponseRedirect(here)


# Enrolling several cases at once, from the case list. The action lives here, beside the enrollment service it calls,
# and is offered on the case list through cases' seam (`case_list_action`): cases may not import programs.

MAX_ENROLLED_AT_ONCE = 100


@case_list_action
@admin.action(description=_("Enroll in a batch…"), permissions=["change"])
def enroll_in_batch(modeladmin, request, queryset):
    """A confirmation page picks the batch; then each selected case is enrolled by `enrollment_create` (its own
    transaction, as the service runs it), and each gets its result: enrolled, waiting list, or refused and why."""
    cases = list(queryset.order_by("number")[: MAX_ENROLLED_AT_ONCE + 1])
    if len(cases) > MAX_ENROLLED_AT_ONCE:
        modeladmin.message_user(
            request, _("Select at most %(count)d cases at a time.") % {"count": MAX_ENROLLED_AT_ONCE}, messages.ERROR
        )
        return None
    batches = selectors.batches_enrolling(request.user)
    form = EnrollSelectedForm(request.POST if "post" in request.POST else None, batches=batches)
    if form.is_valid():
        batch = form.cleaned_data["batch"]
        for case in cases:
            _enroll_one(modeladmin, request, batch, case)
        return None  # back to the list, which shows a line per case
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": _("Enroll the selected cases in a batch"),
        "form": form,
        "cases": [(case.pk, modeladmin.picker_label(case)) for case in cases],
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "action": "enroll_in_batch",
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/programs/enroll_selected.html", context)


def _enroll_one(modeladmin, request, batch, case) -> None:
    # Named by case number only: messages travel in a cookie, where a person's name must not go.
    try:
        enrollment = services.enrollment_create(actor=request.user, batch=batch, case=case)
    except Http404:
        refused = str(access.NOT_FOUND)
    except (ValidationError, PermissionDenied) as exc:
        refused = " ".join(str(message) for listed in errors_of(exc).values() for message in listed)
    else:
        if enrollment.status == Enrollment.Status.WAITLISTED:
            text, level = _("%(case)s: the batch is full, so it is on the waiting list of %(batch)s."), messages.WARNING
        else:
            text, level = _("%(case)s: enrolled in %(batch)s."), messages.SUCCESS
        modeladmin.message_user(request, text % {"case": case.number, "batch": batch}, level)
        return
    modeladmin.message_user(
        request, _("%(case)s: not enrolled. %(reason)s") % {"case": case.number, "reason": refused}, messages.ERROR
    )


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedModelAdmin):
    not_in_menu_of = frozenset({Role.FINANCE_APPROVER})  # partners keep it: the rosters of their sessions
    list_display = ["case", "batch", "status", "attendance_rate", "created_at"]
    list_filter = ["status"]
    search_fields = ["case__number"]
    autocomplete_fields = ["batch", "case"]
    list_select_related = ["case", "batch__program"]
    fields = ["batch", "case", "status", "attendance_rate", "enrolled_by", "created_at"]
    readonly_fields = ["status", "attendance_rate", "enrolled_by", "created_at"]
    actions = ["withdraw"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "batch", "case"] if obj is not None else self.readonly_fields

    def save_with_service(self, request, obj, form, change):
        if change:
            return obj
        enrollment = services.enrollment_create(actor=request.user, **form.cleaned_data)
        if enrollment.status == Enrollment.Status.WAITLISTED:
            self.message_user(request, _("The batch is full: the case is on the waiting list."), messages.WARNING)
        return enrollment

    @admin.action(description=_("Withdraw the selected enrollments"), permissions=["change"])
    def withdraw(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, enrollment: services.enrollment_withdraw(actor=actor, enrollment=enrollment),
            _("%(count)d enrollments withdrawn."),
        )


class DueFilter(admin.SimpleListFilter):
    """Follow-ups by what is due, as the reminders and the home count them (programs.due), in the reader's office
    date: the home's counts link here and the list shows the same rows."""

    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("week", _("Due within %(days)d days") % {"days": due.due_within()}),
            ("escalated", _("Escalated to me")),
            ("done", _("Visited")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "done":
            return queryset.filter(done_on__isnull=False)
        if self.value() not in ("overdue", "week", "escalated"):
            return queryset
        today = work.office_today(request.user)
        open_ones = due.open_only(queryset)
        if self.value() == "overdue":
            return open_ones.filter(due.in_state(due.OVERDUE, today))
        if self.value() == "week":
            return open_ones.filter(due.in_state(due.DUE, today))
        escalations = _escalations_to(request.user, today)
        return open_ones.filter(escalations) if escalations is not None else queryset.none()


def _escalations_to(user, today):
    grants = access.grants_of(user)
    return due.escalated_to(
        [g.agency for g in grants if g.role in due.SUPERVISOR_ROLES],
        [g.agency for g in grants if g.role in due.PROVINCE_ROLES],
        today,
    )


class WorkerFilter(admin.SimpleListFilter):
    """Whose visit: the reader's own (theirs, or of a case of theirs with no caseworker of its own)."""

    title = _("whose visit")
    parameter_name = "worker"

    def lookups(self, request, model_admin):
        return [("me", _("My visits"))]

    def queryset(self, request, queryset):
        return queryset.filter(due.worked_by(request.user)) if self.value() == "me" else queryset


@admin.register(FollowUp)
class FollowUpAdmin(ScopedModelAdmin):
    not_in_menu_of = CASE_WORK_ELSEWHERE
    list_display = ["case", "due_on", "offset_days", "caseworker", "done_on", "is_overdue"]
    list_filter = [DueFilter, WorkerFilter]
    search_fields = ["case__number"]
    list_select_related = ["case", "caseworker"]
    fields = ["case", "enrollment", "offset_days", "due_on", "caseworker", "done_on"]
    readonly_fields = fields
    change_form_template = "admin/programs/followup/change_form.html"

    def has_add_permission(self, request):
        return False  # scheduled by completing a batch

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, follow_up):
        return follow_up.done_on is None and follow_up.due_on < timezone.localdate()

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/visit/", view(self.visit_view), name="programs_followup_visit"),
            *super().get_urls(),
        ]

    def visit_view(self, request, object_id):
        follow_up = self.visible_object(request, object_id)
        if not self.has_change_permission(request, follow_up):
            raise PermissionDenied(_("You may view this follow-up but not record its visit."))
        return self.service_form_view(
            request,
            follow_up,
            form_class=OutcomeForm,
            title=_("Record the visit"),
            perform=lambda data: services.follow_up_record(actor=request.user, follow_up=follow_up, **data),
            done_message=_("The visit was recorded."),
        )


@admin.register(Outcome)
class OutcomeAdmin(ScopedModelAdmin):
    not_in_menu_of = CASE_WORK_ELSEWHERE
    list_display = ["case", "recorded_on", "site_status", "business_started", "income_band", "bpjs_enrolled"]
    list_filter = ["site_status", "business_started", "bpjs_enrolled"]
    search_fields = ["case__number"]
    list_select_related = ["case"]
    readonly_fields = [
        "case",
        "follow_up",
        "recorded_on",
        "site_status",
        "left_site_on",
        "business_started",
        "business_type",
        "income_band",
        "bpjs_enrolled",
        "recorded_by",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # recorded from a follow-up

    def has_change_permission(self, request, obj=None):
        return False
