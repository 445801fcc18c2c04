import datetime

import factory
from django.utils import timezone

from agencies.models import Agency
from cases import services
from cases.intake import Intake, case_register
from cases.models import (
    Case,
    Consent,
    CorrectionRequest,
    LegalHold,
    Person,
    PossibleDuplicate,
    Referral,
    Restriction,
    Site,
    TargetGroup,
)
from tests.agencies.factories import AgencyFactory, RegionFactory

TUNA_SUSILA = 10
BWBLP = 15


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Lokalisasi {n}")
    kind = Site.Kind.LOKALISASI
    region = factory.SubFactory(RegionFactory, code="35.10")


class PersonFactory(factory.django.DjangoModelFactory):
    """A person without a NIK; cases that need one go through cases.intake.case_register."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    full_name = factory.Faker("name", locale="id_ID")
    sex = Person.Sex.FEMALE
    birth_year = 1990


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    person = factory.SubFactory(PersonFactory)
    owner = factory.SubFactory(AgencyFactory, kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT)
    registered_by = factory.SelfAttribute("owner")
    target_group = factory.LazyFunction(lambda: TargetGroup.objects.get(code=TUNA_SUSILA))
    number = factory.Sequence(lambda n: f"33.03-2026-{n:05d}")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = Consent.Purpose.SHARING
    agency = factory.SubFactory(AgencyFactory)
    given_on = factory.Faker("past_date", start_date="-300d")


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    kind = Referral.Kind.NGO_MENTORING
    from_agency = factory.SelfAttribute("case.owner")
    to_agency = factory.SubFactory(AgencyFactory, kind=Agency.Kind.NGO)
    reason = "Pendampingan usaha"


class PossibleDuplicateFactory(factory.django.DjangoModelFactory):
    """Two persons flagged as looking alike, waiting for review."""

    class Meta:
        model = PossibleDuplicate

    person = factory.SubFactory(PersonFactory)
    similar_to = factory.SubFactory(PersonFactory, full_name=factory.SelfAttribute("..person.full_name"))
    score = 92


class DistrictOfficeFactory(AgencyFactory):
    """A regency/city social-service office (Dinsos); Kota Semarang's region unless told otherwise."""

    kind = Agency.Kind.SOCIAL_SERVICE_DISTRICT
    region = factory.SubFactory(RegionFactory, code="33.74")


class NgoFactory(AgencyFactory):
    """An NGO / LKS working in one kecamatan of Kota Semarang unless told otherwise."""

    name = factory.Sequence(lambda n: f"Yayasan Lentera {n}")
    kind = Agency.Kind.NGO
    region = factory.SubFactory(RegionFactory, code="33.74.01")


class IntakeFactory(factory.Factory):
    """A person and their case registered through cases.intake.case_register: NIK hashed, number issued, audited.

    Pass `actor` (someone who may register). Returns the service's `Intake`; its `.case` is the case.
    """

    class Meta:
        model = Intake

    actor = None
    full_name = factory.Faker("name", locale="id_ID")
    sex = Person.Sex.FEMALE
    target_group = factory.LazyFunction(lambda: TargetGroup.objects.get(code=TUNA_SUSILA))

    @classmethod
    def _create(cls, model_class, **kwargs):
        return case_register(**kwargs)


def referred(actor, case: Case, to_agency, *, kind=Referral.Kind.OTHER, reason="Bantuan modal usaha") -> Referral:
    """A pending referral of `case` to `to_agency` by `actor`, made by the services as staff make it: the person's
    consent to share with that agency (given yesterday) first, then the referral."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.consent_give(
        actor=actor, person=case.person, purpose=Consent.Purpose.SHARING, agency=to_agency, given_on=yesterday
    )
    return services.referral_create(actor=actor, case=case, to_agency=to_agency, kind=kind, reason=reason)


class LegalHoldFactory(factory.django.DjangoModelFactory):
    """An active legal hold on a case until the end of next year, placed by a data-protection officer."""

    class Meta:
        model = LegalHold

    case = factory.SubFactory(CaseFactory)
    reason = "Surat Kejaksaan Negeri No. B-123/2026"
    until = factory.LazyFunction(lambda: datetime.date(timezone.localdate().year + 1, 12, 31))
    placed_by = factory.SubFactory("tests.agencies.factories.UserFactory")


class CorrectionRequestFactory(factory.django.DjangoModelFactory):
    """A person's request to correct her phone number, recorded at her office's desk, waiting for the officer."""

    class Meta:
        model = CorrectionRequest

    case = factory.SubFactory(CaseFactory)
    field = CorrectionRequest.Field.PHONE
    new_value = "081234567890"
    evidence = CorrectionRequest.Evidence.KTP
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(hours=72))
    made_by = factory.SubFactory("tests.agencies.factories.UserFactory")


class RestrictionFactory(factory.django.DjangoModelFactory):
    """A restriction of processing in force on the person of a case, because she objects."""

    class Meta:
        model = Restriction

    case = factory.SubFactory(CaseFactory)
    person = factory.SelfAttribute("case.person")
    reason = Restriction.Reason.OBJECTION
    restricted_by = factory.SubFactory("tests.agencies.factories.UserFactory")
