"""The access matrix for regions, agencies, memberships, API clients, audit events and emails (DESIGN §5).

One world, every role and kind of API client, and for each model the exact set of agencies whose rows the actor
may see and may change. A row here is a specification: change the rule and this table must change with it.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from agencies import access, audit
from agencies.models import Agency, ApiClient, AuditEvent, Incident, Membership, Notification, Region, Role
from tests.agencies.factories import AgencyFactory, ApiClientFactory, MembershipFactory, RegionFactory, UserFactory

K = Agency.Kind

# key: (kind, region code). Two provinces, a ministry and a partner in a third.
WORLD = {
    "jateng": (K.SOCIAL_SERVICE_PROVINCE, "33"),
    "semarang": (K.SOCIAL_SERVICE_DISTRICT, "33.74"),
    "lentera": (K.NGO, "33.74"),
    "dinkes_purbalingga": (K.HEALTH, "33.03.01"),
    "banyuwangi": (K.SOCIAL_SERVICE_DISTRICT, "35.10"),
    "bina_sehat": (K.NGO, "35.10"),
    "kemensos": (K.MINISTRY, "31"),
    "polres_kotim": (K.POLICE, "62.02"),
}
ALL = frozenset(WORLD)
IN_JATENG = frozenset({"jateng", "semarang", "lentera", "dinkes_purbalingga"})

# actor: (role, agency key, scope for API clients or None for users)
ACTORS = {
    "province_staff": (Role.PROVINCE_STAFF, "jateng", None),
    "district_staff": (Role.DISTRICT_STAFF, "semarang", None),
    "finance_approver": (Role.FINANCE_APPROVER, "semarang", None),
    "ngo_caseworker": (Role.NGO_CASEWORKER, "lentera", None),
    "partner_trainer": (Role.PARTNER_TRAINER, "polres_kotim", None),
    "leadership_viewer": (Role.LEADERSHIP_VIEWER, "kemensos", None),
    "auditor": (Role.AUDITOR, "jateng", None),
    "district_auditor": (Role.AUDITOR, "banyuwangi", None),
    "dpo": (Role.DATA_PROTECTION_OFFICER, "jateng", None),
    "district_dpo": (Role.DATA_PROTECTION_OFFICER, "banyuwangi", None),
    "ngo_client_rw": (None, "lentera", ApiClient.Scope.READ_WRITE),
    "province_client_read": (None, "jateng", ApiClient.Scope.READ),
    "partner_client_rw": (None, "polres_kotim", ApiClient.Scope.READ_WRITE),
}

NOTHING = frozenset()

# model: actor: (agencies whose rows are visible, agencies whose rows are changeable)
MATRIX = {
    Agency: {
        "province_staff": (ALL, IN_JATENG),
        "district_staff": (ALL, NOTHING),
        "finance_approver": (ALL, NOTHING),
        "ngo_caseworker": (ALL, NOTHING),
        "partner_trainer": (ALL, NOTHING),
        "leadership_viewer": (ALL, NOTHING),
        "auditor": (ALL, NOTHING),
        "district_auditor": (ALL, NOTHING),
        "dpo": (ALL, NOTHING),
        "district_dpo": (ALL, NOTHING),
        "ngo_client_rw": (ALL, NOTHING),
        "province_client_read": (ALL, NOTHING),
        "partner_client_rw": (ALL, NOTHING),
    },
    Membership: {
        "province_staff": (IN_JATENG, IN_JATENG),
        "district_staff": ({"semarang"}, NOTHING),
        "finance_approver": ({"semarang"}, NOTHING),
        "ngo_caseworker": ({"lentera"}, NOTHING),
        "partner_trainer": ({"polres_kotim"}, NOTHING),
        "leadership_viewer": (NOTHING, NOTHING),
        "auditor": (IN_JATENG, NOTHING),
        "district_auditor": ({"banyuwangi", "bina_sehat"}, NOTHING),
        "dpo": (NOTHING, NOTHING),
        "district_dpo": (NOTHING, NOTHING),
        "ngo_client_rw": ({"lentera"}, NOTHING),
        "province_client_read": (IN_JATENG, NOTHING),
        "partner_client_rw": ({"polres_kotim"}, NOTHING),
    },
    ApiClient: {
        "province_staff": (IN_JATENG, IN_JATENG),
        "district_staff": ({"semarang"}, NOTHING),
        "finance_approver": (NOTHING, NOTHING),
        "ngo_caseworker": ({"lentera"}, NOTHING),
        "partner_trainer": (NOTHING, NOTHING),
        "leadership_viewer": (NOTHING, NOTHING),
        "auditor": (IN_JATENG, NOTHING),
        "district_auditor": ({"banyuwangi", "bina_sehat"}, NOTHING),
        "dpo": (NOTHING, NOTHING),
        "district_dpo": (NOTHING, NOTHING),
        "ngo_client_rw": ({"lentera"}, NOTHING),
        "province_client_read": (IN_JATENG, NOTHING),
        "partner_client_rw": (NOTHING, NOTHING),
    },
    AuditEvent: {
        "province_staff": (NOTHING, NOTHING),
        "district_staff": (NOTHING, NOTHING),
        "finance_approver": (NOTHING, NOTHING),
        "ngo_caseworker": (NOTHING, NOTHING),
        "partner_trainer": (NOTHING, NOTHING),
        "leadership_viewer": (NOTHING, NOTHING),
        "auditor": (IN_JATENG, NOTHING),
        "district_auditor": ({"banyuwangi", "bina_sehat"}, NOTHING),
        "dpo": (IN_JATENG, NOTHING),
        "district_dpo": ({"banyuwangi", "bina_sehat"}, NOTHING),
        "ngo_client_rw": (NOTHING, NOTHING),
        "province_client_read": (NOTHING, NOTHING),
        "partner_client_rw": (NOTHING, NOTHING),
    },
    # The email history: the office's own, the province's and auditors' jurisdiction; sent again by the office.
    Notification: {
        "province_staff": (IN_JATENG, IN_JATENG),
        "district_staff": ({"semarang"}, {"semarang"}),
        "finance_approver": ({"semarang"}, NOTHING),
        "ngo_caseworker": ({"lentera"}, NOTHING),
        "partner_trainer": ({"polres_kotim"}, NOTHING),
        "leadership_viewer": (NOTHING, NOTHING),
        "auditor": (IN_JATENG, NOTHING),
        "district_auditor": ({"banyuwangi", "bina_sehat"}, NOTHING),
        "dpo": (NOTHING, NOTHING),
        "district_dpo": (NOTHING, NOTHING),
        "ngo_client_rw": ({"lentera"}, NOTHING),
        "province_client_read": (IN_JATENG, NOTHING),
        "partner_client_rw": ({"polres_kotim"}, NOTHING),
    },
    # The breach register (issue 18 item 10): the officer of the jurisdiction handles it, province staff read it.
    Incident: {
        "province_staff": (IN_JATENG, NOTHING),
        "district_staff": (NOTHING, NOTHING),
        "finance_approver": (NOTHING, NOTHING),
        "ngo_caseworker": (NOTHING, NOTHING),
        "partner_trainer": (NOTHING, NOTHING),
        "leadership_viewer": (NOTHING, NOTHING),
        "auditor": (NOTHING, NOTHING),
        "district_auditor": (NOTHING, NOTHING),
        "dpo": (IN_JATENG, IN_JATENG),
        "district_dpo": ({"banyuwangi", "bina_sehat"}, {"banyuwangi", "bina_sehat"}),
        "ngo_client_rw": (NOTHING, NOTHING),
        # a province office's client acts as its staff; no API serves incidents, so the rule is all it has
        "province_client_read": (IN_JATENG, NOTHING),
        "partner_client_rw": (NOTHING, NOTHING),
    },
}

CASES = [(model, actor, *expected) for model, by_actor in MATRIX.items() for actor, expected in by_actor.items()]


def test_matrix_covers_every_actor_for_every_model():
    assert all(set(by_actor) == set(ACTORS) for by_actor in MATRIX.values())


@pytest.fixture
def world(db):
    """Every agency of WORLD with one bystander membership, their email, one API client and one audit event each."""
    agencies = {}
    for key, (kind, code) in WORLD.items():
        agencies[key] = AgencyFactory(name=key, kind=kind, region=RegionFactory(code=code))
    for key, agency in agencies.items():
        role = Role.NGO_CASEWORKER if agency.kind == K.NGO else None
        role = role or {
            K.SOCIAL_SERVICE_PROVINCE: Role.PROVINCE_STAFF,
            K.SOCIAL_SERVICE_DISTRICT: Role.DISTRICT_STAFF,
            K.MINISTRY: Role.LEADERSHIP_VIEWER,
        }.get(agency.kind, Role.PARTNER_TRAINER)
        bystander = MembershipFactory(agency=agency, role=role, user=UserFactory(username=f"staff-{key}")).user
        Notification.objects.create(
            recipient=bystander, agency=agency, kind="follow_ups_due", period="2026-11-23", email_subject="-", body="-"
        )
        ApiClientFactory(agency=agency, name=f"app-{key}")
        audit.record(None, "tests.world.made", agency, agency=agency)
        Incident.objects.create(
            agency=agency,
            title=f"incident-{key}",
            detected_at=bystander.date_joined,
            description="-",
            data_categories=["name"],
            recorded_by=bystander,
        )

    actors = {}
    for name, (role, agency_key, scope) in ACTORS.items():
        if scope is None:
            actors[name] = MembershipFactory(role=role, agency=agencies[agency_key]).user
        else:
            actors[name] = ApiClientFactory(agency=agencies[agency_key], scope=scope, name=f"actor-{name}")
    return agencies, actors


def _owner_key(row) -> str:
    return row.name if isinstance(row, Agency) else row.agency.name


@pytest.mark.parametrize(
    ("model", "actor", "visible", "changeable"), CASES, ids=[f"{m.__name__}-{a}" for m, a, *_ in CASES]
)
def test_actor_sees_and_changes_exactly_their_scope(world, model, actor, visible, changeable):
    _, actors = world
    who = actors[actor]

    seen = {_owner_key(row) for row in access.visible_to(who, model)}
    changed = {_owner_key(row) for row in access.changeable_by(who, model)}

    assert seen == set(visible)
    assert changed == set(changeable)


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_every_actor_with_a_grant_sees_every_region_and_changes_none(world, actor):
    _, actors = world

    assert access.visible_to(actors[actor], Region).count() == Region.objects.count()
    assert not access.changeable_by(actors[actor], Region).exists()


def test_out_of_scope_row_is_not_found_exactly_like_a_missing_one(world):
    agencies, actors = world
    elsewhere = Membership.objects.get(agency=agencies["banyuwangi"], user__username="staff-banyuwangi")

    with pytest.raises(Http404) as out_of_scope:
        access.get_visible(actors["district_staff"], Membership, pk=elsewhere.pk)
    with pytest.raises(Http404) as missing:
        access.get_visible(actors["district_staff"], Membership, pk=10**9)

    assert str(out_of_scope.value) == str(missing.value)


def test_changing_a_visible_but_read_only_row_is_forbidden_not_hidden(world):
    agencies, actors = world
    colleague = Membership.objects.get(agency=agencies["semarang"], user__username="staff-semarang")

    with pytest.raises(PermissionDenied):
        access.require_change(actors["district_staff"], colleague)


def test_changing_an_out_of_scope_row_is_not_found(world):
    agencies, actors = world
    elsewhere = Membership.objects.get(agency=agencies["banyuwangi"], user__username="staff-banyuwangi")

    with pytest.raises(Http404):
        access.require_change(actors["province_staff"], elsewhere)


def test_a_national_grant_is_not_narrowed_by_another_grant_of_the_same_person(world):
    # `Q() | x` is x: a rule meaning "all rows" must stay "all rows" when OR-ed with a narrower one.
    agencies, actors = world
    person = actors["ngo_caseworker"]
    MembershipFactory(user=person, role=Role.AUDITOR, agency=agencies["kemensos"])

    assert access.visible_to(person, Membership).count() == Membership.objects.count()


def test_grants_of_several_agencies_add_up(world):
    agencies, actors = world
    person = actors["district_staff"]
    MembershipFactory(user=person, role=Role.NGO_CASEWORKER, agency=agencies["bina_sehat"])

    seen = {m.agency.name for m in access.visible_to(person, Membership)}

    assert seen == {"semarang", "bina_sehat"}


@pytest.mark.parametrize(
    "lose_access",
    [
        pytest.param(lambda user, agency: Membership.objects.filter(user=user).update(active=False), id="ended"),
        pytest.param(lambda user, agency: Agency.objects.filter(pk=agency.pk).update(active=False), id="agency-off"),
        pytest.param(lambda user, agency: type(user).objects.filter(pk=user.pk).update(is_active=False), id="user-off"),
    ],
)
def test_people_without_an_active_membership_of_an_active_agency_see_nothing(world, lose_access):
    agencies, actors = world
    user = actors["province_staff"]
    lose_access(user, agencies["jateng"])
    user.refresh_from_db()

    assert not access.visible_to(user, Agency).exists()
    assert not access.visible_to(user, Membership).exists()
    assert not access.may_use_admin(user)


def test_a_revoked_api_client_sees_nothing(world):
    _, actors = world
    client = actors["ngo_client_rw"]
    client.revoked_at = client.created_at
    client.save(update_fields=["revoked_at"])

    assert not access.visible_to(client, Agency).exists()


def test_anonymous_visitors_see_nothing(world):
    for model in (Region, Agency, Membership, ApiClient, AuditEvent):
        assert not access.visible_to(AnonymousUser(), model).exists()


def test_setup_superuser_sees_everything(world):
    root = UserFactory(username="root", is_superuser=True)

    assert access.visible_to(root, Membership).count() == Membership.objects.count()
    assert access.may_use_admin(root)


def test_a_model_without_a_registered_rule_is_refused_loudly(db):
    from django.contrib.auth.models import Group

    with pytest.raises(ImproperlyConfigured):
        access.visible_to(UserFactory(), Group)
