"""The cast of the cases suites: Semarang's office and its staff, and English wording where a test reads it."""

import pytest
from django.utils import translation

from agencies.models import Role
from tests.cases.factories import DistrictOfficeFactory


@pytest.fixture
def english():
    """Messages are translated when raised: a test that checks their wording reads them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def semarang(db):
    return DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")


@pytest.fixture
def staff(member, semarang):
    """District staff of Semarang."""
    return member(Role.DISTRICT_STAFF, agency=semarang)
