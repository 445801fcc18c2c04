"""The caseload behind the reminder tests: caseworkers in offices of different time zones, each with cases whose
people carry every kind of personal data the emails must never show."""

import datetime
import itertools
from dataclasses import dataclass, field

from django.utils import timezone

from agencies.models import Agency, Role, User
from cases.models import Case, Person, TargetGroup
from programs.models import Batch, Enrollment, FollowUp
from tests.agencies.factories import MembershipFactory, RegionFactory
from tests.cases.factories import TUNA_SUSILA, CaseFactory, DistrictOfficeFactory, NgoFactory, PersonFactory
from tests.programs.factories import BatchFactory, ProgramFactory

# Kota Semarang (WIB), Kota Denpasar (WITA), Kota Jayapura (WIT).
SEMARANG, DENPASAR, JAYAPURA = "33.74", "51.71", "91.71"

# The Indonesian month names Django ships that are spelled like the English ones.
MONTHS_SPELLED_ALIKE = {4, 9, 11}

_people = itertools.count(1)


def long_overdue_date() -> datetime.date:
    """A due date over 30 days ago (so escalated at both levels) in a month whose name differs in Indonesian and
    English, which makes the language of an email visible in its dates whatever day the test runs."""
    day = (timezone.localdate() - datetime.timedelta(days=45)).replace(day=15)  # 31 to 59 days ago
    while day.month in MONTHS_SPELLED_ALIKE:
        day = (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    return day


@dataclass
class Caseload:
    user: User
    office: Agency  # the NGO the caseworker works in: its region's time zone is theirs
    district: Agency  # the social-service office owning the cases
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def cases(self) -> list[Case]:
        return [f.case for f in self.follow_ups]

    @property
    def people(self) -> list[Person]:
        return [f.case.person for f in self.follow_ups]


def target_group() -> TargetGroup:
    # A transactional test starts from flushed tables: the migration's target groups may be gone.
    group, _ = TargetGroup.objects.get_or_create(code=TUNA_SUSILA, defaults={"name": "Tuna Susila"})
    return group


def personal_data(person: Person) -> list[str]:
    """What must never be in an email about the person's case."""
    values = [person.full_name, person.known_as, person.nik, person.phone, person.address]
    values += [case.target_group.name for case in person.cases.select_related("target_group")]
    return [v for v in values if v]


def person_with_personal_data() -> Person:
    """Someone with a name, nickname, NIK, phone and address, each unlike anything else an email may contain."""
    n = next(_people)
    return PersonFactory(
        full_name=f"Ratna Kusumawardani Binti Sastro{n:02d}",
        known_as=f"Mbak Ratna{n:02d}",
        nik=f"33740152019{n:05d}",
        phone=f"0812-7788-{n:04d}",
        address=f"Jl. Kenanga Gg. {n} RT 03/RW 07, Kampung Sekayu",
    )


def caseworker_with_follow_ups(*, region: str, language: str, due_in_days=(3,), overdue_on=()) -> Caseload:
    """An NGO caseworker in `region` (its time zone) reading `language`, with one case per follow-up: due in each
    of `due_in_days`, and overdue since each date of `overdue_on`."""
    district = Agency.objects.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, region_id=region).first()
    district = district or DistrictOfficeFactory(region=RegionFactory(code=region))
    office = NgoFactory(region=RegionFactory(code=f"{region}.01"))
    user = MembershipFactory(role=Role.NGO_CASEWORKER, agency=office, user__language=language).user
    today = timezone.localdate()
    program = ProgramFactory(organizer=district)
    batch = BatchFactory(program=program, starts_on=today - datetime.timedelta(days=150), status=Batch.Status.FINISHED)
    caseload = Caseload(user=user, office=office, district=district)
    due_dates = [today + datetime.timedelta(days=d) for d in due_in_days] + list(overdue_on)
    for due_on in due_dates:
        case = CaseFactory(
            person=person_with_personal_data(),
            owner=district,
            registered_by=office,
            caseworker=user,
            target_group=target_group(),
            stage=Case.Stage.AFTERCARE,
        )
        enrollment = Enrollment.objects.create(
            batch=batch,
            case=case,
            status=Enrollment.Status.COMPLETED,
            starts_on=batch.starts_on,
            ends_on=batch.ends_on,
        )
        caseload.follow_ups.append(
            FollowUp.objects.create(case=case, enrollment=enrollment, offset_days=30, due_on=due_on)
        )
    return caseload


def supervisor_of(district: Agency, *, language: str) -> User:
    """District staff of the office owning the cases: who hears of a follow-up overdue for weeks."""
    return MembershipFactory(role=Role.DISTRICT_STAFF, agency=district, user__language=language).user
