"""Site-wide 404 and 500: problem details (RFC 9457) under /api/, Django's own pages elsewhere."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _problem(status: int, title: str) -> HttpResponse:
    body = json.dumps({"type": "about:blank", "title": title, "status": status})
    return HttpResponse(body, status=status, content_type="application/problem+json")


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return _problem(404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _problem(500, _("Server error."))
    return defaults.server_error(request)
