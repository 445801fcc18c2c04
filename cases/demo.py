"""Demo sites and about a hundred and thirty fictional persons and cases at the sites of the field reports, registered
over the last fifteen months (agencies.demo.on), some of them sent home from Karang Dempel to Banyuwangi.

Names, NIKs and phone numbers are generated (Faker, fixed seed); any likeness to a real person is chance.
"""

import datetime
import random

from django.utils import timezone
from faker import Faker

from agencies.demo import Demo, days_ago, on
from agencies.models import Region

from . import services
from .intake import case_register
from .models import Case, Consent, CorrectionRequest, Referral, Site, SubjectAccessRequest, TargetGroup

L = Site.Kind
# key: (name, kind, regency code, houses, closed on). Banyuwangi's eleven are from the Kompas report (2013).
SITES = {
    "gempol_porong": ("Gempol Porong", L.LOKALISASI, "35.10", 33, None),
    "wonosobo": ("Wonosobo", L.LOKALISASI, "35.10", None, None),
    "bomo_waluyo": ("Bomo Waluyo", L.LOKALISASI, "35.10", None, None),
    "turian": ("Turian", L.LOKALISASI, "35.10", None, None),
    "sumber_kembang": ("Sumber Kembang", L.LOKALISASI, "35.10", None, None),
    "ringin_telu": ("Ringin Telu", L.LOKALISASI, "35.10", None, None),
    "padang_pasir": ("Padang Pasir", L.LOKALISASI, "35.10", None, None),
    "klopoan": ("Klopoan", L.LOKALISASI, "35.10", None, None),
    "pakem": ("Pakem", L.LOKALISASI, "35.10", None, None),
    "karang_dempel": ("Karang Dempel", L.LOKALISASI, "53.71", None, datetime.date(2019, 1, 1)),
    "argorejo": ("Argorejo (Sunan Kuning)", L.RESOSIALISASI, "33.74", None, None),
    "pasir_putih": ("Pasir Putih km 12", L.LOKALISASI, "62.02", None, None),
}

S = Case.Stage
R, A, P = S.REGISTERED, S.ASSESSED, S.PLANNED
# (registering user, owner's staff user, site keys, target group, home provinces, stages in order of the cases,
# {stage: (oldest, newest)}: the days ago over which the cases in that stage were registered, evenly). The intake
# spans the last 15 months, as NGOs list people site by site; the earliest registered go to the earliest batches
# (programs/demo.py takes them in order of their numbers), so everyone is assessed and planned before their batch.
COHORTS = [
    # Banyuwangi wave 2: 52 trained over two batches (programs/demo.py enrolls the planned ones).
    (
        "lks",
        "kabupaten",
        ["gempol_porong", "wonosobo", "bomo_waluyo", "turian", "sumber_kembang", "ringin_telu", "padang_pasir"]
        + ["klopoan", "pakem"],
        10,
        ["35"],
        [R] * 4 + [A] * 4 + [P] * 52,
        {P: (455, 40), A: (50, 20), R: (25, 3)},
    ),
    # Karang Dempel closed on 2019-01-01; the LKS keeps listing those who stayed in Kupang.
    (
        "lkskupang",
        "kupang",
        ["karang_dempel"],
        10,
        ["53", "35"],
        [R] * 3 + [A] * 4 + [P] * 3,
        {P: (400, 250), A: (120, 30), R: (20, 5)},
    ),
    # Semarang trains Argorejo's residents group after group (asatu.id): 16 in the two earlier batches, then 7 now.
    ("lentera", "semarang", ["argorejo"], 10, ["33"], [P] * 16, {P: (440, 200)}),
    ("lentera", "semarang", ["argorejo"], 10, ["33"], [A] * 3 + [P] * 7, {P: (170, 30), A: (25, 8)}),
    ("kotim", "kotim", ["pasir_putih"], 10, ["62", "35"], [P] * 6, {P: (260, 30)}),
    ("purbalingga", "purbalingga", [None], 10, ["33"], [P] * 4, {P: (380, 100)}),
    ("purbalingga", "purbalingga", [None], 15, ["33"], [P] * 4, {P: (370, 90)}),  # former prisoners (BWBLP)
]
# Karang Dempel's people from Banyuwangi, listed by the Kupang LKS and sent home in stages ("dipulangkan secara
# bertahap", Antara): five at a time, each wave referred to Banyuwangi's office a few weeks after the last of it was
# assessed and accepted (the case moves to Banyuwangi) a week or so later. (days ago referred, days to the answer)
REPATRIATED = ("lkskupang", "kupang", ["karang_dempel"], 10, ["35.10"], [A] * 15, {A: (420, 170)})
REPATRIATION_WAVES = [(330, 8), (240, 6), (150, 10)]
COHORTS.append(REPATRIATED)
# Days from a case's registration to its assessment, and to its plan.
ASSESSED_AFTER, PLANNED_AFTER = 8, 20

# The monthly headcounts of the last twelve months, oldest first (site key: (counting user, people present)):
# Gempol Porong emptied after Banyuwangi's first batch three months ago, Argorejo after each of Semarang's batches.
HEADCOUNTS = {
    "gempol_porong": ("lks", [68, 67, 66, 66, 64, 63, 62, 61, 47, 43, 40, 38]),
    "argorejo": ("lentera", [152, 150, 141, 139, 138, 136, 134, 124, 121, 119, 118, 116]),
    "pasir_putih": ("kotim", [46, 46, 45, 47, 45, 44, 44, 43, 44, 42, 43, 41]),
}

SKILLS = ["menjahit", "tata boga", "salon", "kue", "prakarya", "busana", "peternakan"]
BUSINESSES = ["warung makan", "jahit pakaian", "salon rumahan", "kue basah", "ternak kambing", "toko kelontong"]


def load(demo: Demo) -> None:
    sites = _sites(demo)
    if Case.objects.filter(registered_by__in=demo.agencies.values()).exists():
        return  # cases were loaded by an earlier run
    rng = random.Random(2013)
    fake = Faker("id_ID")
    fake.seed_instance(2013)
    districts = _districts_by_province()
    intakes = []
    for registering, supervisor, site_keys, group_code, provinces, stages, windows in COHORTS:
        for i, stage in enumerate(stages):
            site = sites[site_keys[i % len(site_keys)]] if site_keys[0] else None
            # A home province, or a regency ("35.10") for those whose home is known.
            home_code = rng.choice(provinces)
            home = rng.choice([r for r in districts[home_code[:2]] if r.code.startswith(home_code)])
            registered_on = _registered_on(stages, i, windows[stage])
            cohort = (registering, supervisor, site_keys, group_code, provinces, stages, windows)
            intakes.append((registered_on, cohort, (registering, supervisor, site, group_code, home, stage)))
    # In the order they happened, so each year's case numbers follow the days of registration.
    intakes.sort(key=lambda intake: intake[0])
    going_home = []
    for registered_on, cohort, intake in intakes:
        case = _one_case(demo, rng, fake, *intake, registered_on=registered_on)
        if cohort == REPATRIATED:
            going_home.append(case)
    count = len(intakes)
    _headcounts(demo, sites)
    _repatriated_in_waves(demo, going_home)
    _a_repatriation(demo)
    _a_health_check_referral(demo)
    _a_referral_to_the_office(demo)
    pairs = _look_alikes(demo, sites)
    _a_nik_checked(demo)
    number = _a_case_closed_long_ago(demo, sites)
    _a_subject_access_request(demo)
    _a_correction_requested(demo)
    demo.lines.append(f"Demo cases: {count + 5} persons at {len(SITES)} sites.")
    demo.lines.append(f"Closed in 2019, past retention: case {number} (log in as dpo: Pelindungan data, Retensi).")
    demo.lines.append(f"Possible duplicates to review: {pairs} (log in as kabupaten or lks).")


def _sites(demo: Demo) -> dict[str, Site]:
    sites = {}
    for key, (name, kind, code, houses, closed_on) in SITES.items():
        region = Region.objects.get(code=code)
        site = Site.objects.filter(name=name, region=region).first()
        if site is None:
            site = services.site_create(
                actor=demo.admin, name=name, kind=kind, region=region, houses=houses, closed_on=closed_on
            )
        sites[key] = site
    if not sites["wonosobo"].counts.exists():
        # "Of 51 trained from Wonosobo, only 3 still live there" (Kompas, 16 Sept 2013).
        lks = demo.users["lks"]
        services.site_count_record(
            actor=lks, site=sites["wonosobo"], counted_on=datetime.date(2013, 8, 26), people_present=51
        )
        services.site_count_record(
            actor=lks, site=sites["wonosobo"], counted_on=datetime.date(2013, 9, 16), people_present=3
        )
    return sites


def _registered_on(stages: list[str], i: int, window: tuple[int, int]) -> datetime.date:
    """The day the `i`th case of a cohort was registered: its stage's cases spread evenly over the window."""
    same = [j for j, stage in enumerate(stages) if stage == stages[i]]
    oldest, newest = window
    step = (oldest - newest) / max(len(same) - 1, 1)
    return days_ago(round(oldest - same.index(i) * step))


def _headcounts(demo: Demo, sites: dict[str, Site]) -> None:
    """The people an NGO or office counted at its sites in the middle of each of the last twelve months."""
    for key, (username, counts) in HEADCOUNTS.items():
        for months_back, people in zip(range(len(counts), 0, -1), counts, strict=True):
            counted_on = days_ago(30 * months_back - 15)
            with on(counted_on, hour=11):
                services.site_count_record(
                    actor=demo.users[username], site=sites[key], counted_on=counted_on, people_present=people
                )


def _districts_by_province() -> dict[str, list[Region]]:
    by_province: dict[str, list[Region]] = {}
    for region in Region.objects.filter(level=Region.Level.DISTRICT, code__regex=r"^(33|35|53|62)\."):
        by_province.setdefault(region.code[:2], []).append(region)
    return by_province


def _nik(rng: random.Random, district: Region, birth: datetime.date, female: bool) -> str:
    day = birth.day + (40 if female else 0)
    return f"{district.code.replace('.', '')}{day:02d}{birth:%m%y}{rng.randint(1, 9999):04d}"


def _one_case(demo, rng, fake, registering, supervisor, site, group_code, home, stage, *, registered_on) -> Case:
    """One person registered on `registered_on` (her consent given that day), assessed and planned in the days
    after, as far as `stage`."""
    female = group_code != 15 or rng.random() < 0.2
    birth = datetime.date(rng.randint(1975, 2003), rng.randint(1, 12), rng.randint(1, 28))
    registrar = demo.users[registering]
    with on(registered_on):
        intake = case_register(
            actor=registrar,
            # First and family name only: Faker's honorifics (S.H., drg.) are not this population's.
            full_name=f"{fake.first_name_female()} {fake.last_name_female()}"
            if female
            else f"{fake.first_name_male()} {fake.last_name_male()}",
            known_as=fake.first_name_female() if female and rng.random() < 0.4 else "",
            nik=_nik(rng, home, birth, female) if rng.random() < 0.85 else "",
            birth_date=birth,
            sex="F" if female else "M",
            phone=f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}",
            home_region=Region.objects.get(code=home.code[:5]),
            address=fake.street_address(),
            site=site,
            target_group=TargetGroup.objects.get(code=group_code),
            caseworker=registrar,
            processing_consent_on=registered_on,
        )
    case = intake.case
    staff = demo.users[supervisor]
    order = Case.STAGE_ORDER
    if order.index(stage) >= order.index(S.ASSESSED):
        assessed_on = registered_on + datetime.timedelta(days=ASSESSED_AFTER)
        with on(assessed_on):
            services.assessment_record(
                actor=registrar,
                case=case,
                assessed_on=assessed_on,
                needs="Modal usaha dan keterampilan",
                skills_wanted=rng.choice(SKILLS),
                business_idea=rng.choice(BUSINESSES),
                wants_to_go_home=rng.random() < 0.5,
            )
    if order.index(stage) >= order.index(S.PLANNED):
        with on(registered_on + datetime.timedelta(days=PLANNED_AFTER)):
            services.case_transition(actor=staff, case=case, to=S.PLANNED)
    return case


def _repatriated_in_waves(demo: Demo, cases: list[Case]) -> None:
    """`cases`, in the order they were registered, referred home to Banyuwangi wave by wave, with each person's
    consent, and accepted there: each case now Banyuwangi's, its history with it."""
    per_wave = len(cases) // len(REPATRIATION_WAVES)
    for n, (referred, answered_after) in enumerate(REPATRIATION_WAVES):
        for i, case in enumerate(cases[n * per_wave : (n + 1) * per_wave]):
            referred_on = days_ago(referred - i)
            with on(referred_on):
                _refer_with_consent(
                    demo.users["lkskupang"],
                    case,
                    demo.agencies["banyuwangi"],
                    Referral.Kind.REPATRIATION,
                    "Ingin pulang ke kampung halaman di Banyuwangi; keluarga bersedia menerima.",
                    consented_on=referred_on,
                )
            with on(referred_on + datetime.timedelta(days=answered_after)):
                referral = case.referrals.get(kind=Referral.Kind.REPATRIATION)
                services.referral_accept(actor=demo.users["kabupaten"], referral=referral)


def _a_repatriation(demo: Demo) -> None:
    """One Karang Dempel case waiting to go home to Banyuwangi, with the person's consent."""
    case = (
        Case.objects.filter(owner=demo.agencies["kupang"], person__home_region_id="35.10", stage=S.PLANNED)
        .order_by("pk")
        .first()
    ) or Case.objects.filter(owner=demo.agencies["kupang"]).order_by("pk").first()
    _refer_with_consent(
        demo.users["lkskupang"],
        case,
        demo.agencies["banyuwangi"],
        Referral.Kind.REPATRIATION,
        "Ingin pulang ke kampung halaman setelah penutupan Karang Dempel.",
        consented_on=datetime.date(2026, 11, 2),
    )


def _a_health_check_referral(demo: Demo) -> None:
    """One Purbalingga case referred to the regency's health office, not answered yet: the province staff see it
    waiting among their offices' referrals (log in as `provinsi`)."""
    case = Case.objects.filter(owner=demo.agencies["purbalingga"]).order_by("pk").first()
    _refer_with_consent(
        demo.users["purbalingga"],
        case,
        demo.agencies["dinkes_purbalingga"],
        Referral.Kind.HEALTH_CHECK,
        "Pemeriksaan kesehatan rutin.",
        consented_on=datetime.date(2026, 11, 9),
    )


def _a_referral_to_the_office(demo: Demo) -> None:
    """Bina Sehat asks Banyuwangi's office for business capital for one of its assessed cases, not answered yet: the
    office accepts or declines it (log in as `kabupaten`), and Bina Sehat reads the answer (log in as `lks`)."""
    case = (
        Case.objects.filter(owner=demo.agencies["banyuwangi"], registered_by=demo.agencies["bina_sehat"])
        .filter(stage=S.ASSESSED)
        .order_by("pk")
        .first()
    )
    _refer_with_consent(
        demo.users["lks"],
        case,
        demo.agencies["banyuwangi"],
        Referral.Kind.OTHER,
        "Permohonan bantuan modal usaha (UEP) untuk membuka warung makan.",
        consented_on=datetime.date(2026, 11, 16),
    )


def _refer_with_consent(actor, case, to_agency, kind, reason, *, consented_on) -> None:
    """The person agrees to her data going to `to_agency` (a referral needs it), then `actor` refers her case there."""
    services.consent_give(
        actor=actor, person=case.person, purpose=Consent.Purpose.SHARING, agency=to_agency, given_on=consented_on
    )
    services.referral_create(actor=actor, case=case, to_agency=to_agency, kind=kind, reason=reason)


def _look_alikes(demo: Demo, sites: dict[str, Site]) -> int:
    """Two pairs Bina Sehat's intake flagged as looking alike (no NIK to tell), for Banyuwangi to review:
    a woman who came back years after her case was closed (the same person: merge), and two women of similar names
    and ages from the same regency (two people: not the same)."""
    lks, staff = demo.users["lks"], demo.users["kabupaten"]
    banyuwangi = Region.objects.get(code="35.10")
    group = TargetGroup.objects.get(code=10)

    def register(full_name, site, **person):
        return case_register(
            actor=lks,
            full_name=full_name,
            sex="F",
            home_region=banyuwangi,
            site=sites[site],
            target_group=group,
            caseworker=lks,
            processing_consent_on=datetime.date(2026, 11, 20),
            **person,
        )

    earlier = register(
        "Sulastri Wulandari", "gempol_porong", birth_year=1986, address="Dusun Krajan RT 02, Pesanggaran"
    )
    services.case_transition(actor=staff, case=earlier.case, to=S.CLOSED, close_reason=Case.CloseReason.LOST_CONTACT)
    came_back = register(
        "Sulastri Wulandary",
        "wonosobo",
        known_as="Tari",
        birth_date=datetime.date(1986, 4, 12),
        phone="081233470915",
        address="Dusun Krajan RT 02 RW 01, Pesanggaran",
    )
    register("Dewi Lestari", "turian", birth_year=1990, address="Jl. Kalibaru 12, Glenmore")
    other = register("Dewi Lestiani", "klopoan", birth_year=1991, address="Dusun Sumberjo, Tegaldlimo")
    return came_back.possible_duplicates + other.possible_duplicates


def _a_case_closed_long_ago(demo: Demo, sites: dict[str, Site]) -> str:
    """A Semarang case from Argorejo closed in 2019, past the retention period (RETENTION_CASE_YEARS, 5 by default):
    the data-protection officer runs the retention job (log in as `dpo`), and Semarang's staff then read it
    pseudonymized, its figures unchanged."""
    staff = demo.users["semarang"]
    intake = case_register(
        actor=staff,
        full_name="Murniati Rahayu",
        known_as="Murni",
        nik="3374105203880002",
        birth_date=datetime.date(1988, 3, 12),
        sex="F",
        phone="081225550123",
        home_region=Region.objects.get(code="33.74"),
        address="Jl. Argorejo Gg. 3 No. 14, Kalibanteng Kulon",
        site=sites["argorejo"],
        target_group=TargetGroup.objects.get(code=10),
        caseworker=staff,
        processing_consent_on=datetime.date(2018, 3, 12),
    )
    case = intake.case
    services.case_note_add(actor=staff, case=case, body="Murni sudah membuka usaha jahit di rumah orang tuanya.")
    services.case_transition(actor=staff, case=case, to=S.CLOSED, close_reason=Case.CloseReason.GOALS_MET)
    # Dated as they happened: registered in March 2018 (numbered in that year's series, which no later intake
    # reaches), closed in June 2019; the services stamp today.
    registered = datetime.datetime(2018, 3, 12, 2, 0, tzinfo=datetime.UTC)
    closed = datetime.datetime(2019, 6, 28, 2, 0, tzinfo=datetime.UTC)
    number = "33.74-2018-00042"
    Case.objects.filter(pk=case.pk).update(number=number, created_at=registered, stage_changed_at=closed)
    case.stage_changes.exclude(to_stage=S.CLOSED).update(changed_at=registered)
    case.stage_changes.filter(to_stage=S.CLOSED).update(changed_at=closed)
    case.notes.update(created_at=closed - datetime.timedelta(days=30))
    return number


def _a_nik_checked(demo: Demo) -> None:
    """Semarang's staff showed one NIK in full (to check a BPJS enrollment): the auditor finds it in the trail."""
    case = Case.objects.filter(owner=demo.agencies["semarang"], person__nik_hash__isnull=False).order_by("pk").first()
    if case is not None:
        services.person_nik_reveal(actor=demo.users["semarang"], person=case.person)


def _a_subject_access_request(demo: Demo) -> None:
    """A woman of a Semarang case asked, through her NGO this morning, to see her data: the province's
    data-protection officer (dpo) has it open, its identity not yet checked."""
    case = Case.objects.filter(owner=demo.agencies["semarang"]).order_by("pk").first()
    if case is None:
        return
    services.subject_access_request_record(
        actor=demo.users["dpo"],
        subject=case.number,
        channel=SubjectAccessRequest.Channel.NGO,
        received_at=timezone.now() - datetime.timedelta(hours=5),
    )
    demo.lines.append(f"A subject-access request about case {case.number} waits for the dpo login.")


def _a_correction_requested(demo: Demo) -> None:
    """A woman asked Semarang's desk to correct her nickname, showing her KTP: the province's data-protection
    officer (`dpo`) finds the request on their home, to approve or reject (issue 18)."""
    case = Case.objects.filter(owner=demo.agencies["semarang"]).exclude(stage=Case.Stage.CLOSED).order_by("pk").first()
    if case is None:
        return
    services.correction_request_record(
        actor=demo.users["semarang"],
        case=case,
        field=CorrectionRequest.Field.KNOWN_AS,
        new_value="Yanti",
        evidence=CorrectionRequest.Evidence.STATEMENT,
        evidence_note="Disampaikan sendiri di loket; nama panggilan lama tidak ia pakai lagi.",
    )
    demo.lines.append("A correction request waits for the data-protection officer (log in as dpo).")
