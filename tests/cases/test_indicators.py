"""The cases' indicators (issue 17): each compute's facts against counts made by hand from the rows built here,
and what every indicator of the catalogue must carry."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from agencies import indicators as catalogue
from agencies.indicators import Dimension, Unit
from agencies.models import Role
from cases import indicators, services
from cases.models import Case, Referral, SiteCount, TargetGroup
from tests.agencies.factories import RegionFactory
from tests.cases.factories import BWBLP, TUNA_SUSILA, CaseFactory, SiteFactory, referred

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
SEMARANG, BANYUWANGI = "33.74", "35.10"
APRIL, MAY = datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=WIB)


def by_dims(facts) -> dict:
    """{tuple of the fact's dims in key order: (value, base)}, adding up facts that share their dims (none should)."""
    table = {}
    for fact in facts:
        key = tuple(sorted(fact.dims.items(), key=lambda item: item[0]))
        assert key not in table, f"two facts for {key}"
        table[key] = (fact.value, fact.base)
    return table


def fact(**dims):
    return tuple(sorted(dims.items(), key=lambda item: item[0]))


@pytest.fixture
def sites(semarang, banyuwangi):
    """Argorejo in Kota Semarang, recorded at the kecamatan; Gempol in Banyuwangi, recorded at the regency."""
    return {
        "argorejo": SiteFactory(name="Argorejo", region=RegionFactory(code="33.74.05")),
        "gempol": SiteFactory(name="Gempol", region=banyuwangi.region),
    }


@pytest.fixture
def population(semarang, banyuwangi, sites):
    """Semarang: 3 registered from Argorejo (tuna susila), 1 planned from Argorejo (BWBLP), 1 closed (goals met)
    from Argorejo, 1 closed as a duplicate; Banyuwangi: 2 in intervention from Gempol, 1 registered of no site."""
    argorejo, gempol = sites["argorejo"], sites["gempol"]
    bwblp = TargetGroup.objects.get(code=BWBLP)
    made = {
        "registered": [CaseFactory(owner=semarang, site=argorejo) for _ in range(3)],
        "planned": [CaseFactory(owner=semarang, site=argorejo, target_group=bwblp, stage=Case.Stage.PLANNED)],
        "closed": [CaseFactory(owner=semarang, site=argorejo, stage=Case.Stage.CLOSED, close_reason="goals_met")],
        "duplicate": [CaseFactory(owner=semarang, site=argorejo, stage=Case.Stage.CLOSED, close_reason="duplicate")],
        "gempol": [CaseFactory(owner=banyuwangi, site=gempol, stage=Case.Stage.IN_INTERVENTION) for _ in range(2)],
        "nowhere": [CaseFactory(owner=banyuwangi)],
    }
    return made


def test_cases_now_count_every_case_but_duplicates_by_stage_group_site_and_district(population, sites):
    argorejo, gempol = sites["argorejo"].pk, sites["gempol"].pk

    table = by_dims(indicators.compute_cases())

    assert table == {
        fact(month=None, district=SEMARANG, stage="registered", target_group=TUNA_SUSILA, site=argorejo): (3, None),
        fact(month=None, district=SEMARANG, stage="planned", target_group=BWBLP, site=argorejo): (1, None),
        fact(month=None, district=SEMARANG, stage="closed", target_group=TUNA_SUSILA, site=argorejo): (1, None),
        fact(month=None, district=BANYUWANGI, stage="in_intervention", target_group=TUNA_SUSILA, site=gempol): (
            2,
            None,
        ),
        fact(month=None, district=BANYUWANGI, stage="registered", target_group=TUNA_SUSILA, site=None): (1, None),
    }


def test_persons_now_are_the_people_with_an_open_case(population, sites):
    table = by_dims(indicators.compute_persons())

    assert sum(value for value, _base in table.values()) == 3 + 1 + 2 + 1
    assert {dict(key)["stage"] for key in table} == {"registered", "planned", "in_intervention"}


def test_intake_counts_cases_registered_in_each_month_in_the_offices_time_zone(population, sites):
    registered = population["registered"]
    # 31 March 20:00 UTC is 1 April 03:00 in Semarang: April's intake.
    Case.objects.filter(pk=registered[0].pk).update(created_at=datetime.datetime(2026, 3, 31, 20, tzinfo=datetime.UTC))
    Case.objects.filter(pk__in=[registered[1].pk, registered[2].pk]).update(created_at=at(datetime.date(2026, 5, 2)))
    Case.objects.exclude(pk__in=[c.pk for c in registered]).update(created_at=at(datetime.date(2026, 5, 20)))
    argorejo, gempol = sites["argorejo"].pk, sites["gempol"].pk

    table = by_dims(indicators.compute_intake())

    assert table == {
        fact(month=APRIL, district=SEMARANG, target_group=TUNA_SUSILA, site=argorejo): (1, None),
        # Two registered in May and the one closed with its goals met; not the duplicate.
        fact(month=MAY, district=SEMARANG, target_group=TUNA_SUSILA, site=argorejo): (3, None),
        fact(month=MAY, district=SEMARANG, target_group=BWBLP, site=argorejo): (1, None),
        fact(month=MAY, district=BANYUWANGI, target_group=TUNA_SUSILA, site=gempol): (2, None),
        fact(month=MAY, district=BANYUWANGI, target_group=TUNA_SUSILA, site=None): (1, None),
    }


@pytest.fixture
def home_staff(member, banyuwangi):
    return member(Role.DISTRICT_STAFF, agency=banyuwangi)


@pytest.fixture
def answered_referrals(staff, ngo_caseworker, lentera, home_staff, banyuwangi, semarang):
    """Semarang's cases referred to Lentera: two accepted (after 2 and 4 days), one declined (after 10 days), one
    still pending; one repatriated to Banyuwangi (accepted after 1 day)."""

    def refer(sent: datetime.date, kind=Referral.Kind.NGO_MENTORING, to=lentera):
        case = CaseFactory(owner=semarang)
        referral = referred(staff, case, to, kind=kind)
        Referral.objects.filter(pk=referral.pk).update(created_at=at(sent, 16))
        return referral

    def answered(referral, on: datetime.date):
        Referral.objects.filter(pk=referral.pk).update(decided_at=at(on, 9))

    for sent, days in ((datetime.date(2026, 4, 1), 2), (datetime.date(2026, 4, 20), 4)):
        referral = refer(sent)
        services.referral_accept(actor=ngo_caseworker, referral=referral)
        answered(referral, sent + datetime.timedelta(days=days))
    declined = refer(datetime.date(2026, 4, 25))
    services.referral_decline(actor=ngo_caseworker, referral=declined, reason="Penuh")
    answered(declined, datetime.date(2026, 5, 5))
    refer(datetime.date(2026, 5, 1))  # pending
    home = refer(datetime.date(2026, 5, 10), kind=Referral.Kind.REPATRIATION, to=banyuwangi)
    services.referral_accept(actor=home_staff, referral=home)
    answered(home, datetime.date(2026, 5, 11))


def test_referrals_answered_per_month_and_answer(answered_referrals):
    table = by_dims(indicators.compute_referrals_decided())

    assert table == {
        fact(month=APRIL, district=SEMARANG, outcome="accepted"): (2, None),
        fact(month=MAY, district=SEMARANG, outcome="declined"): (1, None),
        # The repatriated case is Banyuwangi's now.
        fact(month=MAY, district=BANYUWANGI, outcome="accepted"): (1, None),
    }


def test_days_to_decision_are_calendar_days_summed_over_the_answers(answered_referrals):
    table = by_dims(indicators.compute_referral_days())

    assert table == {
        fact(month=APRIL, district=SEMARANG, outcome="accepted"): (2 + 4, 2),
        fact(month=MAY, district=SEMARANG, outcome="declined"): (10, 1),
        fact(month=MAY, district=BANYUWANGI, outcome="accepted"): (1, 1),
    }


def test_repatriations_count_transfers_by_the_office_that_sent_the_person_home(
    staff, home_staff, semarang, banyuwangi, answered_referrals
):
    bwblp_case = CaseFactory(owner=semarang, target_group=TargetGroup.objects.get(code=BWBLP))
    services.referral_accept(
        actor=home_staff, referral=referred(staff, bwblp_case, banyuwangi, kind=Referral.Kind.REPATRIATION)
    )

    table = by_dims(indicators.compute_repatriations())

    month = datetime.datetime.now(tz=WIB).date().replace(day=1)
    assert table == {
        fact(month=month, district=SEMARANG, target_group=TUNA_SUSILA): (1, None),
        fact(month=month, district=SEMARANG, target_group=BWBLP): (1, None),
    }


def test_site_headcounts_take_the_highest_count_of_the_month_per_site(sites, semarang, banyuwangi):
    argorejo, gempol = sites["argorejo"], sites["gempol"]
    for site, day, people, agency in (
        (argorejo, datetime.date(2026, 4, 3), 40, semarang),
        (argorejo, datetime.date(2026, 4, 20), 33, semarang),
        (argorejo, datetime.date(2026, 4, 20), 35, banyuwangi),
        (argorejo, datetime.date(2026, 5, 2), 12, semarang),
        (gempol, datetime.date(2026, 4, 9), 51, banyuwangi),
    ):
        SiteCount.objects.create(site=site, counted_on=day, people_present=people, counted_by=agency)

    table = by_dims(indicators.compute_site_headcounts())

    assert table == {
        # Argorejo is recorded at its kecamatan (33.74.05): its figures are Kota Semarang's.
        fact(month=APRIL, district=SEMARANG, site=argorejo.pk): (40, None),
        fact(month=MAY, district=SEMARANG, site=argorejo.pk): (12, None),
        fact(month=APRIL, district=BANYUWANGI, site=gempol.pk): (51, None),
    }


def test_label_resolvers_name_the_keys_they_know(sites):
    assert indicators.stage_labels(["planned", "nonsense"]) == {"planned": Case.Stage.PLANNED.label}
    assert indicators.target_group_labels([TUNA_SUSILA, None]) == {
        TUNA_SUSILA: TargetGroup.objects.get(code=TUNA_SUSILA).name
    }
    assert indicators.site_labels([sites["gempol"].pk]) == {sites["gempol"].pk: "Gempol"}
    assert set(indicators.decision_labels(["accepted", "declined", "x"])) == {"accepted", "declined"}
    assert indicators.region_labels(["35.10"]) == {"35.10": "Wilayah 35.10"}


# What every indicator of the catalogue carries (all three apps' indicators are registered by now).


@pytest.mark.parametrize("indicator", catalogue.all_indicators(), ids=lambda i: i.code)
def test_every_indicator_is_defined_in_full(indicator):
    assert str(indicator.label) and str(indicator.definition).endswith(".")
    assert indicator.unit in Unit
    assert Dimension.DISTRICT in indicator.dimensions
    assert set(indicator.dimensions) <= set(Dimension.values)
    assert len(set(indicator.dimensions)) == len(indicator.dimensions)
    assert indicator.roles and indicator.roles <= set(Role.values)
    assert not indicator.roles & {Role.PARTNER_TRAINER, Role.NGO_CASEWORKER}
    assert indicator.code.split(".")[0] in {"cases", "programs", "funding"}
    assert indicator.section


@pytest.mark.parametrize("indicator", catalogue.all_indicators(), ids=lambda i: i.code)
def test_every_indicator_reads_in_indonesian(indicator):
    for text in (indicator.label, indicator.definition, indicator.section):
        with translation.override("en"):
            english = str(text)
        with translation.override("id"):
            assert str(text) != english, english


def test_the_catalogue_holds_the_cases_figures():
    codes = {i.code for i in catalogue.all_indicators()}
    assert {
        "cases.cases",
        "cases.persons",
        "cases.intake",
        "cases.referrals_decided",
        "cases.referral_days_to_decision",
        "cases.repatriations",
        "cases.site_headcounts",
    } <= codes


CASES_INDICATORS = [i for i in catalogue.all_indicators() if i.code.startswith("cases.")]


@pytest.mark.parametrize("indicator", CASES_INDICATORS, ids=lambda i: i.code)
def test_each_compute_is_one_query_and_its_facts_carry_exactly_its_dimensions(
    indicator, population, answered_referrals, sites, semarang
):
    SiteCount.objects.create(
        site=sites["argorejo"], counted_on=datetime.date(2026, 4, 3), people_present=9, counted_by=semarang
    )
    with CaptureQueriesContext(connection) as queries:
        facts = list(indicator.compute())

    assert len(queries) == 1
    assert facts
    for one in facts:
        assert set(one.dims) == set(indicator.dimensions)
        assert isinstance(one.value, int)
        assert (one.base is not None) == (indicator.unit in (Unit.PERCENT, Unit.DAYS))
