"""What the fast path's memo (agencies.fastpath.memo) relies on, stated as tests: building any rule reads no database,
and the key a built rule is kept under changes whenever anything a rule reads changes. A rule that broke either
would freeze one agency's scope for every later request in the process."""

import dataclasses
import datetime
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from agencies import access, rulebook
from agencies.fastpath import memo
from agencies.models import AGENCY_KINDS_OF_ROLE, Agency, Role
from cases.models import Case
from tests.agencies.factories import AgencyFactory, RegionFactory

pytestmark = pytest.mark.django_db

REGION_OF_KIND = {Agency.Kind.MINISTRY: "31", Agency.Kind.SOCIAL_SERVICE_PROVINCE: "33"}


def _grants() -> list[access.Grant]:
    """One grant per role and fitting agency kind, writable and read-only, its agency loaded as grants_of loads it."""
    grants = []
    for role in Role.values:
        for kind in sorted(AGENCY_KINDS_OF_ROLE[role]):
            made = AgencyFactory(kind=kind, region=RegionFactory(code=REGION_OF_KIND.get(kind, "33.74")))
            agency = Agency.objects.select_related("region").get(pk=made.pk)
            grants += [access.Grant(role, agency, may_write=True), access.Grant(role, agency, may_write=False)]
    return grants


def _queries_building(model, which, grants) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        access.build_condition(model, which, grants)
    return [query["sql"] for query in queries]


def test_building_every_registered_rule_for_every_role_runs_no_query(settings):
    settings.ACCESS_MEMO = False  # every parent rule is built too, not taken from the memo
    grants = _grants()
    ran = {
        (model.__name__, which, grant.role, grant.agency.kind): found
        for model in rulebook.registered_models()
        for which in ("see", "change")
        for grant in grants
        if (found := _queries_building(model, which, (grant,)))
    }
    assert not ran
    assert not _queries_building(Case, "see", tuple(grants))  # all grants together, as for a user of many offices


def test_a_rule_that_reads_the_database_while_it_is_built_is_caught(settings, monkeypatch):
    settings.ACCESS_MEMO = False
    kept = {
        model: dataclasses.replace(rule, see={r: list(c) for r, c in rule.see.items()})
        for model, rule in rulebook._rules.items()
    }
    monkeypatch.setattr(rulebook, "_rules", kept)

    def eager(grant):  # the mistake: a list of ids read now, frozen into the Q
        return Q(owner__in=list(Agency.objects.filter(pk=grant.agency.pk).values_list("pk", flat=True)))

    rulebook.extend(Case, see={Role.DISTRICT_STAFF: eager})
    grant = next(g for g in _grants() if g.role == Role.DISTRICT_STAFF)

    assert _queries_building(Case, "see", (grant,))


def test_rules_read_of_a_grant_only_what_the_memo_key_holds(settings, monkeypatch):
    settings.ACCESS_MEMO = False
    grants = _grants()
    fields = {f.attname for f in Agency._meta.concrete_fields} | {f.name for f in Agency._meta.fields} | {"pk"}
    read = set()
    plain = Agency.__getattribute__

    def recording(agency, name):
        if name in fields:
            read.add(name)
        return plain(agency, name)

    monkeypatch.setattr(Agency, "__getattribute__", recording)
    for model in rulebook.registered_models():
        for which in ("see", "change"):
            for grant in grants:
                access.build_condition(model, which, (grant,))
    monkeypatch.undo()

    # The key holds the agency's pk (its id), kind and region_id; `region` would be another row's contents.
    assert read <= {"pk", "id", "kind", "region_id"}, read - {"pk", "id", "kind", "region_id"}


def test_the_memo_key_changes_whenever_anything_a_rule_reads_changes():
    agency = AgencyFactory(region=RegionFactory(code="33.74"))
    other = AgencyFactory(region=RegionFactory(code="33.74"))
    grant = access.Grant(Role.DISTRICT_STAFF, agency, may_write=True)
    base = memo.key((Case, "see"), (grant,))
    moved = Agency(pk=agency.pk, kind=agency.kind, region_id="33.03")
    regrouped = Agency(pk=agency.pk, kind=Agency.Kind.NGO, region_id=agency.region_id)
    variants = {
        "role": dataclasses.replace(grant, role=Role.AUDITOR),
        "agency": dataclasses.replace(grant, agency=other),
        "kind": dataclasses.replace(grant, agency=regrouped),
        "region": dataclasses.replace(grant, agency=moved),
        "writability": dataclasses.replace(grant, may_write=False),
    }
    for what, variant in variants.items():
        assert memo.key((Case, "see"), (variant,)) != base, what
    assert memo.key((Case, "see"), (grant, grant)) != base, "another grant"
    assert memo.key((Case, "change"), (grant,)) != base, "see or change"

    with mock.patch.object(memo.timezone, "localdate", return_value=datetime.date.today() + datetime.timedelta(1)):
        assert memo.key((Case, "see"), (grant,)) != base, "the day (consents run by date)"


def test_registering_a_rule_is_a_new_generation_of_every_key(monkeypatch):
    grant = access.Grant(Role.DISTRICT_STAFF, AgencyFactory(), may_write=True)
    before = memo.key((Case, "see"), (grant,))
    monkeypatch.setattr(rulebook, "generation", rulebook.generation + 1)

    assert memo.key((Case, "see"), (grant,)) != before


def test_without_the_memo_every_scope_is_the_same_rows(settings, member):
    user = member(Role.DISTRICT_STAFF)
    kept = str(access.visible_to(user, Case).query)
    settings.ACCESS_MEMO = False

    assert str(access.visible_to(user, Case).query) == kept
