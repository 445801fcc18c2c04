"""A restriction of processing (issue 18 item 8) at the API: an NGO's client no longer reads the person's case. Her
rows are left out of lists (a list saying "one hidden" would tell that she is restricted) and her case answers 404
as any case out of scope does."""

import pytest

from agencies.models import Role
from cases import services
from cases.models import Restriction
from tests.cases.factories import IntakeFactory

pytestmark = pytest.mark.django_db


def test_the_ngo_api_leaves_her_out_of_lists_and_answers_404_for_her_case(member, jateng, lentera, as_token):
    ngo_caseworker = member(Role.NGO_CASEWORKER, agency=lentera)
    dpo = member(Role.DATA_PROTECTION_OFFICER, agency=jateng)
    restricted = IntakeFactory(actor=ngo_caseworker).case
    other = IntakeFactory(actor=ngo_caseworker).case
    api = as_token(lentera)
    assert api.get(f"/api/v1/cases/{restricted.pk}/").status_code == 200

    services.person_restrict(actor=dpo, case=restricted, reason=Restriction.Reason.OBJECTION)

    listed = api.get("/api/v1/cases/").json()
    assert {row["id"] for row in listed["results"]} == {other.pk}
    assert api.get(f"/api/v1/cases/{restricted.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{restricted.pk}/notes/").status_code == 404
