"""Demo programs from the field reports, dated around today so that every part of the work is visible:

- Banyuwangi wave 2 (Kompas 2013): 52 people in two batches, 30 trained months ago with follow-ups done and
  due, 22 starting in three days;
- Semarang, Argorejo: a 5-day batch with a different subject each day, running now;
- Sampit, Pasir Putih: a baking class with sessions by Polres and Kemenag, running now (log in as `mitra`);
- Purbalingga: the province's event for former sex workers and former prisoners, finished, with livestock.
"""

import datetime
import random

from django.utils import timezone

from agencies.demo import Demo
from agencies.models import Region
from cases import services as case_services
from cases.models import Case, TargetGroup

from . import services
from .models import Batch, Enrollment, Program, Session

T = Session.Topic
BANYUWANGI = "Pelatihan Keterampilan dan Wirausaha Eks PSK Banyuwangi, Gelombang II"


def load(demo: Demo) -> None:
    if Program.objects.filter(name=BANYUWANGI).exists():
        return
    today = timezone.localdate()
    rng = random.Random(2013)
    _banyuwangi(demo, today, rng)
    _semarang(demo, today, rng)
    _sampit(demo, today, rng)
    _purbalingga(demo, today, rng)
    demo.lines.append("Demo programs: Banyuwangi wave 2, Semarang Argorejo, Sampit baking class, Purbalingga.")


def _day(start: datetime.date, n: int) -> datetime.date:
    return start + datetime.timedelta(days=n)


def _batch(demo, actor, program, number, starts_on, days, sessions, capacity=30) -> Batch:
    batch = services.batch_create(
        actor=actor,
        program=program,
        number=number,
        starts_on=starts_on,
        ends_on=_day(starts_on, days - 1),
        venue=program.organizer.name,
        capacity=capacity,
    )
    for offset, topic, agency_key, trainer in sessions:
        services.session_create(
            actor=actor,
            batch=batch,
            date=_day(starts_on, offset),
            topic=topic,
            delivering_agency=demo.agencies[agency_key],
            trainer_name=trainer,
        )
    services.batch_set_status(actor=actor, batch=batch, status=Batch.Status.OPEN)
    return batch


def _enroll(actor, batch, cases) -> list[Enrollment]:
    return [services.enrollment_create(actor=actor, batch=batch, case=case) for case in cases]


def _attend(actor, batch, rng, until: datetime.date) -> None:
    enrolled = list(batch.enrollments.filter(status=Enrollment.Status.ENROLLED))
    for session in batch.sessions.filter(date__lte=until):
        services.attendance_record(actor=actor, session=session, present={e.pk: rng.random() < 0.9 for e in enrolled})


def _planned(owner_key, demo, count=None):
    cases = Case.objects.filter(owner=demo.agencies[owner_key], stage=Case.Stage.PLANNED).order_by("number")
    return list(cases[:count] if count else cases)


def _banyuwangi(demo: Demo, today, rng) -> None:
    staff = demo.users["kabupaten"]
    program = services.program_create(
        actor=staff,
        name=BANYUWANGI,
        kind=Program.Kind.SKILLS_TRAINING,
        region=Region.objects.get(code="35.10"),
        fiscal_year=today.year,
        left_site_target=20,
        target_groups=[TargetGroup.objects.get(code=10)],
    )
    sessions = [
        (0, T.ENTREPRENEURSHIP, "bina_sehat", "Tunggul Harwanto"),
        (1, T.SEWING, "banyuwangi", ""),
        (2, T.COOKING_BAKING, "banyuwangi", ""),
        (3, T.SALON, "bina_sehat", ""),
        (4, T.HANDICRAFT, "banyuwangi", ""),
    ]
    cases = _planned("banyuwangi", demo)
    first = _batch(demo, staff, program, 1, _day(today, -90), 5, sessions)
    _enroll(staff, first, cases[:30])
    services.batch_set_status(actor=staff, batch=first, status=Batch.Status.RUNNING)
    _attend(staff, first, rng, today)
    result = services.batch_complete(actor=staff, batch=first)
    _first_follow_ups(demo, result.completed, today, rng)
    second = _batch(demo, staff, program, 2, _day(today, 3), 5, sessions)
    _enroll(staff, second, cases[30:52])


def _first_follow_ups(demo, completed, today, rng) -> None:
    """The +30-day visits are done; where people live now is what the program report counts."""
    lks = demo.users["lks"]
    staff = demo.users["kabupaten"]
    for i, enrollment in enumerate(completed):
        follow_up = enrollment.follow_ups.order_by("offset_days").first()
        # Wonosobo emptied out after the training ("of 51, only 3 still live there"); elsewhere about half left.
        from_wonosobo = enrollment.case.site is not None and enrollment.case.site.name == "Wonosobo"
        still_there = rng.random() < (0.1 if from_wonosobo else 0.5)
        started = rng.random() < 0.6
        services.follow_up_record(
            actor=lks,
            follow_up=follow_up,
            recorded_on=follow_up.due_on,
            site_status="still_at_site" if still_there else rng.choice(["left_site", "returned_home"]),
            business_started=started,
            business_type=rng.choice(["warung makan", "jahit pakaian", "salon rumahan", "kue basah"])
            if started
            else "",
            income_band=rng.choice(["below_1m", "1m_3m"]) if started else "none",
            bpjs_enrolled=rng.random() < 0.3,
        )
        # Staff move people on as the visits come in; a few are done with services.
        case = enrollment.case
        if i % 3 == 1:
            case_services.case_transition(actor=staff, case=case, to=Case.Stage.REINTEGRATION)
        elif i % 3 == 2:
            case_services.case_transition(actor=staff, case=case, to=Case.Stage.REINTEGRATION)
            case_services.case_transition(actor=staff, case=case, to=Case.Stage.AFTERCARE)
            if i % 9 == 8:
                case_services.case_transition(
                    actor=staff, case=case, to=Case.Stage.CLOSED, close_reason=Case.CloseReason.GOALS_MET
                )


def _semarang(demo: Demo, today, rng) -> None:
    staff = demo.users["semarang"]
    program = services.program_create(
        actor=staff,
        name="Pelatihan Keterampilan Penghuni Resosialisasi Argorejo",
        kind=Program.Kind.SKILLS_TRAINING,
        region=Region.objects.get(code="33.74"),
        fiscal_year=today.year,
        target_groups=[TargetGroup.objects.get(code=10)],
    )
    sessions = [
        (0, T.COOKING_BAKING, "semarang", ""),
        (1, T.FASHION, "semarang", ""),
        (2, T.SPIRITUAL_GUIDANCE, "lentera_asa", ""),
        (3, T.SALON, "semarang", ""),
        (4, T.HANDICRAFT, "lentera_asa", ""),
    ]
    batch = _batch(demo, staff, program, 1, _day(today, -2), 5, sessions)
    _enroll(staff, batch, _planned("semarang", demo))
    services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    _attend(staff, batch, rng, _day(today, -1))


def _sampit(demo: Demo, today, rng) -> None:
    staff = demo.users["kotim"]
    program = services.program_create(
        actor=staff,
        name="Pelatihan Membuat Kue bagi Penghuni Lokalisasi Pasir Putih",
        kind=Program.Kind.SKILLS_TRAINING,
        region=Region.objects.get(code="62.02"),
        fiscal_year=today.year,
    )
    sessions = [
        (0, T.COOKING_BAKING, "kotim", ""),
        (1, T.PUBLIC_ORDER, "polres_kotim", "Bhabinkamtibmas"),
        (2, T.SPIRITUAL_GUIDANCE, "kemenag_kotim", ""),
    ]
    batch = _batch(demo, staff, program, 1, _day(today, -1), 3, sessions)
    _enroll(staff, batch, _planned("kotim", demo))
    services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    _attend(staff, batch, rng, _day(today, -1))


def _purbalingga(demo: Demo, today, rng) -> None:
    province = demo.users["provinsi"]
    program = services.program_create(
        actor=province,
        name="Pembinaan dan Pemberdayaan PMKS Kabupaten Purbalingga",
        kind=Program.Kind.ENTREPRENEURSHIP,
        region=Region.objects.get(code="33.03"),
        fiscal_year=today.year,
        target_groups=list(TargetGroup.objects.filter(code__in=[10, 15])),
    )
    sessions = [
        (0, T.ENTREPRENEURSHIP, "jateng", "Mustafa Nurhidayat"),
        (1, T.LIVESTOCK, "dinpermades_purbalingga", ""),
        (2, T.HEALTH, "dinkes_purbalingga", ""),
    ]
    batch = _batch(demo, province, program, 1, _day(today, -60), 3, sessions)
    _enroll(demo.users["purbalingga"], batch, _planned("purbalingga", demo))
    services.batch_set_status(actor=province, batch=batch, status=Batch.Status.RUNNING)
    _attend(province, batch, rng, today)
    services.batch_complete(actor=province, batch=batch)
