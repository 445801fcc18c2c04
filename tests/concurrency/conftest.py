"""Every concurrency test runs on committed transactions, which start from flushed tables."""

import pytest


@pytest.fixture(autouse=True)
def _target_groups(target_groups):
    """Cases need the migration's target groups, which an earlier transactional test may have flushed away."""
