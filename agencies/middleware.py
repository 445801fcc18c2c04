from . import access


class AccessCacheMiddleware:
    """Lets agencies.access keep its answers for the signed-in user for the length of one request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            access.start_request_cache(request.user)
        return self.get_response(request)
