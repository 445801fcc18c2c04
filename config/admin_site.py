from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agencies import access, notifications, services, work
from agencies.fastpath import admin_menu
from agencies.models import NotificationOptOut


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
        # The whole menu (every page's sidebar) is kept per grants and language (ADMIN_MENU_MEMO); one app's is not.
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return admin_menu.app_list(self, request, lambda: super(RehabAdminSite, self).get_app_list(request))

    def index(self, request, extra_context=None):
        """The home: what waits for the person (each count as their reminder emails count it), then the menu."""
        return super().index(request, {"my_work": work.my_work(request.user), **(extra_context or {})})

    def get_urls(self):
        own = [
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
