"""Budget realization from the allocations' committed and paid (issue 15): the totals funding.services keeps under
each allocation's lock, which are the ledger's sums, so the report need not add the ledger up again."""

from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from funding import selectors
from funding.models import Allocation, LedgerEntry
from tests.funding.factories import AllocationFactory, FundingSourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(semarang, every_kind_of_money):
    """Money in every state on one allocation (paid, reversed, approved, rejected, requested, an entitlement
    cancelled), beside an allocation of another source nothing was committed against."""
    AllocationFactory(source=FundingSourceFactory(agency=semarang), district=semarang, ceiling=9_000_000)
    return every_kind_of_money


def _ledger_sums(by: str) -> list[tuple]:
    """The realization worked out from the ledger alone: each allocation's ledger rows summed, then grouped."""
    groups = defaultdict(lambda: [0, 0, 0])
    for allocation in Allocation.objects.all():
        labels = Allocation.objects.filter(pk=allocation.pk).values_list(*selectors.GROUPINGS[by]).get()
        sums = allocation.ledger.aggregate(committed=Sum("committed_delta"), paid=Sum("paid_delta"))
        group = groups[tuple(label or "-" for label in labels)]
        group[0] += allocation.ceiling
        group[1] += sums["committed"] or 0
        group[2] += sums["paid"] or 0
    return sorted((labels, *figures) for labels, figures in groups.items())


@pytest.fixture(params=[True, False], ids=["compiled", "orm"])
def compiled(request, settings):
    """Both ways of reading it: compiled once per scope (REALIZATION_COMPILED) and through the ORM."""
    settings.REALIZATION_COMPILED = request.param
    return request.param


@pytest.mark.parametrize("by", ["allocation", "source", "program", "district"])
@pytest.mark.parametrize("of_the_year", [False, True])
def test_the_realization_is_what_the_ledger_adds_up_to_reversals_and_releases_included(
    approver, budget, by, of_the_year, compiled
):
    year = Allocation.objects.values_list("fiscal_year", flat=True).distinct().get() if of_the_year else None

    rows = selectors.realization(approver, by=by, fiscal_year=year)

    assert sorted((r.labels, r.ceiling, r.committed, r.paid) for r in rows) == _ledger_sums(by)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).exists()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RELEASE).exists()


@pytest.mark.parametrize("by", ["allocation", "district"])
def test_a_year_without_allocations_has_no_rows(approver, budget, by, compiled):
    year = Allocation.objects.values_list("fiscal_year", flat=True).distinct().get()

    assert selectors.realization(approver, by=by, fiscal_year=year - 1) == []


def test_the_realization_per_allocation_is_one_query_that_does_not_read_the_ledger(approver, budget, compiled):
    with CaptureQueriesContext(connection) as first:
        selectors.realization(approver)  # the actor's grants, read once per request; compiled, the PREPARE

    with CaptureQueriesContext(connection) as queries:
        rows = selectors.realization(approver)

    assert len(rows) == 2
    reads = [q["sql"] for q in queries if "funding_allocation" in q["sql"]]
    assert len(reads) == 1
    assert not [q for q in [*first, *queries] if LedgerEntry._meta.db_table in q["sql"]]


def test_the_years_offered_are_those_of_the_allocations_latest_first(approver, budget, compiled):
    year = Allocation.objects.values_list("fiscal_year", flat=True).distinct().get()
    AllocationFactory(source=FundingSourceFactory(fiscal_year=year - 3))  # Semarang's, as the fixture's

    assert selectors.realization_years(approver) == [year, year - 3]
