import factory

from agencies.models import AGENCY_KINDS_OF_ROLE, Agency, ApiClient, Membership, Notification, Region, Role, User
from agencies.regions import parent_code_of, time_zone_of


class RegionFactory(factory.django.DjangoModelFactory):
    """A region with its parents; the real ones when `load_regions` ran, made up (same shape) otherwise."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "33"
    name = factory.LazyAttribute(lambda r: f"Wilayah {r.code}")
    level = factory.LazyAttribute(
        lambda r: [Region.Level.PROVINCE, Region.Level.REGENCY, Region.Level.DISTRICT][r.code.count(".")]
    )
    time_zone = factory.LazyAttribute(lambda r: time_zone_of(r.code))
    parent = factory.LazyAttribute(
        lambda r: RegionFactory(code=parent_code_of(r.code)) if parent_code_of(r.code) else None
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("secret-pass-123")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Dinas Sosial {n}")
    kind = Agency.Kind.SOCIAL_SERVICE_DISTRICT
    region = factory.SubFactory(RegionFactory, code="33.03")

    class Params:
        province_office = factory.Trait(
            kind=Agency.Kind.SOCIAL_SERVICE_PROVINCE, region=factory.SubFactory(RegionFactory, code="33")
        )
        ministry = factory.Trait(kind=Agency.Kind.MINISTRY, region=factory.SubFactory(RegionFactory, code="31"))


def _agency_for_role(role: str) -> Agency:
    kind = sorted(AGENCY_KINDS_OF_ROLE[role])[0]
    if kind == Agency.Kind.SOCIAL_SERVICE_PROVINCE:
        return AgencyFactory(province_office=True)
    if kind == Agency.Kind.MINISTRY:
        return AgencyFactory(ministry=True)
    return AgencyFactory(kind=kind)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.DISTRICT_STAFF
    agency = factory.LazyAttribute(lambda m: _agency_for_role(m.role))


class ApiClientFactory(factory.django.DjangoModelFactory):
    """An API client whose token nobody knows; tests that call with a token get one from the service."""

    class Meta:
        model = ApiClient

    agency = factory.SubFactory(AgencyFactory, kind=Agency.Kind.NGO)
    name = factory.Sequence(lambda n: f"Field app {n}")
    scope = ApiClient.Scope.READ_WRITE
    key_id = factory.LazyFunction(lambda: ApiClient.new_token()[0])
    token_hash = factory.LazyFunction(lambda: ApiClient.hash_token(ApiClient.new_token()[1]))


class NotificationFactory(factory.django.DjangoModelFactory):
    """One email of the history, as the outbox writes it."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    kind = "follow_ups_due"
    period = "2026-12-04"
    email_subject = "Kunjungan pemantauan yang jatuh tempo"
    body = "-"
