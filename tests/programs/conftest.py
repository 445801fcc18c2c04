"""The cast of the programs suites beyond the shared one (tests/conftest.py): the police teaching a session of
Semarang's batch, and that batch, running since yesterday with a session yesterday, today and tomorrow."""

import pytest

from agencies.models import Agency, Role
from programs.models import Session
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today


@pytest.fixture
def polres(db):
    return AgencyFactory(name="Polres Semarang", kind=Agency.Kind.POLICE, region=RegionFactory(code="33.74"))


@pytest.fixture
def trainer(member, polres):
    """A police officer teaching public order (kamtibmas) on one day of the batch."""
    return member(Role.PARTNER_TRAINER, agency=polres)


@pytest.fixture
def program(semarang):
    return ProgramFactory(organizer=semarang, name="Pelatihan tata boga", fiscal_year=2026)


@pytest.fixture
def batch(program):
    return BatchFactory(program=program, number=1, starts_on=days_from_today(-1), ends_on=days_from_today(3))


@pytest.fixture
def sewing(batch):
    """Yesterday's session, taught by the organizer."""
    return SessionFactory(batch=batch, date=days_from_today(-1), topic=Session.Topic.SEWING)


@pytest.fixture
def public_order(batch, polres):
    """Today's session, taught by Polres."""
    return SessionFactory(
        batch=batch, date=days_from_today(0), topic=Session.Topic.PUBLIC_ORDER, delivering_agency=polres
    )


@pytest.fixture
def tomorrow(batch, polres):
    """Tomorrow's session by Polres: nobody can have attended it yet."""
    return SessionFactory(batch=batch, date=days_from_today(1), topic=Session.Topic.HEALTH, delivering_agency=polres)
