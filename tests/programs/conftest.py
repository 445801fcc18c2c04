"""The cast of the programs suites beyond the shared one (tests/conftest.py): the police teaching a session of
Semarang's batch."""

import pytest

from agencies.models import Agency, Role
from tests.agencies.factories import AgencyFactory, RegionFactory


@pytest.fixture
def polres(db):
    return AgencyFactory(name="Polres Semarang", kind=Agency.Kind.POLICE, region=RegionFactory(code="33.74"))


@pytest.fixture
def trainer(member, polres):
    """A police officer teaching public order (kamtibmas) on one day of the batch."""
    return member(Role.PARTNER_TRAINER, agency=polres)
