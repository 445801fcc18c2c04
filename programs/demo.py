"""Demo programs from the field reports, dated around today so that every part of the work is visible, and with a
history over the past year, written as it happened (agencies.demo.on), so the dashboards' trends have months:

- Banyuwangi wave 2 (Kompas 2013): 52 people in two batches, 30 trained three months ago with follow-ups done and
  due, 22 starting in three days;
- Semarang, Argorejo: 5-day batches with a different subject each day, group after group: two finished (ten and
  five months ago, their visits at 1, 3 and 6 months made) and one running now;
- Sampit, Pasir Putih: a baking class with sessions by Polres and Kemenag, running now (log in as `mitra`);
- Purbalingga: the province's event for former sex workers and former prisoners, finished, with livestock.
"""

import datetime
import random

from django.utils import timezone

from agencies.demo import Demo, on
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
    """A batch of `days` days from `starts_on`, its sessions, open for enrollment; set up three weeks before it
    starts (or today, for one starting sooner)."""
    with on(min(_day(starts_on, -21), timezone.localdate())):
        return _batch_set_up(demo, actor, program, number, starts_on, days, sessions, capacity)


def _batch_set_up(demo, actor, program, number, starts_on, days, sessions, capacity) -> Batch:
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
    """`cases` enrolled a week before the batch starts (or today, for one starting sooner)."""
    with on(min(_day(batch.starts_on, -7), timezone.localdate())):
        return [services.enrollment_create(actor=actor, batch=batch, case=case) for case in cases]


def _run(actor, batch) -> None:
    """The batch running from its first day."""
    with on(batch.starts_on, hour=7):
        services.batch_set_status(actor=actor, batch=batch, status=Batch.Status.RUNNING)


def _attend(actor, batch, rng, until: datetime.date) -> None:
    """Attendance of each session up to `until`, taken the afternoon of the session."""
    enrolled = list(batch.enrollments.filter(status=Enrollment.Status.ENROLLED))
    for session in batch.sessions.filter(date__lte=until):
        with on(session.date, hour=15):
            services.attendance_record(
                actor=actor, session=session, present={e.pk: rng.random() < 0.9 for e in enrolled}
            )


def _complete(actor, batch):
    """Completion the day after the batch's last day (or today, for one ending today)."""
    with on(min(_day(batch.ends_on, 1), timezone.localdate())):
        return services.batch_complete(actor=actor, batch=batch)


def _planned(owner_key, demo, count=None):
    cases = Case.objects.filter(owner=demo.agencies[owner_key], stage=Case.Stage.PLANNED).order_by("number")
    return list(cases[:count] if count else cases)


def _banyuwangi(demo: Demo, today, rng) -> None:
    staff = demo.users["kabupaten"]
    with on(_day(today, -130)):
        program = _banyuwangi_program(staff, today)
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
    _run(staff, first)
    _attend(staff, first, rng, today)
    result = _complete(staff, first)
    _first_follow_ups(demo, result.completed, today, rng)
    second = _batch(demo, staff, program, 2, _day(today, 3), 5, sessions)
    _enroll(staff, second, cases[30:52])


def _banyuwangi_program(staff, today) -> Program:
    return services.program_create(
        actor=staff,
        name=BANYUWANGI,
        kind=Program.Kind.SKILLS_TRAINING,
        region=Region.objects.get(code="35.10"),
        fiscal_year=today.year,
        left_site_target=20,
        target_groups=[TargetGroup.objects.get(code=10)],
    )


def _first_follow_ups(demo, completed, today, rng) -> None:
    """The +30-day visits are done; where people live now is what the program report counts."""
    lks = demo.users["lks"]
    staff = demo.users["kabupaten"]
    for i, enrollment in enumerate(completed):
        follow_up = enrollment.follow_ups.order_by("offset_days").first()
        # Wonosobo emptied out after the training ("of 51, only 3 still live there"); elsewhere about half left.
        from_wonosobo = enrollment.case.site is not None and enrollment.case.site.name == "Wonosobo"
        with on(follow_up.due_on, hour=10):
            _visit(lks, follow_up, rng, left=0.9 if from_wonosobo else 0.5)
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


def _visit(visitor, follow_up, rng, *, left: float, recorded_on: datetime.date | None = None):
    """A follow-up visit on its due day (or `recorded_on`): gone from the site with the chance `left`."""
    started = rng.random() < 0.6
    return services.follow_up_record(
        actor=visitor,
        follow_up=follow_up,
        recorded_on=recorded_on or follow_up.due_on,
        site_status=rng.choice(["left_site", "returned_home"]) if rng.random() < left else "still_at_site",
        business_started=started,
        business_type=rng.choice(["warung makan", "jahit pakaian", "salon rumahan", "kue basah"]) if started else "",
        income_band=rng.choice(["below_1m", "1m_3m"]) if started else "none",
        bpjs_enrolled=rng.random() < 0.3,
    )


def _semarang(demo: Demo, today, rng) -> None:
    """Argorejo's residents trained group after group (asatu.id): angkatan 1 ten months ago and 2 five months ago,
    finished, their visits at 1, 3 and 6 months made by Lentera Asa as they fell due; angkatan 3 running now."""
    staff = demo.users["semarang"]
    with on(_day(today, -330)):
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
    cases = _planned("semarang", demo)
    for number, (starts, group) in enumerate(((-300, cases[:8]), (-150, cases[8:16])), start=1):
        batch = _batch(demo, staff, program, number, _day(today, starts), 5, sessions)
        _enroll(staff, batch, group)
        _run(staff, batch)
        _attend(staff, batch, rng, today)
        _visits_as_they_fell_due(demo, _complete(staff, batch).completed, today, rng)
    batch = _batch(demo, staff, program, 3, _day(today, -2), 5, sessions)
    _enroll(staff, batch, cases[16:])
    _run(staff, batch)
    _attend(staff, batch, rng, _day(today, -1))


def _visits_as_they_fell_due(demo, completed, today, rng) -> None:
    """Every visit due by last week made a few days after it fell due (but one in eight of the last ones, left
    overdue), more people gone from the site at each; staff move people on to reintegration at the first visit,
    aftercare at the second, and close with goals met at the 6-month visit of one in three."""
    lentera, staff = demo.users["lentera"], demo.users["semarang"]
    steps = {0: [Case.Stage.REINTEGRATION], 1: [Case.Stage.AFTERCARE]}
    for i, enrollment in enumerate(completed):
        for n, follow_up in enumerate(enrollment.follow_ups.order_by("offset_days")):
            visited = _day(follow_up.due_on, 3)
            if visited > _day(today, -7) or (n == 2 and i % 8 == 7):
                continue
            with on(visited, hour=10):
                _visit(lentera, follow_up, rng, left=0.5 + 0.1 * n, recorded_on=visited)
                for stage in steps.get(n, []):
                    case_services.case_transition(actor=staff, case=enrollment.case, to=stage)
                if n == 2 and i % 3 == 0:
                    case_services.case_transition(
                        actor=staff, case=enrollment.case, to=Case.Stage.CLOSED, close_reason=Case.CloseReason.GOALS_MET
                    )


def _sampit(demo: Demo, today, rng) -> None:
    staff = demo.users["kotim"]
    with on(_day(today, -40)):
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
    _run(staff, batch)
    _attend(staff, batch, rng, _day(today, -1))


def _purbalingga(demo: Demo, today, rng) -> None:
    province = demo.users["provinsi"]
    with on(_day(today, -100)):
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
    _run(province, batch)
    _attend(province, batch, rng, today)
    _complete(province, batch)
