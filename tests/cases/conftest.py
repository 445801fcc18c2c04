"""The cast of the cases suites beyond the shared one (tests/conftest.py): the admin pages are tried in Banyuwangi."""

import pytest


@pytest.fixture
def staff_client(signed_in, banyuwangi_staff):
    """Banyuwangi's district staff, signed in to the admin."""
    return signed_in(banyuwangi_staff)
