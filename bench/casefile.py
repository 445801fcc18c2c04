"""The `casefile` section of bench/api.py: pages of a district office's working year that the base seed leaves
empty (issue 16 item 8), each in-process through the whole middleware stack against a raw-SQL floor that draws the
same text, checked equal before timing.

- The case page of a person with a long history: two years of notes, assessments, consents, referrals and their
  answers, stage moves up to aftercare, four finished batches with their attendance, follow-up visits with what was
  found, a living allowance and a business grant with payments requested, approved, paid, rejected and reversed.
  Its floor is the admin section's (`bench.admin.floor_case_page`), which draws the whole file by hand and writes
  the access-log row our page writes.
- The phone attendance sheet of today's session of a running batch of 30: present, absent and not yet recorded.
- The review of an open possible duplicate: both persons side by side (NIK masked), their cases, the two answers;
  the floor writes the two access-log rows (one per person shown) our page writes.

Seeded once (behind MARK: the external id of the last case it registers), on top of the base seed, THROUGH THE
PROJECT'S SERVICES as staff would leave it: intake (cases.intake.case_register, which also flags the look-alikes),
consents, assessments, notes, stage moves, referrals and their answers (cases.services), programs, batches,
sessions, enrollments, attendance, completion and follow-up visits (programs.services), a funding source, an
allocation, benefits, the entitlements completion grants and each payment's four-eyes steps (funding.services). The
services stamp what they write with the time of the seed; the history is then spread over two years by moving those
stamps back (an UPDATE per row, right after the service wrote it), in the order it happened.
"""

import datetime
import functools
import html
import random
import re
import time
import zoneinfo

from django.urls import path

from bench.common import Result, paired_medians, sign_in, statements

LONG = 20  # cases with a long history
OTHERS = 10  # more of the office's people in the same batches (a batch of 30)
MARK = f"BO-{OTHERS:03d}"  # the external id of the histories' last intake
PAIRS_MARK = "BP-006"  # the look-alikes' last
PROGRAM = "Bimbingan Sosial dan Keterampilan (riwayat)"
GRANTS = "Usaha Ekonomi Produktif (riwayat)"
NOTES = 40
ASSESSMENTS = 6
HISTORY_DAYS = 760

FIRST = ["Kartini", "Sulastri", "Murniati", "Suprapti", "Wartini", "Painem", "Sumiati", "Rukmini", "Jumiati", "Sutinah"]
LAST = ["Wulandari", "Prihatin", "Setyowati", "Kusumawati", "Maharani", "Handoko", "Pertiwi", "Rahayuningsih"]
NOTE_LINES = [
    "Kunjungan rumah: klien tinggal bersama ibunya di {dusun}.",
    "Klien datang ke kantor menanyakan jadwal pelatihan berikutnya.",
    "Telepon dengan klien: kondisi sehat, masih mencari modal usaha.",
    "Pendamping LKS melaporkan klien rutin ikut pengajian.",
    "Klien menyampaikan ingin membuka warung kelontong di depan rumah.\nPerlu survei lokasi bulan depan.",
    "Koordinasi dengan puskesmas: klien sudah periksa kesehatan.",
    "Klien tidak bisa dihubungi; pesan ditinggalkan ke tetangga.",
    "Anak klien sudah masuk SD; klien minta bantuan seragam.",
]
NEEDS = ["Modal usaha dan pendampingan", "Pemeriksaan kesehatan", "Dokumen kependudukan (KTP, KK)", "Tempat tinggal"]
SKILLS = ["Menjahit", "Tata boga", "Salon", "Kerajinan tangan"]
IDEAS = ["Warung kelontong", "Jahit permak", "Kue basah titipan", "Salon rumahan"]
DUSUN = ["Krajan", "Sumberejo", "Karanganyar", "Sidomulyo"]
# Look-alikes: an earlier record without a NIK, and the name as another office spelt it, with a NIK.
PAIRS = [
    ("Sumarni Wijayanti", "Sumarny Wijayanti"),
    ("Tukiyem Lestariningsih", "Tukiyem Lestaringsih"),
    ("Ngatini Puspitasari", "Ngatinah Puspitasari"),
]


def add_arguments(parser) -> None:
    pass  # --admin-repeat is the admin section's


# Seeding


def seed(seeded: dict, args) -> bool:
    """The office's long histories and the look-alikes, unless an earlier run seeded them (each in a transaction)."""
    from django.db import transaction
    from django.test.utils import override_settings

    from cases.models import Case

    wrote = False
    # Emails the services send (a referral received, answered) go nowhere: the bench has no mailbox.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        if not Case.objects.filter(external_id=MARK).exists():
            started = time.perf_counter()
            with transaction.atomic():
                _History(seeded).write()
            print(f"Seeded {LONG} long case histories through the services in {time.perf_counter() - started:.1f} s")
            wrote = True
        if not Case.objects.filter(external_id=PAIRS_MARK).exists():
            with transaction.atomic():
                _History(seeded).write_pairs()
            wrote = True
    return wrote


class _History:
    def __init__(self, seeded: dict):
        from django.utils import timezone

        self.office, self.ngo, self.staff = seeded["office"], seeded["ngo"], seeded["staff"]
        self.rng = random.Random(8)  # noqa: S311 (seeding, not secrets)
        self.now = timezone.now()
        self.today = timezone.localdate()

    def at(self, days_ago: float, hour: int = 9) -> datetime.datetime:
        """A working moment `days_ago` days back (office hours, a random minute)."""
        moment = self.now - datetime.timedelta(days=days_ago)
        return moment.replace(hour=hour - 7 + self.rng.randrange(0, 6), minute=self.rng.randrange(60))  # WIB in UTC

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    @staticmethod
    def stamp(model, pk, **moments) -> None:
        model.objects.filter(pk=pk).update(**moments)

    def write(self) -> None:
        self._cast()
        self._programs()
        people = [self._register(i) for i in range(LONG)]
        others = [self._register_other(i) for i in range(OTHERS)]
        for i, case in enumerate(people):
            self._own_history(i, case)
        cohort = people + others
        # Four finished batches over two years (the last one's program grants money), and one running this week.
        offsets = [(690, self.plain), (520, self.plain), (350, self.plain), (150, self.grants)]
        for number, (days_ago, program) in enumerate(offsets, start=1):
            self._finished_batch(program, number, days_ago, cohort, people)
            if number == 1:
                self._moves(people, [(600, "reintegration"), (400, "aftercare")])
        self._running_batch(cohort)
        for i, case in enumerate(people):
            self._money(i, case)

    # The cast: who acts, besides the office's staff and the NGO's caseworkers

    def _cast(self) -> None:
        from agencies.models import Agency, Membership, Role, User

        region = self.office.region
        self.health, _ = Agency.objects.get_or_create(
            name="Puskesmas Bench", defaults={"kind": Agency.Kind.HEALTH, "region": region}
        )
        self.police, _ = Agency.objects.get_or_create(
            name="Polres Bench", defaults={"kind": Agency.Kind.POLICE, "region": region}
        )
        people = {
            "bench-approver": (self.office, Role.FINANCE_APPROVER, "Rahmat", "Hidayat"),
            "bench-health": (self.health, Role.PARTNER_TRAINER, "Bidan", "Yuliani"),
            "bench-police": (self.police, Role.PARTNER_TRAINER, "Aiptu", "Sugeng"),
            "bench-cw-1": (self.ngo, Role.NGO_CASEWORKER, "Dwi", "Anggraini"),
            "bench-cw-2": (self.ngo, Role.NGO_CASEWORKER, "Lilik", "Suryani"),
        }
        users = {}
        for username, (agency, role, first, last) in people.items():
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.save(update_fields=["first_name", "last_name"])
            Membership.objects.get_or_create(user=user, agency=agency, defaults={"role": role})
            users[username] = user
        self.approver, self.health_worker = users["bench-approver"], users["bench-health"]
        self.police_officer, self.registrar, self.caseworker = (
            users["bench-police"],
            users["bench-cw-1"],
            users["bench-cw-2"],
        )
        if not (self.staff.first_name or self.staff.last_name):
            self.staff.first_name, self.staff.last_name = "Endah", "Purwaningsih"
            self.staff.save(update_fields=["first_name", "last_name"])

    def _programs(self) -> None:
        from agencies.models import Region
        from funding import services as funding
        from funding.models import Benefit, FundingSource
        from programs import services as programs
        from programs.models import Program

        region = Region.objects.get(code=self.office.region_id)
        self.plain = programs.program_create(
            actor=self.staff,
            name=PROGRAM,
            kind=Program.Kind.SKILLS_TRAINING,
            region=region,
            fiscal_year=self.today.year - 1,
        )
        self.grants = programs.program_create(
            actor=self.staff,
            name=GRANTS,
            kind=Program.Kind.ENTREPRENEURSHIP,
            region=region,
            fiscal_year=self.today.year,
        )
        source = funding.funding_source_create(
            actor=self.staff,
            name="APBD Kabupaten Banyuwangi, rehabilitasi sosial (riwayat)",
            kind=FundingSource.Kind.APBD_DISTRICT,
            fiscal_year=self.today.year,
        )
        allocation = funding.allocation_create(
            actor=self.staff, source=source, name="Paket UEP dan jadup", ceiling=500_000_000, program=self.grants
        )
        funding.benefit_add(
            actor=self.staff,
            program=self.grants,
            kind=Benefit.Kind.LIVING_ALLOWANCE,
            amount=600_000,
            installments=3,
            allocation=allocation,
        )
        funding.benefit_add(
            actor=self.staff,
            program=self.grants,
            kind=Benefit.Kind.BUSINESS_GRANT,
            amount=5_000_000,
            allocation=allocation,
        )

    # Intake

    def _intake(self, external_id: str, days_ago: int, **person):
        from django.core.exceptions import ValidationError

        from cases.intake import case_register
        from cases.models import Case, StageChange, TargetGroup

        nik = person.pop("nik", None)
        for attempt in range(10):
            try:
                intake = case_register(
                    actor=self.registrar,
                    target_group=TargetGroup.objects.get(code=10),
                    external_id=external_id,
                    processing_consent_on=self.day(days_ago),
                    nik=nik(attempt) if nik else "",
                    **person,
                )
                break
            except ValidationError:  # a NIK an earlier intake of the bench took: another kecamatan
                if nik is None or attempt == 9:
                    raise
        case = intake.case
        moment = self.at(days_ago)
        self.stamp(Case, case.pk, created_at=moment, stage_changed_at=moment)
        for change in StageChange.objects.filter(case=case):
            self.stamp(StageChange, change.pk, changed_at=moment)
        return case

    def _person(self, i: int, *, with_nik=True, name=None, born=None) -> dict:
        from agencies.models import Region

        born = born or datetime.date(1975, 1, 1) + datetime.timedelta(days=self.rng.randrange(9000))
        region = Region.objects.get(code=self.office.region_id)
        details = {
            "full_name": name or f"{FIRST[i % len(FIRST)]} {LAST[(i * 3 + i // len(FIRST)) % len(LAST)]}",
            "sex": "F",
            "birth_date": born,
            "phone": f"08{self.rng.choice(['12', '13', '52', '57', '77'])}{self.rng.randrange(10**7, 10**8)}",
            "home_region": region,
            "address": f"Dusun {self.rng.choice(DUSUN)} RT {self.rng.randrange(1, 20):03d}"
            f"/RW {self.rng.randrange(1, 9):03d}",
        }
        if with_nik:
            # 35.10, kecamatan 20-29 (the base seed's are 01-09), the birth date (day + 40: a woman), a serial.
            details["nik"] = lambda attempt: (
                f"35102{attempt % 10}{born.day + 40:02d}{born.month:02d}{born.year % 100:02d}{9000 + i:04d}"
            )
        return details

    def _register(self, i: int):
        from cases.services import case_assign

        case = self._intake(f"BL-{i + 1:03d}", HISTORY_DAYS - i, **self._person(i))
        return case_assign(actor=self.staff, case=case, caseworker=self.caseworker)

    def _register_other(self, i: int):
        """Ten more of the office's people, in the same batches."""
        return self._intake(f"BO-{i + 1:03d}", HISTORY_DAYS - 15 + i, **self._person(100 + i))

    def write_pairs(self) -> None:
        """Three pairs of look-alikes: an earlier record without a NIK (an outreach worker's), then the name as
        another office spelt it, with a NIK; intake flags each for review. Born in 2006, a year the base seed has
        nobody in: intake compares a new person with at most 500 candidates (cases.intake.look_alikes), taken from
        the year before theirs first, which the base seed fills (see the notes of issue 16 item 8)."""
        self._cast()
        for n, names in enumerate(PAIRS):
            for k, name in enumerate(names):
                born = datetime.date(2006, 3 + n * 2 + k, 10 + n)
                person = self._person(200 + n, with_nik=k == 1, name=name, born=born)
                self._intake(f"BP-{n * 2 + k + 1:03d}", 60 - n * 10 - k * 3, **person)

    # The case's own history: consents, assessments, notes, stage moves, referrals and their answers

    def _own_history(self, i: int, case) -> None:
        from cases import services
        from cases.models import Assessment, CaseNote, Consent, Referral, StageChange

        start = HISTORY_DAYS - i
        for n in range(ASSESSMENTS):
            days_ago = start - 2 - n * 115
            assessment = services.assessment_record(
                actor=self.staff,
                case=case,
                assessed_on=self.day(days_ago),
                needs=NEEDS[(i + n) % len(NEEDS)],
                skills_wanted=SKILLS[(i + n) % len(SKILLS)] if n % 2 == 0 else "",
                business_idea=IDEAS[(i + n) % len(IDEAS)] if n >= 2 else "",
                wants_to_go_home=None if n == 0 else n % 3 != 0,
            )
            self.stamp(Assessment, assessment.pk, created_at=self.at(days_ago))
            if n == 0:  # the first moved the case on to "assessed"
                self._restamp_move(case, days_ago)
        services.case_transition(actor=self.staff, case=case, to="planned")
        self._restamp_move(case, start - 5)
        for n in range(NOTES):
            days_ago = start - 1 - n * (HISTORY_DAYS - 80) // NOTES
            body = NOTE_LINES[(i + n) % len(NOTE_LINES)].format(dusun=DUSUN[n % len(DUSUN)])
            actor = self.caseworker if n % 3 else self.staff
            note = services.case_note_add(actor=actor, case=case, body=body)
            self.stamp(CaseNote, note.pk, created_at=self.at(days_ago, 10))
        # Referrals: mentoring by the NGO (accepted), a health check (declined: full), public order (waiting).
        sharing = Consent.Purpose.SHARING
        for agency, given, answer in [
            (self.ngo, start - 10, ("accept", self.caseworker, None)),
            (self.health, start - 200, ("decline", self.health_worker, "Kuota pemeriksaan bulan ini penuh")),
            (self.police, start - 640, None),
        ]:
            consent = services.consent_give(
                actor=self.staff, person=case.person, purpose=sharing, agency=agency, given_on=self.day(given)
            )
            self.stamp(Consent, consent.pk, created_at=self.at(given))
            kind = {self.ngo: Referral.Kind.NGO_MENTORING, self.health: Referral.Kind.HEALTH_CHECK}.get(
                agency, Referral.Kind.OTHER
            )
            referral = services.referral_create(
                actor=self.staff, case=case, to_agency=agency, kind=kind, reason="Pendampingan dan pemantauan klien"
            )
            self.stamp(Referral, referral.pk, created_at=self.at(given - 1))
            if answer is not None:
                verb, who, reason = answer
                if verb == "accept":
                    services.referral_accept(actor=who, referral=referral)
                else:
                    services.referral_decline(actor=who, referral=referral, reason=reason)
                self.stamp(Referral, referral.pk, decided_at=self.at(given - 4))
        # The health sharing is withdrawn after the declined referral.
        health = case.person.consents.get(agency=self.health)
        services.consent_withdraw(actor=self.staff, consent=health, withdrawn_on=self.day(start - 260))
        assert StageChange.objects.filter(case=case).count() == 3  # registered, assessed, planned

    def _restamp_move(self, case, days_ago: float) -> None:
        from cases.models import Case, StageChange

        moment = self.at(days_ago)
        last = StageChange.objects.filter(case=case).order_by("-id").first()
        self.stamp(StageChange, last.pk, changed_at=moment)
        self.stamp(Case, case.pk, stage_changed_at=moment)

    def _moves(self, cases, moves) -> None:
        from cases import services

        for case in cases:
            for days_ago, stage in moves:
                services.case_transition(actor=self.staff, case=case, to=stage)
                self._restamp_move(case, days_ago + self.rng.random() * 5)

    # Programs: batches with their sessions, enrollments, attendance, completion and follow-up visits

    def _batch(self, program, number: int, starts_ago: int, cohort):
        from programs import services
        from programs.models import Enrollment, Session

        starts = self.day(starts_ago)
        batch = services.batch_create(
            actor=self.staff,
            program=program,
            number=number,
            starts_on=starts,
            ends_on=starts + datetime.timedelta(days=4),
            venue="Aula Dinas Sosial Banyuwangi",
        )
        topics = [Session.Topic.SEWING, Session.Topic.COOKING_BAKING, Session.Topic.ENTREPRENEURSHIP,
                  Session.Topic.SPIRITUAL_GUIDANCE, Session.Topic.PUBLIC_ORDER]  # fmt: skip
        sessions = [
            services.session_create(
                actor=self.staff,
                batch=batch,
                date=starts + datetime.timedelta(days=day),
                topic=topic,
                delivering_agency=self.police if topic == Session.Topic.PUBLIC_ORDER else self.office,
                trainer_name="" if topic == Session.Topic.PUBLIC_ORDER else "Ibu Sri Wahyuni",
            )
            for day, topic in enumerate(topics)
        ]
        enrollments = []
        for case in cohort:
            enrollment = services.enrollment_create(actor=self.staff, batch=batch, case=case)
            self.stamp(Enrollment, enrollment.pk, created_at=self.at(starts_ago + 10 + self.rng.random() * 5))
            enrollments.append(enrollment)
        return batch, sessions, enrollments

    def _finished_batch(self, program, number: int, starts_ago: int, cohort, people) -> None:
        from cases.models import StageChange
        from funding.models import Entitlement
        from programs import services
        from programs.models import Batch, FollowUp, Outcome

        batch, sessions, enrollments = self._batch(program, number, starts_ago, cohort)
        if number == 1:  # enrolling moved each planned case into intervention
            for case in people:
                moment = self.at(starts_ago + 10)
                last = StageChange.objects.filter(case=case).order_by("-id").first()
                self.stamp(StageChange, last.pk, changed_at=moment)
        services.batch_set_status(actor=self.staff, batch=batch, status=Batch.Status.RUNNING)
        # Two of the ten others miss two days: they do not complete.
        missing = {e.pk for e in enrollments[len(people) :][:2]}
        for day, session in enumerate(sessions):
            services.attendance_record(
                actor=self.staff,
                session=session,
                present={e.pk: not (e.pk in missing and day >= 3) and self.rng.random() > 0.03 for e in enrollments},
            )
        services.batch_complete(actor=self.staff, batch=batch)
        ended = starts_ago - 4
        for entitlement in Entitlement.objects.filter(enrollment__batch=batch):
            self.stamp(Entitlement, entitlement.pk, created_at=self.at(ended - 1))
        # The visits: each made a few days after it was due, but for half the people the third batch's last one,
        # and none due yet.
        for visit in FollowUp.objects.filter(enrollment__batch=batch).select_related("case").order_by("pk"):
            if visit.due_on >= self.today - datetime.timedelta(days=3):
                continue
            if number == 3 and visit.offset_days == 180 and visit.case_id % 2:
                continue
            left = self.rng.random() < 0.6
            services.follow_up_record(
                actor=self.caseworker,
                follow_up=visit,
                recorded_on=visit.due_on + datetime.timedelta(days=self.rng.randrange(4)),
                site_status=Outcome.SiteStatus.RETURNED_HOME if left else Outcome.SiteStatus.STILL_AT_SITE,
                left_site_on=visit.due_on - datetime.timedelta(days=10) if left else None,
                business_started=left,
                business_type=IDEAS[visit.pk % len(IDEAS)] if left else "",
                income_band=Outcome.IncomeBand.BELOW_1M if left else "",
                bpjs_enrolled=visit.offset_days > 30,
            )

    def _running_batch(self, cohort) -> None:
        """A batch running this week (started three days ago): the days before recorded, today's for 20 of 30."""
        from programs import services
        from programs.models import Batch

        batch, sessions, enrollments = self._batch(self.plain, 5, 3, cohort)
        services.batch_set_status(actor=self.staff, batch=batch, status=Batch.Status.RUNNING)
        for session in sessions:
            if session.date > self.today:
                break
            marked = enrollments if session.date < self.today else enrollments[::3] + enrollments[1::3]
            services.attendance_record(
                actor=self.staff, session=session, present={e.pk: self.rng.random() > 0.25 for e in marked}
            )

    # Money: a living allowance of three installments and a business grant, each payment by four eyes

    def _money(self, i: int, case) -> None:
        from funding import services
        from funding.models import Benefit, Disbursement, Entitlement

        entitlements = {e.benefit.kind: e for e in Entitlement.objects.filter(case=case).select_related("benefit")}
        if not entitlements:
            return  # did not complete the batch that grants them
        ended = 150 - 4

        def request(entitlement, number, days_ago):
            disbursement = services.disbursement_request(
                actor=self.staff, installment=entitlement.installments.get(number=number)
            )
            self.stamp(Disbursement, disbursement.pk, requested_at=self.at(days_ago))
            return disbursement

        def approve(disbursement, days_ago):
            services.disbursement_approve(actor=self.approver, disbursement=disbursement)
            self.stamp(Disbursement, disbursement.pk, decided_at=self.at(days_ago, 13))

        def pay(disbursement, days_ago):
            services.disbursement_pay(
                actor=self.staff,
                disbursement=disbursement,
                method=Disbursement.Method.BANK_TRANSFER,
                reference=f"BRI-{disbursement.pk:06d}",
                paid_on=self.day(days_ago),
            )

        allowance = entitlements[Benefit.Kind.LIVING_ALLOWANCE]
        first = request(allowance, 1, ended - 5)
        approve(first, ended - 7)
        pay(first, ended - 9)
        second = request(allowance, 2, ended - 35)
        approve(second, ended - 37)
        pay(second, ended - 39)
        services.disbursement_reverse(actor=self.approver, disbursement=second, reason="Salah nomor rekening")
        self.stamp(Disbursement, second.pk, updated_at=self.at(ended - 45, 14))
        third = request(allowance, 3, ended - 65)
        services.disbursement_reject(actor=self.approver, disbursement=third, reason="Rekening atas nama orang lain")
        self.stamp(Disbursement, third.pk, decided_at=self.at(ended - 67, 13))
        grant = request(entitlements[Benefit.Kind.BUSINESS_GRANT], 1, ended - 20)
        if i % 2 == 0:  # half of them paid, the others' grant waits for its approval
            approve(grant, ended - 22)
            pay(grant, ended - 30)


# The floors: raw SQL for the same rows, the same text drawn by hand, no access rule, no ORM, no template engine


def _esc(value) -> str:
    return html.escape(str(value))


@functools.cache
def _words() -> dict:
    """What the attendance sheet and the duplicate review say, in the installation's language, made once per
    process (a hand-written page would have them written in)."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.dates import MONTHS_3, WEEKDAYS
    from django.utils.text import capfirst

    from cases.duplicate_review import FIELDS, OUTSIDE
    from cases.models import Case, Person, PossibleDuplicate
    from programs.models import Session

    with translation.override(settings.LANGUAGE_CODE):
        t, pt = translation.gettext, translation.pgettext
        field = PossibleDuplicate._meta.get_field
        return {
            "zone": zoneinfo.ZoneInfo(settings.TIME_ZONE),
            "months": ["", *(str(MONTHS_3[month]).title() for month in range(1, 13))],
            "weekdays": [str(WEEKDAYS[day]) for day in range(7)],
            "topics": {value: str(label) for value, label in Session.Topic.choices},
            "sheet": {
                "title": t("Take attendance"),
                "batch": t("%(program)s, batch %(number)s"),
                "session": t("Session"),
                "open": t("Open"),
                "previous": t("Previous session"),
                "next": t("Next session"),
                "today": t("today"),
                "not_begun": t("This session has not begun yet: its attendance can be recorded from %(day)s."),
                "present_n": t("Present: %(n)s"),
                "absent_n": t("Absent: %(n)s"),
                "unrecorded_n": t("Not yet recorded: %(n)s"),
                "all_present": t("Mark everyone present"),
                "unrecorded": t("Not yet recorded"),
                "present": pt("attendance", "Present"),
                "absent": pt("attendance", "Absent"),
                "unsaved": t("Not saved yet"),
                "unsaved_note": t("Some choices are not saved yet: press “Save attendance”."),
                "save": t("Save attendance"),
                "nobody": t("Nobody enrolled yet."),
                "grid": t("All sessions in one table (for a large screen)"),
                "recorded": t("Recorded so far"),
            },
            "pair": {
                "title": t("Possible duplicate"),
                "name": t("Review #%(pk)s"),
                "subtitle": t("%(pair)s · similarity %(score)s%%"),
                "history": t("History"),
                "legend": t("Rows marked ≠ differ between the two records."),
                "detail": t("detail"),
                "new": t("New person"),
                "flagged": t("flagged at intake"),
                "earlier": t("Earlier record"),
                "kept": t("kept when merged"),
                "fields": [str(capfirst(label)) for label, _shown in FIELDS],
                "cases": t("Cases"),
                "outside": str(OUTSIDE),
                "merge": t("Same person: merge"),
                "dismiss": t("Not the same person"),
                "close": t("Close"),
                "labels": [
                    str(capfirst(field(name).verbose_name))
                    for name in ("score", "status", "reviewed_by", "reviewed_at")
                ]
                + [str(capfirst(field("created_at").verbose_name))],
                "statuses": {value: str(label) for value, label in PossibleDuplicate.Status.choices},
                "sexes": {value: str(label) for value, label in Person.Sex.choices},
                "stages": {value: str(label) for value, label in Case.Stage.choices},
            },
        }


def _day(value) -> str:
    return f"{value.day} {_words()['months'][value.month]} {value.year}"


_SHEET_BATCH = (
    "SELECT p.name, b.number, p.region_id FROM programs_batch b JOIN programs_program p ON p.id = b.program_id"
    " WHERE b.id = %(batch)s"
)
_SHEET_SESSIONS = (
    "SELECT s.id, s.date, s.topic, a.name, s.trainer_name FROM programs_session s"
    " LEFT JOIN agencies_agency a ON a.id = s.delivering_agency_id WHERE s.batch_id = %(batch)s ORDER BY s.date, s.id"
)
# The roster by name (as a trainer finds a person), each with the session's mark: None when not yet recorded.
_SHEET_ROWS = (
    "SELECT e.id, e.status, c.number, p.full_name,"
    " (SELECT a.present FROM programs_attendance a WHERE a.enrollment_id = e.id AND a.session_id = %(session)s)"
    " FROM programs_enrollment e JOIN cases_case c ON c.id = e.case_id JOIN cases_person p ON p.id = c.person_id"
    " WHERE e.batch_id = %(batch)s AND e.status IN ('enrolled', 'completed', 'not_completed')"
    " ORDER BY p.full_name, e.id"
)


def floor_attendance(request, pk):
    """The phone attendance sheet of `?session=` of batch `pk`: the batch, the sessions to choose from, the
    session's day and who delivers it, the counts, and each person with their number and the state of their two
    buttons (present, absent, none chosen) or their stored mark; the save button when a row may be recorded."""
    from django.db import connection
    from django.http import HttpResponse

    from agencies.regions import time_zone_of

    w, esc = _words(), _esc
    t = w["sheet"]
    keys = {"batch": pk, "session": int(request.GET["session"])}
    with connection.cursor() as cursor:
        cursor.execute(_SHEET_BATCH, keys)
        program, number, region = cursor.fetchone()
        cursor.execute(_SHEET_SESSIONS, keys)
        sessions = cursor.fetchall()
        cursor.execute(_SHEET_ROWS, keys)
        rows = cursor.fetchall()
    today = datetime.datetime.now(zoneinfo.ZoneInfo(time_zone_of(region))).date()
    # The organizer records every cell of an enrolled person: every session with one is offered.
    offered = sessions if any(status == "enrolled" for _pk, status, *_rest in rows) else []
    at = next(i for i, s in enumerate(offered) if s[0] == keys["session"])
    session_id, date, topic, agency, trainer = offered[at]
    begun = date <= today
    marks = [mark for *_rest, mark in rows]
    counts = {"present": marks.count(True), "absent": marks.count(False), "unrecorded": marks.count(None)}
    editable = [begun and status == "enrolled" for _pk, status, *_rest in rows]
    parts = [f'<div class="att"><h2>{esc(t["batch"] % {"program": program, "number": number})}</h2>']
    if len(offered) > 1:
        options = "".join(
            f'<option value="{s[0]}"{" selected" if s[0] == session_id else ""}>{_day(s[1])} · {esc(w["topics"][s[2]])}'
            "</option>"
            for s in offered
        )
        steps = (f'<a href="?session={offered[at - 1][0]}" rel="prev">‹ {t["previous"]}</a>' if at > 0 else "") + (
            f'<a href="?session={offered[at + 1][0]}" rel="next">{t["next"]} ›</a>' if at + 1 < len(offered) else ""
        )
        parts.append(
            f'<div class="att-nav"><form method="get"><label for="att-session">{t["session"]}</label>'
            f'<select id="att-session" name="session">{options}</select><button type="submit">{t["open"]}</button>'
            f'</form><div class="att-steps">{steps}</div></div>'
        )
    parts.append(
        f'<h3 class="att-session">{w["weekdays"][date.weekday()]}, {_day(date)}'
        f"{' · ' + t['today'] if date == today else ''} · {esc(w['topics'][topic])}"
        f"<small>{esc(agency)}{' · ' + esc(trainer) if trainer else ''}</small></h3>"
    )
    if not begun:
        parts.append(f'<p class="help">{esc(t["not_begun"] % {"day": _day(date)})}</p>')
    parts.append(
        f'<ul class="att-counts" aria-label="{t["recorded"]}">'
        + "".join(f'<li class="att-tag">{esc(t[f"{k}_n"] % {"n": n})}</li>' for k, n in counts.items())
        + "</ul>"
    )
    fillable = any(e and mark is None for e, mark in zip(editable, marks, strict=True))
    parts.append(f'<form method="post"><input type="hidden" name="session" value="{session_id}">')
    if fillable:
        parts.append(f'<button type="button" class="att-all">{t["all_present"]}</button>')
    items = []
    for (enrollment, _status, number_, name, mark), may in zip(rows, editable, strict=True):
        state = {True: "present", False: "absent", None: "unrecorded"}[mark]
        if mark is None:
            tag = f'<span class="att-tag">{t["unrecorded"]}</span>'
        elif not may:
            tag = f'<span class="att-tag">{t["present"] if mark else t["absent"]}</span>'
        else:
            tag = ""
        choice = ""
        if may:
            tag += f'<span class="att-tag att-tag-unsaved">{t["unsaved"]}</span>'
            choice = (
                f'<div class="att-choice"><label><input type="radio" name="mark-{enrollment}" value="present"'
                f'{" checked" if mark else ""}> {t["present"]}</label><label><input type="radio"'
                f' name="mark-{enrollment}" value="absent"{" checked" if mark is False else ""}> {t["absent"]}'
                "</label></div>"
            )
        items.append(
            f'<li class="att-row" data-state="{state}"><fieldset><legend>{esc(name)} <small>{esc(number_)}</small>'
            f"{tag}</legend>{choice}</fieldset></li>"
        )
    parts.append(f'<ul class="att-list">{"".join(items) or "<li>" + t["nobody"] + "</li>"}</ul>')
    if any(editable):
        parts.append(f'<div class="att-save"><p>{esc(t["unsaved_note"])}</p><input type="submit" value="{t["save"]}">')
        parts.append("</div>")
    parts.append(f'</form><p class="att-more"><a href="/admin/programs/batch/{pk}/roster/">{t["grid"]}</a></p></div>')
    return HttpResponse(
        f'<!doctype html><html><body><div id="content" class="colM"><h1>{t["title"]}</h1>{"".join(parts)}'
        '<br class="clear"></div></body></html>'
    )


def sheet_text(page: bytes) -> str:
    """What a person reads and sees on an attendance sheet: its text, each row's state, each button's choice."""
    found = re.search(r'<div class="att">(.*?)<br class="clear">', page.decode(), re.S).group(1)
    found = re.sub(r'<li class="att-row[^"]*" data-state="(\w+)"[^>]*>', r" [\1] ", found)
    found = re.sub(r"<input type=\"radio\"[^>]*?( checked)?>", lambda m: " (x) " if m.group(1) else " ( ) ", found)
    found = re.sub(r'<input type="hidden"[^>]*>', "", found)
    found = re.sub(r"<input[^>]*value=\"([^\"]*)\"[^>]*>", r" \1 ", found)  # the save button: its label
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())


_PAIR = (
    "SELECT d.score, d.status, d.created_at, d.reviewed_at, u.first_name, u.last_name, u.username, d.person_id,"
    " d.similar_to_id FROM cases_possibleduplicate d LEFT JOIN agencies_user u ON u.id = d.reviewed_by_id"
    " WHERE d.id = %s"
)
_PAIR_PERSONS = (
    "SELECT p.id, p.full_name, p.known_as, p.nik, p.sex, p.birth_date, p.birth_year, r.name, p.address, p.phone,"
    " s.name FROM cases_person p LEFT JOIN agencies_region r ON r.code = p.home_region_id"
    " LEFT JOIN cases_site s ON s.id = p.current_site_id WHERE p.id IN (%s, %s)"
)
_PAIR_CASES = (
    "SELECT c.id, c.person_id, c.number, a.name, c.stage FROM cases_case c JOIN agencies_agency a ON a.id = c.owner_id"
    " WHERE c.person_id IN (%s, %s) ORDER BY c.created_at, c.id"
)
# The read of each person shown is logged, as our page logs it (cases.selectors.person_viewed): filed under the
# office owning the person's newest case, by the agency the reader acts for.
_PAIR_LOGGED = (
    "INSERT INTO agencies_auditevent (created_at, actor_user_id, actor_api_client_id, actor_agency_id, action,"
    " agency_id, target_type_id, target_id, data)"
    " SELECT now(), %(user)s, NULL, (SELECT m.agency_id FROM agencies_membership m WHERE m.user_id = %(user)s"
    " AND m.active ORDER BY m.id LIMIT 1), 'cases.person.viewed', (SELECT c.owner_id FROM cases_case c"
    " WHERE c.person_id = p.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1), %(type)s, p.id::text, '{}'"
    " FROM unnest(ARRAY[%(new)s, %(earlier)s]::bigint[]) p(id)"
)


def floor_pair(request, pk):
    """The review of possible duplicate `pk` as `?user=` reads it: both persons side by side (NIK masked, the
    phone decrypted by the app's decryption, dates in Indonesian), what differs marked, their cases with office and
    stage, the two answers while the pair is open, the pair's own details; both reads logged."""
    from django.db import connection
    from django.http import HttpResponse

    from agencies.encryption import decrypt_many

    from .admin import _words as admin_words

    w, esc = _words()["pair"], _esc
    with connection.cursor() as cursor:
        cursor.execute(_PAIR, [pk])
        score, status, created, reviewed, *reviewer, new, earlier = cursor.fetchone()
        cursor.execute(_PAIR_PERSONS, [new, earlier])
        persons = {row[0]: row for row in cursor.fetchall()}
        cursor.execute(_PAIR_CASES, [new, earlier])
        cases = cursor.fetchall()
        cursor.execute(
            _PAIR_LOGGED,
            {"user": int(request.GET["user"]), "type": admin_words()["numbered"][1], "new": new, "earlier": earlier},
        )
    secrets = decrypt_many([value or "" for pid in (new, earlier) for value in (persons[pid][3], persons[pid][9])])

    def shown(pid, index):
        _id, name, known_as, _nik, sex, birth_date, birth_year, region, address, _phone, site = persons[pid]
        nik, phone = secrets[index * 2], secrets[index * 2 + 1]
        born = _day(birth_date) if birth_date else str(birth_year or "")
        masked = f"{nik[:4]}{'*' * 10}{nik[-2:]}" if nik else ""
        return [name, known_as, masked, w["sexes"][sex], born, region or "", address, phone, site or ""]

    a, b = shown(new, 0), shown(earlier, 1)
    differs = ' class="differs"'
    rows = "".join(
        f"<tr{differs if x != y else ''}><th>{esc(label)}</th><td>{esc(x or '-')}</td><td>{esc(y or '-')}</td></tr>"
        for label, x, y in zip(w["fields"], a, b, strict=True)
    )
    listed = "".join(
        "<td><ul>"
        + (
            "".join(
                f'<li><a href="/admin/cases/case/{c[0]}/change/">{esc(c[2])}</a><br>{esc(c[3])}<br>'
                f"{esc(w['stages'][c[4]])}</li>"
                for c in cases
                if c[1] == pid
            )
            or "<li>-</li>"
        )
        + "</ul></td>"
        for pid in (new, earlier)
    )
    pair = w["name"] % {"pk": pk}
    answers = ""
    if status == "open":
        answers = (
            f'<div class="pair-answers"><a class="button" href="/admin/cases/possibleduplicate/{pk}/merge/">'
            f'{w["merge"]}</a><form method="post" action="/admin/cases/possibleduplicate/{pk}/dismiss/">'
            f'<button type="submit">{w["dismiss"]}</button></form></div>'
        )
    first, last, username = reviewer
    who = "-" if username is None else f"{first} {last}".strip() or username
    details = "".join(
        f'<div class="form-row"><label>{esc(label)}:</label><div class="readonly">{esc(value)}</div></div>'
        for label, value in zip(
            w["labels"],
            [score, w["statuses"][status], who, _moment(reviewed) if reviewed else "-", _moment(created)],
            strict=True,
        )
    )
    return HttpResponse(
        f'<!doctype html><html><body><div id="content" class="colM"><h1>{w["title"]}</h1>'
        f'<h2>{esc(w["subtitle"] % {"pair": pair, "score": score})}</h2><div id="content-main">'
        f'<ul class="object-tools"><li><a href="/admin/cases/possibleduplicate/{pk}/history/">{w["history"]}</a>'
        f'</li></ul><p class="pair-legend">{esc(w["legend"])}</p><table class="pair"><thead><tr>'
        f"<th>{w['detail']}</th><th>{w['new']}<small>{w['flagged']}</small></th>"
        f"<th>{w['earlier']}<small>{w['kept']}</small></th></tr></thead><tbody>{rows}<tr><th>{w['cases']}</th>"
        f'{listed}</tr></tbody></table>{answers}<form method="post"><fieldset class="module aligned">{details}'
        f'</fieldset><div class="submit-row"><a href="/admin/cases/possibleduplicate/">{w["close"]}</a></div></form>'
        '</div><br class="clear"></div></body></html>'
    )


def _moment(value) -> str:
    local = value.astimezone(_words()["zone"])
    return f"{_day(local)} {local.hour:02d}.{local.minute:02d}"


def pair_text(page: bytes) -> str:
    """What a person reads on a possible duplicate's page: its content's text, each differing row marked ≠."""
    found = re.search(r'<div id="content" class="[^"]*">(.*?)<br class="clear">', page.decode(), re.S).group(1)
    found = re.sub(r"<(style|script)\b.*?</\1>", "", found, flags=re.S)
    found = re.sub(r'<tr class="differs">', " ≠ ", found)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())


urlpatterns = [
    path("attendance/<int:pk>/", floor_attendance),
    path("pairs/<int:pk>/", floor_pair),
]


# Measuring


def measure(seeded: dict, args) -> list[Result]:
    from django.test import Client

    from cases.models import Case, PossibleDuplicate
    from programs.models import Batch, Session

    from .admin import case_page_text

    office, staff = seeded["office"], seeded["staff"]
    rng = random.Random()  # noqa: S311 (choosing what to measure)
    ours_client, floor = Client(), Client()
    sign_in(ours_client, staff)
    results = []

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    def compare(name, ours_url, floor_url, text):
        ours_text, floor_text = text(ours_client.get(ours_url).content), text(floor.get(floor_url).content)
        if not ours_text or ours_text != floor_text:
            raise SystemExit(f"The floor of {name!r} does not show what our page shows:\n{ours_text}\n{floor_text}")
        ours_ms, floor_ms = paired_medians(get(ours_client, ours_url), get(floor, floor_url), args.admin_repeat)
        results.append(Result(f"{name} (ms)", ours_ms, floor_ms, "≤ 3×", statements(get(ours_client, ours_url))))

    case = rng.choice(list(Case.objects.filter(external_id__startswith="BL-").values_list("pk", flat=True)))
    compare(
        "admin: case page, a long history",
        f"/admin/cases/case/{case}/change/",
        f"/floor/admin/cases/{case}/?owner={office.pk}&viewer={staff.pk}",
        case_page_text,
    )
    batch = Batch.objects.get(program__name=PROGRAM, status=Batch.Status.RUNNING)
    session = Session.objects.filter(batch=batch, date=batch.today()).values_list("pk", flat=True).first()
    session = session or Session.objects.filter(batch=batch).order_by("date").values_list("pk", flat=True)[0]
    compare(
        "admin: attendance sheet on a phone, a batch of 30",
        f"/admin/programs/batch/{batch.pk}/attendance/?session={session}",
        f"/floor/admin/attendance/{batch.pk}/?session={session}",
        sheet_text,
    )
    pairs = PossibleDuplicate.objects.filter(status="open", person__cases__external_id__startswith="BP-")
    pair = rng.choice(list(pairs.values_list("pk", flat=True)))
    compare(
        "admin: possible duplicate's review",
        f"/admin/cases/possibleduplicate/{pair}/change/",
        f"/floor/admin/pairs/{pair}/?user={staff.pk}",
        pair_text,
    )
    return results
