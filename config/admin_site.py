from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agencies import access, notifications, services, work
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
    "privacy": ("cases.correctionrequest", "cases.restriction"),
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
_PLACE = {key: (group, place) for group, keys in MENU.items() for place, key in enumerate(keys)}
_GROUP_ORDER = {group: place for place, group in enumerate(MENU)}


def _key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def arranged(app_dict: dict, settings_url: str) -> list[dict]:
    """Django's app dictionary (`AdminSite._build_app_dict`) as the menu in the order of the work (`MENU`)."""
    groups: dict[str, dict] = {}
    for app_label, app in app_dict.items():
        for model in app["models"]:
            group, _place = _PLACE.get(_key(model["model"]), (app_label, None))
            if group not in groups:
                if group == SETTINGS:
                    groups[group] = {"app_label": group, "app_url": settings_url, "has_module_perms": True}
                elif group not in app_dict:
                    # A group of pages from several apps has no app page of its own: its name leads to its first page.
                    groups[group] = {"app_label": group, "app_url": model["admin_url"], "has_module_perms": True}
                else:
                    groups[group] = dict(app)
                groups[group]["models"] = []
            if _key(model["model"]) in PAGE_NAMES:
                model = {**model, "name": capfirst(gettext(PAGE_NAMES[_key(model["model"])]))}
            groups[group]["models"].append(model)
    menu = []
    for group, app in groups.items():
        if group in GROUP_NAMES:
            app["name"] = capfirst(gettext(GROUP_NAMES[group]))
        app["models"].sort(key=lambda m: (_PLACE.get(_key(m["model"]), ("", len(_PLACE)))[1], str(m["name"])))
        menu.append(app)
    # An app in no group of MENU goes just before Settings.
    return sorted(menu, key=lambda app: (_GROUP_ORDER.get(app["app_label"], len(MENU) - 1.5), str(app["name"]).lower()))


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
        # A person enters through an active membership of an active agency; superusers only to set up.
        return access.may_use_admin(request.user)

    def get_app_list(self, request, app_label=None):
        """The menu in the order of the work (`MENU`), set-up pages under Settings; one app's page (`app_label`): its
        pages in that order. The whole menu (every page's sidebar) is kept per grants and language (ADMIN_MENU_MEMO);
        one app's is not."""
        if app_label is not None:
            return [
                {**app, "models": sorted(app["models"], key=lambda m: _PLACE.get(_key(m["model"]), ("", 99))[1])}
                for app in super().get_app_list(request, app_label)
            ]
        return admin_menu.app_list(self, request, lambda: self._menu(request))

    def _menu(self, request) -> list[dict]:
        return arranged(self._build_app_dict(request), reverse("admin:settings", current_app=self.name))

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
            path("settings/", self.admin_view(self.settings_view), name="settings"),
            path("reminders/", self.admin_view(self.my_reminders_view), name="my_reminders"),
            path("language/", self.admin_view(require_POST(self.account_language_view)), name="account_language"),
        ]
        return own + super().get_urls()

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
