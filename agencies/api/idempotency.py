"""`Idempotency-Key` on POST: the same key and body replay the first response; the same key with another body
is refused (422). Field apps on poor connections retry freely without doing anything twice."""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

from agencies.models import ApiClient, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A stored response may carry personal data: it is kept only as long as a client plausibly retries.
KEEP_FOR = timedelta(hours=24)


class Replay(APIException):
    """Not an error: carries the stored first response out of `initial()` (see ScopedViewSet.handle_exception)."""

    def __init__(self, record: IdempotencyRecord):
        super().__init__()
        self.record = record


class KeyConflict(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class KeyInFlight(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_flight"


def _caller(actor) -> str:
    return f"client:{actor.pk}" if isinstance(actor, ApiClient) else f"user:{actor.pk}"


def begin(request) -> IdempotencyRecord | None:
    """Claim the key for this request, or raise Replay / KeyConflict / KeyInFlight."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise KeyConflict(_("An Idempotency-Key has at most 255 characters."))
    digest = hashlib.sha256(request.method.encode() + request.get_full_path().encode() + request.body).hexdigest()
    caller = _caller(request.user)
    for _attempt in range(2):
        try:
            return _claim(caller, key, digest)
        except IntegrityError:
            earlier = IdempotencyRecord.objects.get(caller=caller, key=key)
        if earlier.created_at >= timezone.now() - KEEP_FOR:
            break
        # Past its day the key counts as new (the hourly purge may not have come round to it yet).
        IdempotencyRecord.objects.filter(pk=earlier.pk, created_at=earlier.created_at).delete()
    if earlier.request_hash != digest:
        raise KeyConflict(_("This Idempotency-Key was used with another request."))
    if earlier.status_code is None:
        raise KeyInFlight(_("The first request with this Idempotency-Key is still being processed."))
    raise Replay(earlier)


def _claim(caller: str, key: str, digest: str) -> IdempotencyRecord:
    # Committed at once (autocommit, one statement): a concurrent retry must see the claim whatever becomes of
    # this request. Inside an outer transaction a savepoint keeps a duplicate from breaking it.
    record = IdempotencyRecord(caller=caller, key=key, request_hash=digest)
    if connection.in_atomic_block:
        with transaction.atomic():
            record.save(force_insert=True)
    else:
        record.save(force_insert=True)
    return record


def purge_expired() -> int:
    """Forget stored answers older than KEEP_FOR (they may carry personal data); returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted


def finish(record: IdempotencyRecord, response) -> None:
    """Keep the response for replay; a server error frees the key so the client can try again."""
    if response.status_code >= 500:
        record.delete()
        return
    record.status_code = response.status_code
    record.body = response.data
    record.save(update_fields=["status_code", "body"])
