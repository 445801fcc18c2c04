"""API client tokens known to this process, forgotten the moment PostgreSQL says a client or an agency changed.

Every API request names its client by token. Looking the token up costs a round trip (a sixth of a case read), so
each database connection keeps the rows it found, by token hash, for as long as it has heard nothing: triggers on
agencies_apiclient and agencies_agency (migration 0009) NOTIFY `CHANNEL` when a client is revoked, rotated, renamed
or re-scoped, or an agency changes at all, and the connection LISTENs. Before a kept row is used the connection is
polled (reading what the server has already sent, no round trip), and any notification empties the cache. Notes of
a token's last use do not notify. A revocation thus takes effect everywhere as soon as PostgreSQL has delivered the
notification to the idle connections: in tests/api/test_token_cache.py, from the first request after the commit.

Only where the guarantee holds: PostgreSQL, in autocommit (a LISTEN inside a transaction that is rolled back is
undone, so inside an atomic block the cache is not used), on connections kept between requests (CONN_MAX_AGE), and
not behind a pooler that shares server sessions (API_TOKEN_CACHE=0, as with DATABASE_PREPARED_STATEMENTS=0). A new
connection starts with an empty cache: what was said while none was listening is unknown. Unknown tokens are never
kept, so guessing fills nothing.
"""

from django.conf import settings
from django.db import connections

CHANNEL = "agencies_api_clients"
_KEPT = 10_000  # tokens per connection; beyond that it starts again (an installation has a few hundred)


def _usable(connection) -> bool:
    return (
        settings.API_TOKEN_CACHE
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        # A connection closed after each request (CONN_MAX_AGE=0) would LISTEN anew every time and keep nothing.
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
    )


def _rows(alias: str) -> dict | None:
    """The rows kept on this thread's connection (as its prepared statements are), emptied of anything said since
    it last looked; None when the cache cannot be used here. A new connection LISTENs and starts empty."""
    connection = connections[alias]
    if not _usable(connection):
        return None
    connection.ensure_connection()
    raw = connection.connection
    kept = getattr(connection, "_api_tokens", None)
    if kept is None or kept[0] is not raw:
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        kept = connection._api_tokens = (raw, {})
        return kept[1]
    raw.poll()
    if raw.notifies:
        raw.notifies.clear()
        kept[1].clear()
    return kept[1]


def get(alias: str, token_hash: str) -> dict | None:
    """The row kept for `token_hash`, if it still holds."""
    rows = _rows(alias)
    return None if rows is None else rows.get(token_hash)


def keep(alias: str, token_hash: str, row: dict) -> None:
    """Remember `row`, read after `get` found the connection listening (so no later change can be missed)."""
    connection = connections[alias]
    kept = getattr(connection, "_api_tokens", None)
    if kept is None or kept[0] is not connection.connection or not _usable(connection):
        return
    if len(kept[1]) >= _KEPT:
        kept[1].clear()
    kept[1][token_hash] = row


def forget() -> None:
    """Empty this thread's cache (this process changed a client or an agency: no need to wait for the NOTIFY)."""
    for connection in connections.all(initialized_only=True):
        kept = getattr(connection, "_api_tokens", None)
        if kept is not None:
            kept[1].clear()
