from rest_framework.throttling import SimpleRateThrottle

from agencies.models import ApiClient


class PerCallerThrottle(SimpleRateThrottle):
    """A rate per API client (or signed-in user); over it: 429 with Retry-After."""

    scope = "caller"

    def get_cache_key(self, request, view):
        actor = request.user
        if isinstance(actor, ApiClient):
            ident = f"client:{actor.pk}"
        elif getattr(actor, "is_authenticated", False):
            ident = f"user:{actor.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
