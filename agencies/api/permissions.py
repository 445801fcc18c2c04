from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from agencies import access
from agencies.models import ApiClient


class IsMember(permissions.BasePermission):
    """Anyone acting for an active agency; read-only API clients only read."""

    message = _("This token may only read.")

    def has_permission(self, request, view):
        actor = request.user
        if not access.grants_of(actor) and not getattr(actor, "is_superuser", False):
            self.message = _("You act for no active agency.")
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return not isinstance(actor, ApiClient) or actor.scope == ApiClient.Scope.READ_WRITE
