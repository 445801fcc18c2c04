"""Counting SQL statements, for the pins of what a service costs (tests/*/test_service_statements.py)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def statements(call) -> int:
    """How many SQL statements one `call()` runs on the default connection."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def savepoints_apart(writes: int) -> int:
    """The statements `writes` validated writes add where a write's SAVEPOINT cannot ride in its own round trip
    (agencies.fastpath.saves.save_guarded does that on PostgreSQL only): a SAVEPOINT and a RELEASE each."""
    return 0 if connection.vendor == "postgresql" else 2 * writes
