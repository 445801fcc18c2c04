from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies import services


class ApiClientAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer rhb_…`: the partner's ApiClient becomes request.user (the actor of every service)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be `Bearer <token>`."))
        client = services.api_client_authenticate(token=header[1])
        if client is None:
            # The same answer for an unknown, a revoked and a rotated token.
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        return client, client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiClientAuthentication
    name = "apiClientToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client token (`rhb_<key id>_<secret>`), issued once by province staff.",
        }


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """Staff's admin session, for trying the API from its documentation page: only a session that passed the second
    factor (django-otp's `is_verified`), so a stolen password alone never reads the API. Anything else is anonymous
    here, as a missing session is."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        if not getattr(user, "is_verified", lambda: False)():
            return None
        return found


class VerifiedSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = VerifiedSessionAuthentication
    name = "cookieAuth"
    priority = -1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
