from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies import access


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

    def has_permission(self, request):
        # A person enters through an active membership of an active agency; superusers only to set up.
        return access.may_use_admin(request.user)
