"""The money's indicators (issue 17): each compute's facts against sums made by hand from money moved through
funding.services, and against the budget realization report that staff read today."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import indicators as catalogue
from agencies.indicators import Unit, first_of_month
from funding import indicators, selectors, services
from tests.cases.test_indicators import by_dims, fact
from tests.funding.factories import JADUP, AllocationFactory, FundingSourceFactory, pay

pytestmark = pytest.mark.django_db

SEMARANG = "33.74"
ALLOWANCE = 3 * JADUP


@pytest.fixture
def days():
    today = timezone.localdate()
    earlier = today - datetime.timedelta(days=35)
    return {"today": today, "earlier": earlier, "this_month": first_of_month(today), "last": first_of_month(earlier)}


@pytest.fixture
def budgets(jateng, semarang, allocation):
    """Semarang's program allocation of Rp50.000.000 (the suite's `allocation`); the province's Rp200.000.000 not
    yet divided among districts; Semarang's own Rp10.000.000 set aside with no district named."""
    province = AllocationFactory(source=FundingSourceFactory(agency=jateng, kind="apbd_province"), ceiling=200_000_000)
    province.district = None
    province.save(update_fields=["district"])
    undivided = AllocationFactory(source=FundingSourceFactory(agency=semarang), district=None, ceiling=10_000_000)
    return {"program": allocation, "province": province, "undivided": undivided}


@pytest.fixture
def money(staff, approver, allowance_for, budgets, days):
    """Four living allowances (Rp1.800.000 each) of Semarang's program: A paid its first month 35 days ago and its
    second today; B paid today, then reversed; C paid its first month today; D cancelled unpaid."""
    a, b, c, d = (allowance_for() for _ in range(4))
    pay(staff, approver, a, 1, paid_on=days["earlier"])
    pay(staff, approver, a, 2, paid_on=days["today"])
    reversed_ = pay(staff, approver, b, 1, paid_on=days["today"])
    services.disbursement_reverse(actor=approver, disbursement=reversed_, reason="Salah transfer")
    pay(staff, approver, c, 1, paid_on=days["today"])
    services.entitlement_cancel(actor=staff, entitlement=d)
    return {"a": a, "b": b, "c": c}


def keys(allocation, month, district=SEMARANG):
    return fact(
        month=month,
        district=district,
        source=allocation.source_id,
        allocation=allocation.pk,
        program=allocation.program_id,
    )


def test_ceiling_per_allocation_with_the_district_of_its_office_or_of_the_budget_holder(budgets):
    program, province, undivided = budgets["program"], budgets["province"], budgets["undivided"]

    assert by_dims(indicators.compute_ceiling()) == {
        keys(program, None): (50_000_000, None),
        keys(province, None, district=None): (200_000_000, None),
        keys(undivided, None): (10_000_000, None),
    }


def test_committed_per_month_less_what_was_released(money, budgets, days):
    # Four allowances committed this month, one released in full when cancelled.
    assert by_dims(indicators.compute_committed()) == {
        keys(budgets["program"], days["this_month"]): (4 * ALLOWANCE - ALLOWANCE, None),
    }


def test_paid_per_month_of_payment_less_reversals(money, budgets, days):
    assert by_dims(indicators.compute_paid()) == {
        keys(budgets["program"], days["last"]): (JADUP, None),
        # A's second month, B's (reversed the same month) and C's first.
        keys(budgets["program"], days["this_month"]): (JADUP + JADUP - JADUP + JADUP, None),
    }


def test_realization_is_paid_over_ceiling_as_the_realization_report_shows_it(staff, money, budgets):
    table = by_dims(indicators.compute_realization())

    assert table[keys(budgets["program"], None)] == (3 * JADUP, 50_000_000)
    assert table[keys(budgets["province"], None, district=None)] == (0, 200_000_000)
    (report,) = [row for row in selectors.realization(staff) if row.labels[0] == budgets["program"].name]
    assert (report.paid, report.ceiling) == table[keys(budgets["program"], None)]


def test_people_paid_count_each_entitlement_once_at_its_first_payment_still_standing(money, budgets, days):
    program = budgets["program"]

    assert by_dims(indicators.compute_people_paid()) == {
        keys(program, days["last"]): (1, None),  # A, paid again this month but counted once
        keys(program, days["this_month"]): (1, None),  # C; B's payment was reversed
    }


def test_people_paid_on_one_day_twice_are_counted_once(staff, approver, allowance_for, budgets, days):
    twice = allowance_for()
    pay(staff, approver, twice, 1, paid_on=days["today"])
    pay(staff, approver, twice, 2, paid_on=days["today"])

    assert by_dims(indicators.compute_people_paid()) == {keys(budgets["program"], days["this_month"]): (1, None)}


def test_label_resolvers(budgets):
    undivided = budgets["undivided"]
    assert indicators.source_labels([undivided.source_id]) == {
        undivided.source_id: f"{undivided.source.name} {undivided.source.fiscal_year}"
    }
    assert indicators.allocation_labels([undivided.pk, None]) == {
        undivided.pk: f"{undivided.name} ({undivided.source.name})"
    }


FUNDING_INDICATORS = [i for i in catalogue.all_indicators() if i.code.startswith("funding.")]


def test_budget_sums_are_not_about_people_and_the_people_paid_are():
    about_people = {i.code: i.about_people for i in FUNDING_INDICATORS}
    assert about_people == {
        "funding.ceiling": False,
        "funding.committed": False,
        "funding.paid": False,
        "funding.realization": False,
        "funding.people_paid": True,
    }


@pytest.mark.parametrize("indicator", FUNDING_INDICATORS, ids=lambda i: i.code)
def test_each_compute_is_one_query_and_its_facts_carry_exactly_its_dimensions(indicator, money):
    with CaptureQueriesContext(connection) as queries:
        facts = list(indicator.compute())

    assert len(queries) == 1
    assert facts
    for one in facts:
        assert set(one.dims) == set(indicator.dimensions)
        assert isinstance(one.value, int)
        assert (one.base is not None) == (indicator.unit in (Unit.PERCENT, Unit.DAYS))
