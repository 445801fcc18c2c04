"""Two edits sent with the same If-Match at the same moment (issue 13, item 6): the version is compared under the
row lock, so exactly one goes through and the other hears that the row changed (VersionMismatch, the API's 412),
never both, never a permission error."""

from functools import partial

import pytest
from django.utils import timezone

from agencies.models import Role
from agencies.writes import VersionMismatch, version_of
from cases import services
from cases.models import Assessment, Case, StageChange
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import CaseFactory
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20


@pytest.fixture
def two_staff(semarang):
    return [MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user for _ in range(2)]


def _one_won(outcomes) -> int:
    """The index of the call that went through, after checking the other one was told the row had changed."""
    lost = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, VersionMismatch)]
    won = [i for i, outcome in enumerate(outcomes) if not isinstance(outcome, Exception)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    return won[0]


def test_of_two_stage_moves_sent_with_the_same_version_exactly_one_goes_through(semarang, two_staff):
    # Each move is legal whichever lands first (both give a reason): only the version can refuse the second.
    targets = [Case.Stage.ASSESSED, Case.Stage.PLANNED]
    for _round in range(ROUNDS):
        case = CaseFactory(owner=semarang, stage=Case.Stage.REGISTERED)
        read = version_of(Case.objects.get(pk=case.pk))

        outcomes = at_once(
            [
                partial(
                    services.case_transition,
                    actor=actor,
                    case=case,
                    to=to,
                    reason="Dinilai di lapangan",
                    if_match=[read],
                )
                for actor, to in zip(two_staff, targets, strict=True)
            ]
        )

        winner = _one_won(outcomes)
        assert Case.objects.get(pk=case.pk).stage == targets[winner]
        assert StageChange.objects.filter(case=case).count() == 1


def test_of_two_assessment_corrections_sent_with_the_same_version_exactly_one_is_kept(semarang, two_staff):
    case = CaseFactory(owner=semarang, stage=Case.Stage.ASSESSED)
    assessment = Assessment.objects.create(case=case, assessed_on=timezone.localdate(), needs="Modal usaha")
    ideas = ["Warung makan", "Salon"]
    for n in range(ROUNDS // 2):
        read = version_of(Assessment.objects.get(pk=assessment.pk))

        outcomes = at_once(
            [
                partial(
                    services.assessment_update,
                    actor=actor,
                    assessment=assessment,
                    business_idea=f"{idea} {n}",
                    if_match=[read],
                )
                for actor, idea in zip(two_staff, ideas, strict=True)
            ]
        )

        winner = _one_won(outcomes)
        assert Assessment.objects.get(pk=assessment.pk).business_idea == f"{ideas[winner]} {n}"
