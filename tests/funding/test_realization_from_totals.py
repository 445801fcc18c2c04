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


@pytest.mark.parametrize("by", ["allocation", "source", "program", "district"])
def test_the_realization_is_what_the_ledger_adds_up_to_reversals_and_releases_included(approver, budget, by):
    rows = selectors.realization(approver, by=by)

    assert sorted((r.labels, r.ceiling, r.committed, r.paid) for r in rows) == _ledger_sums(by)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).exists()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RELEASE).exists()


def test_the_realization_per_allocation_is_one_query_that_does_not_read_the_ledger(approver, budget):
    selectors.realization(approver)  # the actor's grants, read once per request

    with CaptureQueriesContext(connection) as queries:
        rows = selectors.realization(approver)

    assert len(rows) == 2
    reads = [q["sql"] for q in queries if "funding_allocation" in q["sql"]]
    assert len(reads) == 1
    assert not [q for q in queries if LedgerEntry._meta.db_table in q["sql"]]
