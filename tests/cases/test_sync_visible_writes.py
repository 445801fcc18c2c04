"""Every write a field app must see moves `updated_at` (issue 14, item 9): apps sync cases by `updated_since`, and a
row whose `updated_at` stays put is never sent again, however it changed. Bulk `.update()` does not stamp auto_now
fields, so each write below is checked through the same list a field app follows."""

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, Consent, PossibleDuplicate, TargetGroup
from tests.agencies.factories import RegionFactory
from tests.cases.factories import BWBLP, ConsentFactory, IntakeFactory
from tests.conftest import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def banyumas(db):
    return RegionFactory(code="33.02")


@pytest.fixture
def field_app(staff) -> APIClient:
    client = APIClient()
    client.force_login(staff)
    return client


def synced_since(client: APIClient, instant) -> dict[int, dict]:
    """The cases a field app receives when it asks for what changed since `instant`, by id."""
    response = client.get("/api/v1/cases/", {"updated_since": instant.isoformat(), "page_size": 200})
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


@pytest.fixture
def flagged_pair(staff, banyumas):
    """Two look-alike persons with a case each, the later case closed: ready to merge the later into the earlier.
    The later person was also registered in a second target group."""
    earlier = IntakeFactory(actor=staff, full_name="Siti Aminah", home_region=banyumas, birth_year=1990).case
    later = IntakeFactory(
        actor=staff,
        full_name="Sity Aminah",
        home_region=banyumas,
        birth_year=1990,
        other_target_groups=[TargetGroup.objects.get(code=BWBLP)],
    ).case
    services.case_transition(actor=staff, case=later, to=Case.Stage.CLOSED, close_reason="duplicate")
    return earlier, later, PossibleDuplicate.objects.get(person=later.person)


def test_a_merge_moves_the_updated_at_of_the_cases_it_moves(staff, field_app, flagged_pair):
    earlier, later, flag = flagged_pair
    last_sync = timezone.now()

    survivor = services.possible_duplicate_merge(actor=staff, duplicate=flag)

    assert Case.objects.get(pk=later.pk).updated_at >= last_sync
    assert synced_since(field_app, last_sync)[later.pk]["person"]["id"] == survivor.pk


def test_a_merge_moves_the_updated_at_of_the_survivors_own_cases(staff, field_app, flagged_pair):
    # the survivor takes over the merged person's target groups: their own case shows a changed person
    earlier, _later, flag = flagged_pair
    last_sync = timezone.now()

    services.possible_duplicate_merge(actor=staff, duplicate=flag)

    assert Case.objects.get(pk=earlier.pk).updated_at >= last_sync
    assert BWBLP in synced_since(field_app, last_sync)[earlier.pk]["person"]["target_groups"]


def test_a_merge_moves_the_updated_at_of_the_consents_it_moves(staff, flagged_pair):
    _earlier, later, flag = flagged_pair
    consent = ConsentFactory(person=later.person, purpose=Consent.Purpose.PROCESSING, agency=None)
    last_sync = timezone.now()

    survivor = services.possible_duplicate_merge(actor=staff, duplicate=flag)

    consent.refresh_from_db()
    assert consent.person == survivor
    assert consent.updated_at >= last_sync


def test_correcting_a_person_moves_the_updated_at_of_their_cases(staff, field_app, flagged_pair):
    # the API lists each case with its person: a corrected name must reach the field app through the case
    earlier, _later, _flag = flagged_pair
    last_sync = timezone.now()

    services.person_update(actor=staff, person=earlier.person, known_as="Ani")

    assert Case.objects.get(pk=earlier.pk).updated_at >= last_sync
    assert synced_since(field_app, last_sync)[earlier.pk]["person"]["known_as"] == "Ani"
