"""Intakes at the same moment: case numbers never collide or skip, and one NIK never becomes two persons."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from agencies.models import Role
from cases.intake import case_register
from cases.models import Case, CaseNumberSequence, Person, TargetGroup
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import TUNA_SUSILA, DistrictOfficeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NIK = "3510014501900001"


def _register_at_once(actors, details) -> list:
    """Each actor registers `details(i)` in their own thread, all released together; the outcomes, in any order."""
    # A transactional test starts from flushed tables: the migration's target groups may be gone.
    target_group, _created = TargetGroup.objects.get_or_create(code=TUNA_SUSILA, defaults={"name": "Tuna Susila"})
    barrier = threading.Barrier(len(actors))
    outcomes = []

    def register(i, actor):
        try:
            barrier.wait()
            intake = case_register(actor=actor, sex="F", target_group=target_group, **details(i))
            outcomes.append(intake.case.number)
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i, actor)) for i, actor in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_intakes_in_one_district_get_consecutive_distinct_numbers():
    semarang = DistrictOfficeFactory()
    actors = [MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user for _ in range(6)]

    outcomes = _register_at_once(actors, lambda i: {"full_name": f"Orang Ke-{i}"})

    year = timezone.localdate().year
    assert sorted(outcomes) == [f"33.74-{year}-{n:05d}" for n in range(1, 7)]
    assert Case.objects.filter(owner=semarang).count() == 6
    assert CaseNumberSequence.objects.get(region=semarang.region, year=year).last == 6


def test_two_intakes_of_one_nik_at_once_register_one_person():
    semarang = DistrictOfficeFactory()
    actors = [MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user for _ in range(2)]

    outcomes = _register_at_once(actors, lambda i: {"full_name": "Siti Aminah", "nik": NIK})

    numbers = [o for o in outcomes if isinstance(o, str)]
    refusals = [o for o in outcomes if isinstance(o, dict)]
    assert len(numbers) == 1 and len(refusals) == 1
    assert list(refusals[0]) == ["nik"]
    assert numbers[0] in refusals[0]["nik"][0]  # a colleague's case: the refusal may name it
    assert Person.objects.count() == 1
    assert Case.objects.count() == 1
