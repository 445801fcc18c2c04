"""API client tokens known to this process, forgotten the moment PostgreSQL says a client or an agency changed.

Every API request names its client by token. Looking the token up costs a round trip (a sixth of a case read), so
each process keeps the rows it found, by token hash, for as long as its database connection has heard nothing:
triggers on agencies_apiclient and agencies_agency (migration 0009) NOTIFY `CHANNEL` when a client is revoked,
rotated, renamed or re-scoped, or an agency changes at all, and the connection LISTENs. Before a cached row is used
the connection is polled (reading what the server has already sent, no round trip), and any notification empties
the cache. Notes of a token's last use do not notify. A revocation thus takes effect on every process within the
time PostgreSQL takes to deliver a notification to an idle connection (well under a millisecond on one host).

Only where the guarantee holds: PostgreSQL, in autocommit (a LISTEN inside a transaction that is rolled back is
undone, so inside an atomic block the cache is not used), on connections kept between requests (CONN_MAX_AGE), and
not behind a pooler that shares server sessions
(API_TOKEN_CACHE=0, as with DATABASE_PREPARED_STATEMENTS=0). A new connection starts with an empty cache: what was
said while none was listening is unknown. Unknown tokens are never cached, so guessing fills nothing.
"""

from django.conf import settings
from django.db import connections

CHANNEL = "agencies_api_clients"
_KEPT = 10_000  # tokens per process; beyond that the cache starts again (an installation has a few hundred)

_listening_on = None  # the DB-API connection whose LISTEN guards the entries
_rows: dict[str, dict] = {}


def _usable(alias: str) -> bool:
    connection = connections[alias]
    return (
        settings.API_TOKEN_CACHE
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        # A connection closed after each request (CONN_MAX_AGE=0) would LISTEN anew every time and keep nothing.
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
    )


def _listening(alias: str):
    """The raw connection, listening, with the cache emptied of anything said since it last looked; None when the
    cache cannot be used here."""
    global _listening_on
    if not _usable(alias):
        return None
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    if raw is not _listening_on:
        _rows.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        _listening_on = raw
        return raw
    raw.poll()
    if raw.notifies:
        raw.notifies.clear()
        _rows.clear()
    return raw


def get(alias: str, token_hash: str) -> dict | None:
    """The row kept for `token_hash`, if it still holds."""
    if _listening(alias) is None:
        return None
    return _rows.get(token_hash)


def keep(alias: str, token_hash: str, row: dict) -> None:
    """Remember `row`, read after the connection started listening (so no later change can be missed)."""
    if _listening_on is None or connections[alias].connection is not _listening_on or not _usable(alias):
        return
    if len(_rows) >= _KEPT:
        _rows.clear()
    _rows[token_hash] = row


def forget() -> None:
    """Empty the cache (this process changed a client or an agency: no need to wait for the notification)."""
    _rows.clear()
