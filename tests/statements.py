"""Counting SQL statements, for the pins of what a service costs (tests/*/test_service_statements.py)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def statements(call) -> int:
    """How many SQL statements one `call()` runs on the default connection."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)
