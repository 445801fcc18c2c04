import functools
import operator

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.db.models.functions import Length
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from qsessions.models import Session

from . import access, audit_labels, figures_refresh, notifications, regions, schedules, services, two_factor
from .fastpath.admin_filters import LeanQueryStrings
from .forms import MembershipAddForm
from .models import Agency, ApiClient, AuditEvent, FigureRefresh, Membership, Notification, Region, Role, User
from .scoped_admin import ListTitled, ScopedModelAdmin, UncountedChangeList, UncountedListAdmin, picking_for


@admin.register(User)
class UserAdmin(ListTitled, DjangoUserAdmin):
    """Accounts are set up by superusers; staff add people to their agencies through memberships. A colleague whose
    membership the reader may see can be looked up, by name only: pages name people by their account (a case's
    caseworker), and those names are links."""

    colleague_fields = ("username", "first_name", "last_name")
    actions = ["reset_two_factor"]

    @admin.action(
        description=_("Reset the second factor (they set up their authenticator app again)"), permissions=["change"]
    )
    def reset_two_factor(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                two_factor.two_factor_reset(actor=request.user, user=user)
            except PermissionDenied as exc:
                self.message_user(request, f"{user}: {' '.join(exc.args)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                gettext("Second factor reset for %(count)d accounts: each sets up the app at the next sign-in.")
                % {"count": done},
                messages.SUCCESS,
            )

    def has_module_permission(self, request):
        return _is_superuser(request.user)

    def has_view_permission(self, request, obj=None):
        if _is_superuser(request.user):
            return True
        # The list (reached from a colleague's page, not the menu) holds only colleagues, by get_queryset.
        return obj is None or self._visible_memberships(request, obj).exists()

    # Adding, changing and removing accounts is for set-up superusers. Said outright rather than asked of Django's
    # model permissions (which staff never hold): every form with a person in it (a case's caseworker) asks, and the
    # asking read the permission tables twice per page.
    def has_add_permission(self, request):
        return _is_superuser(request.user)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request.user)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request.user)

    def get_list_display(self, request):
        return super().get_list_display(request) if _is_superuser(request.user) else self.colleague_fields

    def get_list_filter(self, request):
        return super().get_list_filter(request) if _is_superuser(request.user) else ()

    def get_search_fields(self, request):
        return super().get_search_fields(request) if _is_superuser(request.user) else self.colleague_fields

    def get_fieldsets(self, request, obj=None):
        if _is_superuser(request.user) or obj is None:
            return super().get_fieldsets(request, obj)
        return [(None, {"fields": self.colleague_fields})]

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) if _is_superuser(request.user) else self.colleague_fields

    def save_model(self, request, obj, form, change):
        # Deactivating goes through its service, which ends the account's sessions in the same transaction.
        if not change or "is_active" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        active, obj.is_active = obj.is_active, form.initial.get("is_active", not obj.is_active)
        super().save_model(request, obj, form, change)
        services.user_active_set(actor=request.user, user=obj, active=active)
        obj.is_active = active

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if _is_superuser(request.user):
            return users
        return users.filter(pk__in=access.visible_to(request.user, Membership).values("user"))

    def _visible_memberships(self, request, user):
        return access.visible_to(request.user, Membership).filter(user=user)


class _SetUpOnly:
    """A page for set-up superusers only, said outright: asking Django's model permissions read the permission tables
    twice on every admin page, for the menu, for every member of staff."""

    def has_module_permission(self, request):
        return _is_superuser(request.user)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request.user)

    def has_add_permission(self, request):
        return _is_superuser(request.user)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request.user)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request.user)


class GroupAdmin(_SetUpOnly, ListTitled, DjangoGroupAdmin):
    """Django's permission groups: unused (the access rule is the one permission system)."""


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)

# django-qsessions registers every session (keys and decoded data) on the admin: each person sees only their own,
# without keys, on "My sessions" (config.admin_site).
if admin.site.is_registered(Session):
    admin.site.unregister(Session)
# django-otp's own device pages would list every account's keys outside the access rule: a person's second factor
# is set up on its own pages (agencies.two_factor_views) and reset only by the users' action above.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


class LockedOutFilter(admin.SimpleListFilter):
    """The people locked out now after failed sign-ins or codes (agencies.two_factor, django-axes), for the
    province's "Pekerjaan saya" line."""

    title = _("sign-in")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Locked after failed attempts"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(user__username__in=two_factor.locked_usernames())
        return queryset


class TimeZoneFilter(admin.SimpleListFilter):
    title = _("time zone")
    parameter_name = "time_zone"

    def lookups(self, request, model_admin):
        return list(regions.TIME_ZONE_NAMES.items())

    def queryset(self, request, queryset):
        return queryset.filter(time_zone=self.value()) if self.value() else queryset


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "level", "time_zone_label"]
    list_filter = ["level", TimeZoneFilter]
    search_fields = ["code", "name"]  # searched by get_search_results: by name as staff write it, or by code
    fields = ["code", "name", "level", "parent", "time_zone_label"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        """Regions by name or code as staff write them ("Banyuwangi", "Kab. Banyuwangi", "kupang", "35.10"): each
        word in the name or the beginning of the code. A picker lists the wider regions first (provinces, then
        regencies and cities, then districts), each by code; the list page keeps its own order."""
        words = regions.search_words(search_term)
        own = [Q(name__icontains=word) | Q(code__startswith=word) for word in words]
        for word, in_own_name in zip(words, own, strict=True):
            # A word may name the region or a region it lies in ("Pesanggaran Banyuwangi", "Kupang NTT" does not:
            # NTT is no name), but one word at least names the region itself: "Kupang" is not each of its districts.
            queryset = queryset.filter(
                in_own_name | Q(parent__name__icontains=word) | Q(parent__parent__name__icontains=word)
            )
        if own:
            queryset = queryset.filter(functools.reduce(operator.or_, own))
        return queryset.select_related("parent__parent").order_by(Length("code"), "code"), False

    def picker_label(self, region):
        """A region named with the regions it lies in ("35.10 Kabupaten Banyuwangi, Jawa Timur"): Kupang is a regency
        and a city."""
        return regions.region_label(region)

    @admin.display(description=_("time zone"), ordering="time_zone")
    def time_zone_label(self, region):
        return regions.time_zone_label(region.time_zone)

    # Regions come from the official list (manage.py load_regions), never from hand edits.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "region", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "region__name", "region__code"]
    autocomplete_fields = ["region", "parent"]
    fields = ["name", "kind", "region", "parent", "contact_email", "active"]
    list_select_related = ["region", "parent"]
    actions = ["deactivate", "activate"]

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        picking = picking_for(request)
        if picking is None:
            return queryset, distinct
        # A picker offers the agencies that may be chosen in it: active ones; a case's owner is a district office.
        queryset = queryset.filter(active=True)
        if picking == ("cases", "case", "owner"):
            queryset = queryset.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT)
        return queryset, distinct

    def save_with_service(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in form.changed_data if field in self.fields}
        if change:
            return services.agency_update(actor=request.user, agency=obj, **data)
        return services.agency_create(actor=request.user, **{f: form.cleaned_data[f] for f in self.fields})

    @admin.action(description=_("Deactivate the selected agencies"), permissions=["change"])
    def deactivate(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, agency: services.agency_update(actor=actor, agency=agency, active=False),
            _("%(count)d agencies deactivated."),
        )

    @admin.action(description=_("Activate the selected agencies"), permissions=["change"])
    def activate(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, agency: services.agency_update(actor=actor, agency=agency, active=True),
            _("%(count)d agencies activated."),
        )


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    list_display = ["user", "user_full_name", "agency", "role", "active"]
    list_filter = ["role", "active", LockedOutFilter]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    list_select_related = ["user", "agency"]
    actions = ["end_memberships", "lift_lockouts"]

    @admin.action(description=_("Lift the sign-in lockout of the selected people"), permissions=["change"])
    def lift_lockouts(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, membership: two_factor.lockout_lift(actor=actor, membership=membership),
            _("%(count)d lockouts lifted."),
        )

    @admin.display(description=_("name"))
    def user_full_name(self, membership):
        return membership.user.get_full_name()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "first_name", "last_name", "agency", "role"]
        return ["account", "agency", "role", "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["account", "agency"] if obj is not None else []

    # Accounts are a set-up superuser's page: named here, not linked to a page the reader may not open.
    @admin.display(description=_("user"))
    def account(self, membership):
        return str(membership.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            # Offer only the agencies whose memberships this person manages.
            kwargs["queryset"] = access.changeable_by(request.user, Agency).filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in ("role", "active")}
            return services.membership_update(actor=request.user, membership=obj, **data)
        return services.membership_create(actor=request.user, **form.cleaned_data)

    @admin.action(description=_("End the selected memberships"), permissions=["change"])
    def end_memberships(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, membership: services.membership_update(actor=actor, membership=membership, active=False),
            _("%(count)d memberships ended."),
        )


@admin.register(ApiClient)
class ApiClientAdmin(ScopedModelAdmin):
    list_display = ["name", "agency", "scope", "key_id", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "agency__name", "key_id"]
    list_select_related = ["agency"]
    readonly_fields = ["key_id", "issued_by", "created_at", "rotated_at", "last_used_at", "revoked_at"]
    actions = ["rotate", "revoke"]
    token_template = "admin/agencies/apiclient/tokens.html"  # noqa: S105 (a template name)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "name", "scope"]
        return ["agency", "name", "scope", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "agency"] if obj is not None else []

    @admin.display(description=_("created by"))
    def issued_by(self, client):
        return str(client.created_by) if client.created_by_id else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = access.changeable_by(request.user, Agency).filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in ("name", "scope")}
            return services.api_client_update(actor=request.user, client=obj, **data)
        client, token = services.api_client_create(actor=request.user, **form.cleaned_data)
        request._issued_tokens = [(client, token)]
        return client

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_tokens_once(request, request._issued_tokens)

    def _show_tokens_once(self, request, issued):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Copy the token now"),
            "issued": issued,
        }
        response = TemplateResponse(request, self.token_template, context)
        # A secret on the page: never cache it anywhere.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Rotate the tokens of the selected clients"), permissions=["change"])
    def rotate(self, request, queryset):
        issued = []

        def rotate_one(actor, client):
            issued.append(services.api_client_rotate(actor=actor, client=client))

        self.run_service_action(request, queryset, rotate_one, _("%(count)d tokens rotated."))
        return self._show_tokens_once(request, issued) if issued else None

    @admin.action(description=_("Revoke the selected clients"), permissions=["change"])
    def revoke(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, client: services.api_client_revoke(actor=actor, client=client),
            _("%(count)d clients revoked."),
        )


class ActionFilter(admin.SimpleListFilter):
    """The trail's actions by their labels. Every known one is offered: asking the trail, which grows by a row per
    API read, which ones occur would scan it on each page."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        if settings.ADMIN_LEAN_FILTERS:  # the same list for every page in a language: sorted once
            return list(_actions_by_label(translation.get_language()))
        return _sorted_actions()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


def _sorted_actions() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in audit_labels.ACTIONS.items()), key=lambda pair: pair[1])


@functools.lru_cache(maxsize=16)
def _actions_by_label(language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple(_sorted_actions())


# What the trail's list shows of an event and the rows it names (AuditEventAdmin.list_display): not the event's data
# (a JSON document decoded per row) nor the accounts' passwords and dates, which only an event's own page reads.
TRAIL_COLUMNS = (
    "created_at",
    "action",
    "target_type_id",
    "target_id",
    "actor_user__username",
    "actor_api_client__name",
    "actor_api_client__agency__name",
    "agency__name",
)


class AuditEventChangeList(LeanQueryStrings, UncountedChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).only(*TRAIL_COLUMNS)

    def get_results(self, request):
        super().get_results(request)
        audit_labels.name_targets(self.result_list)  # one query for the page's case numbers


# Who a trail search names: at most this many accounts (a name several people share).
SEARCHED_USERS = 20


@admin.register(AuditEvent)
class AuditEventAdmin(UncountedListAdmin, ScopedModelAdmin):
    """The auditors' trail, newest first. It grows by a row per personal read, so nothing on it reads the whole
    log: no count, no date hierarchy (its choices are the distinct dates of the scope), and a search that names
    the rows it wants (a case by its number, a user by their account) on the log's indexes (AuditEvent.Meta)."""

    change_list_template = "admin/lean_change_list.html"

    list_display = ["created_at", "action_label", "actor_user", "actor_api_client", "agency", "target"]
    # Dates as fixed ranges (today, the past 7 days, this month, this year): a range on the newest-first index.
    list_filter = [ActionFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["target_id"]  # searched by get_search_results
    search_help_text = _("A case number, or a user's account name or first or last name.")
    # The API client's name says its agency; the target's type is named from the per-process content types.
    list_select_related = ["actor_user", "actor_api_client__agency", "agency"]
    fields = [
        "created_at",
        "action_label",
        "by_user",
        "actor_api_client",
        "actor_agency",
        "agency",
        "target",
        "details",
    ]
    readonly_fields = fields

    @admin.display(description=_("user"))
    def by_user(self, event):
        return str(event.actor_user) if event.actor_user_id else "—"  # named, not linked: accounts are set-up's

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, event):
        return audit_labels.action_label(event.action)

    @admin.display(description=_("about"))
    def target(self, event):
        if not hasattr(event, "target_name"):
            audit_labels.name_targets([event])
        return event.target_name

    def get_changelist(self, request, **kwargs):
        return AuditEventChangeList

    def get_search_results(self, request, queryset, search_term):
        """A case's number finds its trail (the case, its person and the rows that belong to it); a user's account
        name, or their first or last name, finds what they did. Anything else finds nothing: no text is matched
        inside the log."""
        term = search_term.strip()
        if not term:
            return queryset, False
        about = audit_labels.events_about_number(audit_labels.numbered_models(), term)
        users = list(
            User.objects.filter(Q(username__iexact=term) | Q(first_name__iexact=term) | Q(last_name__iexact=term))
            .order_by("pk")
            .values_list("pk", flat=True)[:SEARCHED_USERS]
        )
        found = Q(pk__in=[])
        if about is not None:
            found |= about
        if users:
            found |= Q(actor_user__in=users)
        return queryset.filter(found), False

    @admin.display(description=_("details"))
    def details(self, event):
        lines = audit_labels.details(event.action, event.target_type.model_class(), event.data)
        return format_html_join(mark_safe("<br>"), "{}: {}", lines) if lines else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KindFilter(admin.SimpleListFilter):
    """The kinds of email by their labels."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((code, str(kind.label)) for code, kind in notifications.KINDS.items()), key=lambda p: p[1])

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(FigureRefresh)
class FigureRefreshAdmin(ScopedModelAdmin):
    """The runs that recomputed the indicators' figures, and "Perbarui angka" to run one now (issue 17)."""

    change_list_template = "admin/agencies/figurerefresh/change_list.html"
    list_display = ["started_at", "finished_at", "status", "started_by_name", "rows", "error_label"]
    list_filter = ["status"]
    list_select_related = ["started_by"]
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("started by"))
    def started_by_name(self, refresh):
        user = refresh.started_by
        return (user.get_full_name() or user.username) if user else gettext("Nightly schedule")

    @admin.display(description=_("error"))
    def error_label(self, refresh):
        # The class of the error only; the words for a person are that it failed and the figures stayed as they were.
        return gettext("Failed; the figures stay as they were") if refresh.error else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("refresh/", view(self.refresh_view), name="agencies_figurerefresh_refresh"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_refresh": figures_refresh.may_request_refresh(request.user)}
        return super().changelist_view(request, extra_context)

    @method_decorator(require_POST)
    def refresh_view(self, request):
        if not self.has_view_permission(request):
            raise Http404(access.NOT_FOUND)
        try:
            figures_refresh.figures_refresh_request(actor=request.user)  # PermissionDenied: 403, they see the list
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.WARNING)
        else:
            self.message_user(request, gettext("The figures are being recomputed; this takes a few minutes."))
        return HttpResponseRedirect(reverse("admin:agencies_figurerefresh_changelist"))


@admin.register(Notification)
class NotificationAdmin(ScopedModelAdmin):
    """Sent and failed email history. The texts carry case numbers and links only."""

    list_display = ["created_at", "kind_label", "recipient", "agency", "period_label", "status", "attempts", "sent_at"]
    list_filter = ["status", KindFilter]
    search_fields = ["email_subject", "subject", "recipient__username"]
    list_select_related = ["recipient", "agency"]
    date_hierarchy = "created_at"
    fields = [
        "to_user",
        "agency",
        "kind_label",
        "subject_label",
        "period_label",
        "status",
        "attempts",
        "next_attempt_at",
        "error_label",
        "created_at",
        "sent_at",
        "email_subject",
        "body",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("recipient"))
    def to_user(self, notification):
        return str(notification.recipient)  # named, not linked: accounts are set-up's

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, notification):
        return notifications.kind_label(notification.kind)

    @admin.display(description=_("period"), ordering="period")
    def period_label(self, notification):
        return notifications.period_label(notification.period) if notification.period else "—"

    @admin.display(description=_("last error"))
    def error_label(self, notification):
        return notifications.error_label(notification.last_error) if notification.last_error else "—"

    @admin.display(description=_("about"))
    def subject_label(self, notification):
        return notifications.subject_label(notification.subject) if notification.subject else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only history; "send again" is an action, checked by its service

    @admin.action(description=_("Send the selected failed emails again"))
    def send_again(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda actor, n: notifications.notification_send_again(actor=actor, notification=n),
            _("%(count)d email(s) queued to be sent again."),
        )


# The reminder schedules (django-celery-beat's rows). Province staff set when reminders go out; adding and
# removing schedules is for set-up superusers. These are not our models, so Django's own admin classes serve them,
# with who-may-use-them decided here rather than by Django's model permissions. Superusers get the library's full
# pages; province staff a plain view of them in words (what runs, when), changing only the time and the switch.
def _may_set_schedules(user) -> bool:
    return _is_superuser(user) or any(g.role == Role.PROVINCE_STAFF and g.may_write for g in access.grants_of(user))


def _is_superuser(user) -> bool:
    return user.is_active and user.is_superuser


class _ScheduleAccess:
    def has_module_permission(self, request):
        return _may_set_schedules(request.user)

    def has_view_permission(self, request, obj=None):
        return _may_set_schedules(request.user)

    def has_change_permission(self, request, obj=None):
        return _may_set_schedules(request.user)

    def has_add_permission(self, request):
        return _is_superuser(request.user)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request.user)


class _Named:
    """A row that reads as `name` (in a message) and is the row for everything else."""

    def __init__(self, row, name: str):
        self._row, self._name = row, name

    def __getattr__(self, attribute):
        return getattr(self._row, attribute)

    def __str__(self):
        return self._name


class _PlainForProvinceStaff(_ScheduleAccess, ListTitled):
    """The library's pages for superusers; for province staff `plain_*` in their place (labels, not cron codes)."""

    plain_list_display: tuple = ()
    plain_fields: tuple = ()
    plain_readonly_fields: tuple = ()

    def get_list_display(self, request):
        return self.plain_list_display if not _is_superuser(request.user) else super().get_list_display(request)

    def get_list_filter(self, request):
        return () if not _is_superuser(request.user) else super().get_list_filter(request)

    def get_search_fields(self, request):
        return () if not _is_superuser(request.user) else super().get_search_fields(request)

    def get_fieldsets(self, request, obj=None):
        if _is_superuser(request.user):
            return super().get_fieldsets(request, obj)
        return [(None, {"fields": self.plain_fields})]

    def get_readonly_fields(self, request, obj=None):
        if _is_superuser(request.user):
            return super().get_readonly_fields(request, obj)
        return self.plain_readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if not _is_superuser(request.user):
            kwargs["form"] = forms.ModelForm  # the library's form asks for the task's code, which staff never set
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return super().get_inlines(request, obj) if _is_superuser(request.user) else []

    def plain_name(self, obj) -> str:
        return str(obj)

    def action_checkbox(self, obj):
        # Django names the row in the checkbox's label by str(), which for these rows is a cron line.
        attrs = {
            "class": "action-select",
            "aria-label": format_html(gettext("Select this object for an action - {}"), self.plain_name(obj)),
        }
        return forms.CheckboxInput(attrs, lambda value: False).render(ACTION_CHECKBOX_NAME, str(obj.pk))

    def _named(self, request, object_id, extra_context, **titles) -> dict | None:
        # The library's names of these rows are cron lines: a page's title and breadcrumb say them in words.
        obj = None if _is_superuser(request.user) else self.get_object(request, unquote(object_id))
        if obj is None:
            return extra_context
        name = self.plain_name(obj)
        return {**(extra_context or {}), "plain_name": name, **{key: text % name for key, text in titles.items()}}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = self._named(request, object_id, extra_context, subtitle="%s")
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = self._named(request, object_id, extra_context, title=_("Change history: %s"))
        return super().history_view(request, object_id, extra_context)

    def response_change(self, request, obj):
        # The "… was changed successfully" message names the row by str() too.
        return super().response_change(
            request, obj if _is_superuser(request.user) else _Named(obj, self.plain_name(obj))
        )

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if _is_superuser(request.user):
            return changelist

        class WithoutDateHierarchy(changelist):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.date_hierarchy = None

        return WithoutDateHierarchy


class PeriodicTaskAdmin(_PlainForProvinceStaff, beat_admin.PeriodicTaskAdmin):
    change_form_template = "admin/django_celery_beat/periodictask/change_form.html"
    # In words: what it does and when. The rows' own names carry zone codes ("Pengingat harian (WITA, Asia/Makassar)").
    plain_list_display = ("task_label", "schedule_label", "enabled", "last_run_at")
    plain_fields = ("task_label", "schedule_label", "enabled", "last_run_at")
    plain_readonly_fields = ("task_label", "schedule_label", "last_run_at")

    def plain_name(self, task) -> str:
        return schedules.task_name(task)

    @admin.display(description=_("what it does"))
    def task_label(self, task):
        return schedules.task_label(task)

    @admin.display(description=_("when"))
    def schedule_label(self, task):
        return capfirst(schedules.schedule_label(task))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not _is_superuser(request.user):
            actions = {name: action for name, action in actions.items() if name in ("enable_tasks", "disable_tasks")}
        return actions


class CrontabScheduleAdmin(_PlainForProvinceStaff, beat_admin.CrontabScheduleAdmin):
    plain_list_display = ("schedule_label", "used_by")
    plain_fields = ("schedule_label", "hour", "minute", "zone_label", "used_by")
    plain_readonly_fields = ("schedule_label", "zone_label", "used_by")

    def plain_name(self, crontab) -> str:
        return schedules.crontab_label(crontab)

    @admin.display(description=_("when"))
    def schedule_label(self, crontab):
        return capfirst(schedules.crontab_label(crontab))

    @admin.display(description=_("time zone"))
    def zone_label(self, crontab):
        return regions.time_zone_label(str(crontab.timezone))

    @admin.display(description=_("used by"))
    def used_by(self, crontab):
        return ", ".join(sorted({schedules.task_label(task) for task in crontab.periodictask_set.all()})) or "—"


for _model, _admin_class in (
    (beat_models.PeriodicTask, PeriodicTaskAdmin),
    (beat_models.CrontabSchedule, CrontabScheduleAdmin),
    # Interval, clocked and solar schedules: the reminders use none a province changes, so only set-up sees them.
    (
        beat_models.IntervalSchedule,
        type("IntervalScheduleAdmin", (_SetUpOnly, ListTitled, beat_admin.IntervalScheduleAdmin), {}),
    ),
    (
        beat_models.ClockedSchedule,
        type("ClockedScheduleAdmin", (_SetUpOnly, ListTitled, beat_admin.ClockedScheduleAdmin), {}),
    ),
    (
        beat_models.SolarSchedule,
        type("SolarScheduleAdmin", (_SetUpOnly, ListTitled, beat_admin.SolarScheduleAdmin), {}),
    ),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)

# "My exports" (agencies.exports), the months' approved figures (agencies.snapshots) and the dashboard with its
# list of indicators (agencies.dashboards): registered from their own modules.
from . import dashboard_admin, exports_admin, incidents_admin, snapshots_admin  # noqa: E402,F401
