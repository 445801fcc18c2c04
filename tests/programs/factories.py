"""Programs, batches and sessions as plain rows; enrollments through programs.services.enrollment_create."""

import datetime

import factory
from django.utils import timezone

from cases.models import Case
from programs import services
from programs.models import Batch, Enrollment, FollowUp, Program, Session
from tests.cases.factories import CaseFactory, DistrictOfficeFactory


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class ProgramFactory(factory.django.DjangoModelFactory):
    """A skills-training program organized by a regency/city office (Kota Semarang's unless told otherwise)."""

    class Meta:
        model = Program
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pelatihan keterampilan {n}")
    kind = Program.Kind.SKILLS_TRAINING
    organizer = factory.SubFactory(DistrictOfficeFactory)
    region = factory.SelfAttribute("organizer.region")
    fiscal_year = factory.LazyFunction(lambda: timezone.localdate().year)


class BatchFactory(factory.django.DjangoModelFactory):
    """A five-day batch open for enrollment, starting in two weeks."""

    class Meta:
        model = Batch

    program = factory.SubFactory(ProgramFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_on = factory.LazyFunction(lambda: days_from_today(14))
    ends_on = factory.LazyAttribute(lambda b: b.starts_on + datetime.timedelta(days=4))
    venue = "Balai Rehabilitasi Sosial"
    capacity = 30
    status = Batch.Status.OPEN


class SessionFactory(factory.django.DjangoModelFactory):
    """A session on the batch's first day, delivered by the program's organizer unless told otherwise."""

    class Meta:
        model = Session

    batch = factory.SubFactory(BatchFactory)
    date = factory.SelfAttribute("batch.starts_on")
    topic = Session.Topic.SEWING
    delivering_agency = factory.SelfAttribute("batch.program.organizer")
    trainer_name = "Ibu Sri"


class EnrollmentFactory(factory.Factory):
    """An enrollment made by programs.services.enrollment_create: capacity counted, waiting list, stage moved.

    Pass `actor` (someone who may change the case). The case defaults to a planned case owned by the
    program's organizer.
    """

    class Meta:
        model = Enrollment

    actor = None
    batch = factory.SubFactory(BatchFactory)
    case = factory.SubFactory(
        CaseFactory, owner=factory.SelfAttribute("..batch.program.organizer"), stage=Case.Stage.PLANNED
    )

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.enrollment_create(**kwargs)


class FollowUpFactory(factory.django.DjangoModelFactory):
    """A follow-up visit due `due_on` (in a week unless told), after a completed batch that ended a month ago.

    The enrollment is a plain completed row: these tests are about what is due, not how completion made it.
    """

    class Meta:
        model = FollowUp

    case = factory.SubFactory(CaseFactory, stage=Case.Stage.AFTERCARE)
    enrollment = factory.LazyAttribute(
        lambda f: Enrollment.objects.create(
            batch=BatchFactory(
                program__organizer=f.case.owner,
                starts_on=days_from_today(-35),
                ends_on=days_from_today(-31),
                status=Batch.Status.FINISHED,
            ),
            case=f.case,
            status=Enrollment.Status.COMPLETED,
            starts_on=days_from_today(-35),
            ends_on=days_from_today(-31),
        )
    )
    offset_days = 30
    due_on = factory.LazyFunction(lambda: days_from_today(7))
    caseworker = None
