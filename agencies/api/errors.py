"""One error shape for the whole API: RFC 9457 problem details, with field errors, in the caller's language."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from agencies.scoped_admin import errors_of
from agencies.writes import VersionMismatch

PROBLEM = "application/problem+json"
# Service refusals whose codes mean "this already exists" answer 409, not 400.
CONFLICT_CODES = {"duplicate", "duplicate_elsewhere"}


def _flatten(detail):
    if isinstance(detail, dict):
        return {field: _flatten(value) for field, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return [str(detail)]


def problem(status_code: int, title: str, detail: str = "", errors: dict | None = None, headers=None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM)
    return response


def handle(exc, context):
    """DRF's exception handler, extended to Django's ValidationError, PermissionDenied and Http404."""
    if isinstance(exc, DjangoValidationError):
        grouped = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
        codes = {error.code for errors in grouped for error in errors}
        code = status.HTTP_409_CONFLICT if codes & CONFLICT_CODES else status.HTTP_400_BAD_REQUEST
        errors = {("non_field_errors" if k == "__all__" else k): v for k, v in errors_of(exc).items()}
        return problem(code, _("The request was refused."), errors=errors)
    if isinstance(exc, RequestDataTooBig):
        return problem(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, _("The request body is too large."))
    if isinstance(exc, VersionMismatch):
        return problem(
            status.HTTP_412_PRECONDITION_FAILED,
            _("The record changed since you read it."),
            _("Fetch it again, reapply your change, and send it with the new ETag."),
        )
    if isinstance(exc, Http404):
        return problem(status.HTTP_404_NOT_FOUND, _("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return problem(status.HTTP_403_FORBIDDEN, _("Forbidden."), str(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real error: Django's 500 handling, with personal data kept out of the report
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return problem(
            response.status_code, _("The request was refused."), errors=_flatten(detail), headers=response.headers
        )
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    return problem(response.status_code, str(detail) or _("Error."), headers=response.headers)
