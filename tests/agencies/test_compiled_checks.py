"""The fast path's compiled checks (agencies.fastpath.checks) answer exactly what the access rule's ORM path answers:
the same grants, in the same order, and the same "may see, may change" for rows in, beside and outside the scope,
with ACCESS_MEMO on (compiled once) and off (asked through the ORM every time)."""

import pytest

from agencies import access
from agencies.fastpath import checks
from agencies.models import Role
from cases.models import Case, Referral
from tests.cases.factories import CaseFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["memo on", "memo off"])
def memo(request, settings):
    settings.ACCESS_MEMO = request.param
    return request.param


def test_the_compiled_grants_are_the_memberships_the_orm_reads_in_the_same_order(memo, member, semarang, lentera):
    user = member(Role.DISTRICT_STAFF, semarang)
    member(Role.NGO_CASEWORKER, lentera, user=user)

    compiled, plain = checks.read_grants(user), access._memberships_read(user)

    assert [(g.role, g.agency.pk, g.agency.region.code, g.may_write) for g in compiled] == [
        (g.role, g.agency.pk, g.agency.region.code, g.may_write) for g in plain
    ]
    assert len(compiled) == 2


@pytest.mark.parametrize("model", [Case, Referral], ids=lambda m: m.__name__)
def test_one_rows_answer_is_the_same_compiled_or_through_the_orm(
    memo, model, staff, province_staff, outsider, semarang
):
    case = CaseFactory(owner=semarang)
    row = case if model is Case else ReferralFactory(case=case)

    for actor in (staff, province_staff, outsider):
        assert checks.row_asked(actor, model, row.pk) == access._row_asked(actor, model, row.pk)
    assert checks.row_asked(staff, model, row.pk) == (True, True)
    assert checks.row_asked(outsider, model, row.pk) == (False, False)
    assert checks.row_asked(staff, model, row.pk + 10_000) is None  # no such row
