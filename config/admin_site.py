from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from agencies import access, notifications, ropa_admin, services, sessions, two_factor, two_factor_views, work
from agencies.fastpath import admin_menu
from agencies.models import NotificationOptOut, Role
from agencies.scoped_admin import PostedAutocompleteJsonView

# The menu in the order of the work: the groups, and each group's pages ("app_label.model_name"). The set-up pages of
# every app (API clients, regions, target groups, email history, schedules, accounts) are one group at the end.
# A page in no group stays in its app's group, after the listed ones (tests/agencies/test_admin_menu.py asks that
# every page has its place).
MENU = {
    "cases": (
        "cases.case",
        "cases.referral",
        "cases.possibleduplicate",
        "cases.consent",
        "cases.site",
        "cases.sitecount",
    ),
    "programs": ("programs.program", "programs.batch", "programs.enrollment", "programs.followup", "programs.outcome"),
    "funding": (
        "funding.disbursement",
        "funding.entitlement",
        "funding.installment",
        "funding.allocation",
        "funding.fundingsource",
        "funding.benefit",
        "funding.ledgerentry",
    ),
    # What leadership and the offices decide with (the dashboard, agencies.dashboards; the months' approved
    # figures, agencies.snapshots) and what a person asked to take away (their exports, agencies.exports).
    "reports": ("agencies.figure", "agencies.monthlysnapshot", "agencies.export"),
    # The duties of UU 27/2022 (issue 18): subject-access and correction requests, breaches, retention, the inventory.
    "privacy": (
        "cases.subjectaccessrequest",
        "cases.correctionrequest",
        "cases.restriction",
        "agencies.incident",
        "agencies.retentionrun",
        "cases.legalhold",
        "privacy.processingrecord",
    ),
    "agencies": ("agencies.agency", "agencies.membership", "agencies.auditevent"),
    "settings": (
        "agencies.apiclient",
        "agencies.notification",
        "agencies.figurerefresh",
        "django_celery_beat.periodictask",
        "django_celery_beat.crontabschedule",
        "agencies.region",
        "cases.targetgroup",
        "agencies.user",
        "auth.group",
        "django_celery_beat.intervalschedule",
        "django_celery_beat.clockedschedule",
        "django_celery_beat.solarschedule",
    ),
}
# Groups whose name says more than their app's: without regions (now under Settings) the agencies' is "Agencies".
GROUP_NAMES = {
    "agencies": _("Agencies"),
    "reports": _("Reports"),
    "privacy": _("Data protection"),
    "settings": _("Settings"),
}
# Pages whose name says more than their model's: the Figure model's place in the admin is the dashboard.
PAGE_NAMES = {"agencies.figure": _("Dashboard")}
SETTINGS = "settings"


@dataclass(frozen=True)
class MenuPage:
    """A page of the menu that is no model's list (the record of processing, drawn from code): `key` is its place in
    MENU, as "app_label.model_name" is a model's. Whether a person sees it must depend on their grants only (the
    menu is kept per grants, agencies.fastpath.admin_menu)."""

    key: str
    name: Promise
    url_name: str
    object_name: str
    visible: Callable[[object], bool]

    def entry(self) -> dict:
        """The page as an entry of Django's app list (what the sidebar and the home draw)."""
        url = reverse(self.url_name)
        return {
            "key": self.key,
            "model": None,
            "name": capfirst(gettext(self.name)),
            "object_name": self.object_name,
            "perms": {"add": False, "change": False, "delete": False, "view": True},
            "admin_url": url,
            "add_url": None,
            "view_only": True,
        }


PAGES = (
    MenuPage(
        key="privacy.processingrecord",
        name=_("Record of processing activities"),
        url_name="admin:privacy_record",
        object_name="ProcessingRecord",
        visible=ropa_admin.may_read,
    ),
)
_PLACE = {key: (group, place) for group, keys in MENU.items() for place, key in enumerate(keys)}
_GROUP_ORDER = {group: place for place, group in enumerate(MENU)}


def _key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _entry_key(entry: dict) -> str:
    """An app list entry's place in MENU: a MenuPage's key, or its model's."""
    return entry.get("key") or _key(entry["model"])


def menu_group(key: str) -> tuple[str, str | None]:
    """The group of the menu that holds the page `key` ("app_label.model_name", or a MenuPage's key), named as the
    menu names it, and the address of the group's own page: Settings', or its app's; None for a group of pages from
    several apps (Reports, Data protection), which has none. What a page's breadcrumbs show between Home and the
    page, so they retrace the way the person came ("Data protection › Subject-access requests")."""
    group = _PLACE.get(key, (key.partition(".")[0], None))[0]
    if group == SETTINGS:
        return capfirst(gettext(GROUP_NAMES[SETTINGS])), reverse("admin:settings")
    try:
        app_name = apps.get_app_config(group).verbose_name
    except LookupError:
        return capfirst(str(GROUP_NAMES.get(group, group))), None
    try:
        url = reverse("admin:app_list", kwargs={"app_label": group})
    except NoReverseMatch:  # an app with no page in the admin
        url = None
    return capfirst(str(GROUP_NAMES.get(group, app_name))), url


def arranged(app_dict: dict, settings_url: str) -> list[dict]:
    """Django's app dictionary (`AdminSite._build_app_dict`) as the menu in the order of the work (`MENU`)."""
    groups: dict[str, dict] = {}
    for app_label, app in app_dict.items():
        for model in app["models"]:
            group, _place = _PLACE.get(_entry_key(model), (app_label, None))
            if group not in groups:
                if group == SETTINGS:
                    groups[group] = {"app_label": group, "app_url": settings_url, "has_module_perms": True}
                elif group not in app_dict:
                    # A group of pages from several apps has no app page of its own: its name leads to its first page.
                    groups[group] = {"app_label": group, "app_url": model["admin_url"], "has_module_perms": True}
                else:
                    groups[group] = dict(app)
                groups[group]["models"] = []
            if _entry_key(model) in PAGE_NAMES:
                model = {**model, "name": capfirst(gettext(PAGE_NAMES[_entry_key(model)]))}
            groups[group]["models"].append(model)
    menu = []
    for group, app in groups.items():
        if group in GROUP_NAMES:
            app["name"] = capfirst(gettext(GROUP_NAMES[group]))
        app["models"].sort(key=lambda m: (_PLACE.get(_entry_key(m), ("", len(_PLACE)))[1], str(m["name"])))
        menu.append(app)
    # An app in no group of MENU goes just before Settings.
    return sorted(menu, key=lambda app: (_GROUP_ORDER.get(app["app_label"], len(MENU) - 1.5), str(app["name"]).lower()))


def _app_group(app: dict) -> dict:
    """An app's own page as its group of the menu: the app's pages that the menu keeps in its group (not those moved
    to Reports, Data protection or Settings), in MENU's order, under the group's name; where the breadcrumbs' group
    link leads (menu_group)."""
    label = app["app_label"]
    models = [m for m in app["models"] if _PLACE.get(_key(m["model"]), (label, None))[0] == label]
    models.sort(key=lambda m: _PLACE.get(_key(m["model"]), ("", len(_PLACE)))[1])
    name = capfirst(gettext(GROUP_NAMES[label])) if label in GROUP_NAMES else app["name"]
    return {**app, "name": name, "models": models}


class MemberAuthenticationForm(AdminAuthenticationForm):
    """Admits anyone the access rule admits, instead of Django's `is_staff` flag."""

    def confirm_login_allowed(self, user):
        if not access.may_use_admin(user):
            raise ValidationError(
                _("This account has no active membership of an active agency. Ask your province office."),
                code="no_membership",
            )


class RehabAdminSite(admin.AdminSite):
    """The admin for every agency's staff. Who gets in is decided by agencies.access, not by `is_staff`."""

    site_header = _("Social rehabilitation case management")
    site_title = _("Social rehabilitation")
    index_title = _("Administration")
    login_form = MemberAuthenticationForm
    site_url = None  # the site is the admin: a "view site" link would only lead back here
    # The home: the person's work first ("My work", agencies.work), then the menu; no "Recent actions".
    index_template = "admin/home.html"

    def has_permission(self, request):
        # A person enters through an active membership of an active agency; superusers only to set up. Either only
        # with a session that passed the second factor (issue 18): a password alone opens nothing.
        return access.may_use_admin(request.user) and two_factor.verified(request.user)

    def login(self, request, extra_context=None):
        """Django's password page, then the second step: the code page, or the enrolment page at a first sign-in."""
        if request.method == "GET" and self._password_only(request.user):
            return HttpResponseRedirect(self._second_step(request))
        response = super().login(request, extra_context)
        # The password was just accepted (django.contrib.auth.login replaced request.user): on to the code.
        if request.method == "POST" and self._password_only(request.user):
            return HttpResponseRedirect(self._second_step(request))
        return response

    @staticmethod
    def _password_only(user) -> bool:
        return user.is_authenticated and access.may_use_admin(user) and not two_factor.verified(user)

    @staticmethod
    def _second_step(request) -> str:
        return two_factor_views.next_step_url(request.user, two_factor_views.safe_next(request, ""))

    def get_app_list(self, request, app_label=None):
        """The menu in the order of the work (`MENU`), set-up pages under Settings; one app's page (`app_label`): its
        pages in that order. The whole menu (every page's sidebar) is kept per grants and language (ADMIN_MENU_MEMO);
        one app's is not."""
        if app_label is not None:
            return [group for app in super().get_app_list(request, app_label) if (group := _app_group(app))["models"]]
        return admin_menu.app_list(self, request, lambda: self._menu(request))

    def _menu(self, request) -> list[dict]:
        app_dict = self._build_app_dict(request)
        # Pages that are no model's list join the menu under a label no app has, then go to their group by key.
        pages = [page.entry() for page in PAGES if page.visible(request.user)]
        if pages:
            app_dict["_pages"] = {"app_label": "_pages", "name": "", "models": pages}
        return arranged(app_dict, reverse("admin:settings", current_app=self.name))

    def each_context(self, request):
        context = super().each_context(request)
        context["user_offices"] = self.offices_of(request.user)
        return context

    @staticmethod
    def offices_of(user) -> list[str]:
        """Where and as what the person works, one line per membership, for the header ("Dinas Sosial Kabupaten
        Banyuwangi · Staf kabupaten/kota"); from the person's grants, which every page reads anyway."""
        if not getattr(user, "is_authenticated", False):
            return []
        offices = [f"{grant.agency.name} · {Role(grant.role).label}" for grant in access.grants_of(user)]
        if not offices and access.is_setup_superuser(user):
            offices = [gettext("Set-up administrator")]
        return offices

    def settings_view(self, request):
        """The Settings group's own page, as an app's page lists that app's pages."""
        group = next((app for app in self.get_app_list(request) if app["app_label"] == SETTINGS), None)
        if group is None:
            raise Http404(access.NOT_FOUND)
        context = {
            **self.each_context(request),
            "title": gettext("Settings"),
            "subtitle": None,
            "app_list": [group],
            "app_label": SETTINGS,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)

    def autocomplete_view(self, request):
        return PostedAutocompleteJsonView.as_view(admin_site=self)(request)

    def index(self, request, extra_context=None):
        """The home: what waits for the person (each count as their reminder emails count it), then the menu."""
        return super().index(request, {"my_work": work.my_work(request.user), **(extra_context or {})})

    def get_urls(self):
        own = [
            # The sign-in's second step and the enrolment are for a person signed in with a password only, so they
            # are not behind admin_view (which admits verified sessions); each checks who may use it.
            path("two-factor/", never_cache(self.two_factor_code_view), name="two_factor_code"),
            path("two-factor/setup/", never_cache(self.two_factor_setup_view), name="two_factor_setup"),
            path("two-factor/confirm/", self.admin_view(self.step_up_view), name="step_up"),
            path(
                "two-factor/recovery-codes/",
                self.admin_view(self.recovery_codes_view),
                name="two_factor_recovery_codes",
            ),
            path("settings/", self.admin_view(self.settings_view), name="settings"),
            path("reminders/", self.admin_view(self.my_reminders_view), name="my_reminders"),
            path("sessions/", self.admin_view(self.my_sessions_view), name="my_sessions"),
            path("language/", self.admin_view(require_POST(self.account_language_view)), name="account_language"),
            # The record of processing activities (issue 18), drawn from the data inventory in code.
            path("privacy/record/", self.admin_view(partial(ropa_admin.page_view, self)), name="privacy_record"),
            path("privacy/record.pdf", self.admin_view(partial(ropa_admin.pdf_view, self)), name="privacy_record_pdf"),
        ]
        return own + super().get_urls()

    def two_factor_code_view(self, request):
        return two_factor_views.code_view(self, request)

    def two_factor_setup_view(self, request):
        return two_factor_views.setup_view(self, request)

    def step_up_view(self, request):
        return two_factor_views.step_up_view(self, request)

    def recovery_codes_view(self, request):
        return two_factor_views.recovery_codes_view(self, request)

    def account_language_view(self, request):
        """The header's language switch: saves it on the account, then back to the page the person was on."""
        try:
            services.user_language_change(actor=request.user, user=request.user, language=request.POST.get("language"))
        except ValidationError:
            messages.error(request, _("Choose Indonesian or English."))
        back = request.POST.get("next", "")
        ours = {request.get_host()}
        if not url_has_allowed_host_and_scheme(back, allowed_hosts=ours, require_https=request.is_secure()):
            back = reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(back)

    def my_reminders_view(self, request):
        """Each person's own switches for the non-critical kinds of email (the same as the link in each email)."""
        user = request.user
        if request.method == "POST":
            change = {"opt_out": notifications.notification_opt_out, "opt_in": notifications.notification_opt_in}
            try:
                change[request.POST.get("action", "")](user=user, kind=request.POST.get("kind", ""))
            except (KeyError, ValidationError):
                messages.error(request, _("That reminder cannot be changed."))
            else:
                messages.success(request, _("Your email reminders were saved."))
            return redirect("admin:my_reminders")
        off = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
        context = {
            **self.each_context(request),
            "title": _("Email reminders"),
            "kinds": [(kind, kind.code not in off) for kind in notifications.KINDS.values()],
        }
        return TemplateResponse(request, "admin/my_reminders.html", context)

    def my_sessions_view(self, request):
        """Each person's own signed-in sessions (browser, address, when), any of which they end here."""
        current_key = request.session.session_key
        if request.method == "POST":
            try:
                ended_current = sessions.session_end(
                    actor=request.user, reference=request.POST.get("session", ""), current_key=current_key
                )
            except PermissionDenied:
                messages.error(request, _("That session is not one of yours, or it has already ended."))
                return redirect("admin:my_sessions")
            if ended_current:
                # Its row is gone: the cookie leads nowhere, and this browser signs in again.
                request.session.flush()
                return redirect("admin:login")
            messages.success(request, _("The session was ended: that browser must sign in again."))
            return redirect("admin:my_sessions")
        zone = notifications.zone_of(
            grant.agency if (grant := next(iter(access.grants_of(request.user)), None)) else None
        )
        context = {
            **self.each_context(request),
            "title": _("My sessions"),
            "sessions": sessions.sessions_of(request.user, current_key=current_key),
            "time_zone": zone.key,
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
            "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
        }
        return TemplateResponse(request, "admin/my_sessions.html", context)
