from django.conf import settings
from django.utils import translation

from . import access


class AccessCacheMiddleware:
    """Lets agencies.access keep its answers for the signed-in user for the length of one request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            access.start_request_cache(request.user)
        return self.get_response(request)


class AccountLanguageMiddleware:
    """A signed-in person sees the language their account says, whatever their browser asks for.

    Runs after AuthenticationMiddleware; LocaleMiddleware before it has already chosen from the browser, which stays
    the answer for pages without an account (sign-in) and for the API, whose clients negotiate by Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language in self.languages and not request.path_info.startswith("/api/"):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
