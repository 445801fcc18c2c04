"""`Idempotency-Key` on writes: the same key and body answer the first reply again; the same key with another body
is refused (422). Field apps on poor connections retry freely without doing anything twice.

The reply is stored in the write's own transaction (`ScopedViewSet._run`), so a key is answered again exactly when
its write committed: no failure after the commit can leave a write without its reply, nor a key stuck "in flight".
While the first request runs, a retry is told so (409) by a transaction-scoped advisory lock, which ends with the
transaction whatever becomes of it. A replay is checked against the caller's scope of the row it shows, as it is
today, and logged like a read of it (DESIGN §5); the stored reply is encrypted (DESIGN §6). Only successes are
kept: a refusal wrote nothing, so its retry is simply judged again.
"""

import hashlib
import re
from datetime import timedelta

import orjson
from django.apps import apps
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from agencies.encryption import cipher
from agencies.models import ApiClient, IdempotencyRecord

from .renderers import OPTIONS, fallback

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Printable ASCII: the key is the client's own token (a UUID, usually), compared byte for byte.
KEY_SHAPE = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")
# Writes whose first reply is kept; GET and HEAD change nothing and are simply asked again.
METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# A stored reply is kept only as long as a client plausibly retries.
KEEP_FOR = timedelta(hours=24)


class KeyConflict(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = gettext_lazy("This Idempotency-Key was used with another request.")


class KeyInFlight(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_flight"
    default_detail = gettext_lazy("The first request with this Idempotency-Key is still being processed.")


class Stored:
    """A stored reply, as read back for a replay."""

    def __init__(self, record: IdempotencyRecord):
        self.status_code = record.status_code
        reply = orjson.loads(cipher().decrypt(record.reply.encode()))
        self.data, self.headers = reply["data"], reply["headers"]
        self.about_model = apps.get_model(record.about_type) if record.about_type else None
        self.about_id = record.about_id


def key_of(request) -> str | None:
    """The request's Idempotency-Key, if it is a write that carries one; 400 for a malformed key."""
    key = request.headers.get(HEADER)
    if request.method not in METHODS or key is None:
        return None
    if not KEY_SHAPE.fullmatch(key):
        message = _("An Idempotency-Key is 1 to 255 printable ASCII characters, e.g. a UUID.")
        raise ValidationError({HEADER: [message]})
    return key


def caller_of(actor) -> str:
    return f"client:{actor.pk}" if isinstance(actor, ApiClient) else f"user:{actor.pk}"


def request_hash(request) -> str:
    return hashlib.sha256(request.method.encode() + request.get_full_path().encode() + request.body).hexdigest()


def _lock_id(caller: str, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{caller}\n{key}".encode()).digest()[:8], "big", signed=True)


def claim(caller: str, key: str, digest: str) -> Stored | None:
    """Inside the write's transaction: the stored reply to replay, or None when this request is the first.

    Raises KeyInFlight while another request with the key runs, KeyConflict when the key came with another body.
    """
    if connection.vendor == "postgresql":
        # One statement: the lock (held until this transaction ends) and the stored reply's id, if any.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s), "
                "(SELECT id FROM agencies_idempotencyrecord WHERE caller = %s AND key = %s)",
                [_lock_id(caller, key), caller, key],
            )
            locked, earlier_id = cursor.fetchone()
        if not locked:
            raise KeyInFlight()
        earlier = IdempotencyRecord.objects.get(pk=earlier_id) if earlier_id is not None else None
    else:
        # SQLite (the demo) runs one writer at a time: the transaction itself keeps a retry out.
        earlier = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
    if earlier is not None and earlier.created_at < timezone.now() - KEEP_FOR:
        # Past its day the key counts as new (the hourly purge has not come round to it yet).
        earlier.delete()
        earlier = None
    if earlier is None:
        return None
    if earlier.request_hash != digest:
        raise KeyConflict()
    return Stored(earlier)


# Headers of a reply that belong to it (the row's new version); none of them carries personal data.
KEPT_HEADERS = ("ETag", "Location")


def reply_bytes(response) -> bytes:
    """The reply as stored: its data as JSON, and the headers that belong to it. Raises, inside the write's
    transaction, whatever would keep it from being stored, so the write is not committed without it."""
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return orjson.dumps({"data": response.data, "headers": headers}, default=fallback, option=OPTIONS)


def store(caller: str, key: str, digest: str, response, about_type: str, about_id: int | None) -> None:
    """Keep a successful `response` for replays, inside the write's transaction: both commit or neither does.
    The key's lock is held and no reply was found, so nothing can conflict."""
    IdempotencyRecord(
        caller=caller,
        key=key,
        request_hash=digest,
        status_code=response.status_code,
        reply=cipher().encrypt(reply_bytes(response)).decode(),
        about_type=about_type,
        about_id=about_id,
    ).save(force_insert=True)


def purge_expired() -> int:
    """Forget stored replies older than KEEP_FOR; returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
