import math

from rest_framework.throttling import SimpleRateThrottle

from agencies.models import ApiClient


class PerCallerThrottle(SimpleRateThrottle):
    """A rate per API client (or signed-in user), e.g. 600/min; over it: 429 with Retry-After.

    Paced by GCRA (a leaky bucket kept as one number: the time the caller's bucket is next empty) rather than DRF's
    list of request times, which at 600/min is up to 600 floats read and written whole in the cache on every
    request. The same rate: a burst of up to the whole allowance, then one request per interval."""

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

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        empty_at = max(self.cache.get(self.key, now), now) + self.duration / self.num_requests
        if empty_at - now > self.duration:
            self.wait_seconds = empty_at - self.duration - now
            return False
        self.cache.set(self.key, empty_at, math.ceil(empty_at - now) + 1)
        return True

    def wait(self):
        return self.wait_seconds
