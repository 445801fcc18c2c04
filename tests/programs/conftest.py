"""The cast of the programs suites that run a batch in Semarang with a session taught by the police."""

import pytest

from agencies.models import Agency, Role
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory


@pytest.fixture
def semarang(db):
    return DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")


@pytest.fixture
def staff(member, semarang):
    """District staff of Semarang: organize the program and are the caseworker of its cases."""
    return member(Role.DISTRICT_STAFF, agency=semarang)


@pytest.fixture
def polres(db):
    return AgencyFactory(name="Polres Semarang", kind=Agency.Kind.POLICE, region=RegionFactory(code="33.74"))


@pytest.fixture
def trainer(member, polres):
    """A police officer teaching public order (kamtibmas) on one day of the batch."""
    return member(Role.PARTNER_TRAINER, agency=polres)
