"""The base of every API view of our apps: scoped querysets, one access-log row per personal read, ETags,
idempotent writes and problem-details errors. A view not built on it is caught by tests/test_conventions.py."""

from django.db import transaction
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agencies import access, audit, writes
from agencies.fastpath.read_log import ReadLog

from . import errors, idempotency, parsers

# The access-log action of a read of each model, from the views that log reads: a replayed answer showing a row of
# that model is logged as its read (DESIGN §5).
REPLAY_READ_ACTIONS: dict[type, str] = {}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.access_log_action and cls.model is not None:
            REPLAY_READ_ACTIONS.setdefault(cls.model, cls.access_log_action)

    # Requests refused before anything runs

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > parsers.body_limit():
            raise RequestTooLarge()
        super().initial(request, *args, **kwargs)  # 406 (JsonOnly), 401, 403, 429
        unstorable = sorted({key for key, value in request.query_params.items() if "\x00" in key + value})
        if unstorable:
            message = _("This value contains a character that cannot be stored (NUL).")
            raise ValidationError(dict.fromkeys(unstorable, [message]))

    # Idempotency-Key (agencies.api.idempotency)

    def dispatch(self, request, *args, **kwargs):
        # DRF's APIView.dispatch, but the handler runs through `_run`: a keyed write and its stored reply commit
        # together, or neither does.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            response = self._run(handler or self.http_method_not_allowed, request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def _run(self, handler, request, *args, **kwargs):
        key = idempotency.key_of(request)
        if key is None:
            return handler(request, *args, **kwargs)
        caller, digest = idempotency.caller_of(request.user), idempotency.request_hash(request)
        with transaction.atomic():
            stored = idempotency.claim(caller, key, digest)
            if stored is not None:
                return self._replay(stored)
            response = handler(request, *args, **kwargs)
            if response.status_code < 400:
                idempotency.store(caller, key, digest, response, *self._about(kwargs))
            else:
                # Refusals are not kept, and roll back whether raised or returned: nothing was written, so the
                # retry is judged again, against the rows and scope of its own time.
                transaction.set_rollback(True)
            return response

    def _about(self, kwargs) -> tuple[str, int | None]:
        """The row the answer shows: named by the view (`about`), else the row of a detail route."""
        obj = getattr(self.request, "answer_about", None)
        if obj is not None:
            return obj._meta.label_lower, obj.pk
        pk = kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if pk is not None and self.model is not None and str(pk).isdigit():
            return self.model._meta.label_lower, int(pk)
        return "", None

    def _replay(self, stored: idempotency.Stored) -> Response:
        """The stored answer, if the caller may still see the row it shows (else 404, as a GET of it would be);
        logged like a read of that row."""
        headers = {"Idempotent-Replayed": "true", **stored.headers}
        if stored.about_model is not None:
            model = stored.about_model
            owner = ["owner_id"] if any(f.attname == "owner_id" for f in model._meta.concrete_fields) else []
            row = access.visible_to(self.request.user, model).filter(pk=stored.about_id).values("pk", *owner).first()
            if row is None:
                return errors.problem(status.HTTP_404_NOT_FOUND, _("Not found."))
            action = REPLAY_READ_ACTIONS.get(model, "agencies.reply.replayed")
            audit.record_read(
                self.request.user, action, model(pk=row["pk"]), {"replayed": True}, agency_id=row.get("owner_id")
            )
        return Response(stored.data, status=stored.status_code, headers=headers)

    # ETag / If-Match / If-None-Match

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

    # Idempotent replays

    def about(self, obj) -> None:
        """Name the row this write's answer shows: a replay of the answer is checked against the replaying
        caller's scope of that row then, and logged like a read of it (DESIGN §5)."""
        self.request.answer_about = obj

    # The access log

    def read_log(self, *, counted: int | None = None, agency_column: str | None = None) -> ReadLog | None:
        """This view's access-log event for a read that writes it itself (agencies.fastpath.statements), if it logs."""
        if not self.access_log_action:
            return None
        return ReadLog(self.request.user, self.access_log_action, self.model, counted, agency_column)

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
        data = self.get_serializer(obj).data
        return self.etagged(data, etag_of(obj)) if hasattr(obj, "updated_at") else Response(data)
