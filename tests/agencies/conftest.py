"""Who reads figures (issue 17), shared by the figures', dashboards' and exports' suites: two regencies of Jawa
Tengah (33) and one of Jawa Timur (35), and a reader at the ministry, the province office and a regency office."""

import pytest

from agencies.models import Role
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory


@pytest.fixture
def regions(db):
    RegionFactory(code="33", name="Jawa Tengah")
    RegionFactory(code="35", name="Jawa Timur")
    return {
        code: RegionFactory(code=code, name=name)
        for code, name in [
            ("33.74", "Kota Semarang"),
            ("33.03", "Kabupaten Purbalingga"),
            ("35.10", "Kabupaten Banyuwangi"),
        ]
    }


def reader(role, agency):
    return MembershipFactory(role=role, agency=agency).user


@pytest.fixture
def ministry_viewer(regions):
    return reader(Role.LEADERSHIP_VIEWER, AgencyFactory(ministry=True))


@pytest.fixture
def jateng_staff(regions):
    return reader(Role.PROVINCE_STAFF, AgencyFactory(province_office=True, region=regions["33.74"].parent))


@pytest.fixture
def semarang_staff(regions):
    return reader(Role.DISTRICT_STAFF, DistrictOfficeFactory(region=regions["33.74"]))
