"""The base of every API view of our apps: scoped querysets, one access-log row per personal read, ETags,
idempotent POSTs and problem-details errors. A view not built on it is caught by tests/test_conventions.py."""

from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agencies import access, audit, writes

from . import errors, idempotency


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("Send If-Match with the ETag you read: an edit without it could overwrite a change.")
    default_code = "precondition_required"


# A row's ETag is its version, as services compare it under the row lock.
etag_of = writes.version_of
etag_for = writes.version_for


class ScopedViewSet(viewsets.GenericViewSet):
    model = None
    queryset = None  # there is no unscoped default: a view that forgets get_queryset serves nothing
    metadata_class = None  # OPTIONS answers 405: the schema at /api/v1/schema/ documents every operation
    select_related: tuple[str, ...] = ()
    # Set on views whose rows carry personal data: each read is one audit row, never one per row.
    access_log_action: str | None = None

    def get_queryset(self):
        rows = access.visible_to(self.request.user, self.model)
        return rows.select_related(*self.select_related) if self.select_related else rows

    # Idempotency-Key

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.idempotency_record = idempotency.begin(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            status_code = exc.record.status_code
            return Response(
                exc.record.body,
                status=status_code,
                headers={"Idempotent-Replayed": "true"},
                content_type=errors.PROBLEM if status_code >= 400 else None,
            )
        record = getattr(self.request, "idempotency_record", None)
        try:
            response = super().handle_exception(exc)
        except Exception:
            if record is not None:  # a server error frees the key, so the client may simply try again
                record.delete()
                self.request.idempotency_record = None
            raise
        if record is not None and response is not None:
            idempotency.finish(record, response)
            self.request.idempotency_record = None
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        record = getattr(request, "idempotency_record", None)
        if record is not None:
            idempotency.finish(record, response)
            request.idempotency_record = None
        return super().finalize_response(request, response, *args, **kwargs)

    # ETag / If-Match / If-None-Match

    def with_etag(self, response: Response, obj) -> Response:
        response["ETag"] = etag_of(obj)
        return response

    def etagged(self, data, version: str, status_code: int = status.HTTP_200_OK) -> Response:
        """`data` with its ETag `version`; 304 (no body) when the request's If-None-Match already names it."""
        if status_code == status.HTTP_200_OK and self.request.method == "GET":
            known = parse_etags(self.request.headers.get("If-None-Match", ""))
            if "*" in known or version in known or f"W/{version}" in known:
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": version})
        return Response(data, status=status_code, headers={"ETag": version})

    def if_match(self, *, required: bool = True) -> list[str] | None:
        """The entity tags of the request's If-Match, for a service to compare under its row lock
        (agencies.writes.require_version). Without the header: None, or 428 when the edit requires it."""
        header = self.request.headers.get("If-Match")
        if header is None or not header.strip():
            if required:
                raise PreconditionRequired()
            return None
        tags = parse_etags(header)
        if not tags:
            raise ValidationError({"If-Match": [_("Send the ETag you read, as the server gave it (in quotes).")]})
        return tags

    def check_if_match(self, request, obj):
        """412 when the client's copy is stale: no lost updates from offline edits."""
        expected = request.headers.get("If-Match")
        if expected and expected not in ("*", etag_of(obj)):
            return errors.problem(
                status.HTTP_412_PRECONDITION_FAILED,
                _("The record changed since you read it."),
                _("Fetch it again, reapply your change, and send it with the new ETag."),
            )
        return None

    # Idempotent replays

    def about(self, obj) -> None:
        """Name the row this write's answer shows: a replay of the answer is checked against the replaying
        caller's scope of that row then, and logged like a read of it (DESIGN §5)."""
        self.request.answer_about = obj

    # The access log

    def read_log(self, *, counted: int | None = None, agency_column: str | None = None) -> audit.ReadLog | None:
        """This view's access-log event for a read that writes it itself (agencies.statements), if it logs."""
        if not self.access_log_action:
            return None
        return audit.ReadLog(self.request.user, self.access_log_action, self.model, counted, agency_column)

    def log_read(self, target, *, count: int | None = None, agency=None, agency_id: int | None = None) -> None:
        if self.access_log_action:
            audit.record_read(
                self.request.user,
                self.access_log_action,
                target,
                {"count": count} if count is not None else {},
                agency_id=agency.pk if agency is not None else agency_id,
            )


class ScopedReadViewSet(ScopedViewSet):
    """List and retrieve, with the access log when the rows are personal."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        self.log_read(self.model, count=len(rows))
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.log_read(obj, agency_id=getattr(obj, "owner_id", None))
        response = Response(self.get_serializer(obj).data)
        return self.with_etag(response, obj) if hasattr(obj, "updated_at") else response
