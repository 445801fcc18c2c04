"""Site-wide 400, 403, 404 and 500: problem details (RFC 9457) under /api/, our own pages elsewhere."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _problem(status: int, title: str) -> HttpResponse:
    body = json.dumps({"type": "about:blank", "title": title, "status": status})
    return HttpResponse(body, status=status, content_type="application/problem+json")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return _problem(400, _("The request was refused."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _problem(403, _("Forbidden."))
    return defaults.permission_denied(request, exception)


def not_found(request, exception):
    if _is_api(request):
        return _problem(404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _problem(500, _("Server error."))
    return defaults.server_error(request)
