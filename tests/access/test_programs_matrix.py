"""The access matrix for programs, rosters, attendance and follow-ups (DESIGN §5, issue 4).

One batch organized by Semarang with a session delivered by the police, enrolling a Semarang case and a
Purbalingga case; a second batch in Banyuwangi. Rosters are seen by whoever sees the case, by the organizers,
and, names only, by the partner delivering a session. Nobody outside sees a roster row.
"""

import datetime

import pytest

from agencies import access
from agencies.models import Agency, ApiClient, Role
from cases.models import Case
from programs.models import Attendance, Batch, Enrollment, FollowUp, Outcome, Program, Session
from tests.agencies.factories import AgencyFactory, ApiClientFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory

K = Agency.Kind
DAY = datetime.date(2026, 11, 2)

AGENCIES = {
    "jateng": (K.SOCIAL_SERVICE_PROVINCE, "33"),
    "semarang": (K.SOCIAL_SERVICE_DISTRICT, "33.74"),
    "purbalingga": (K.SOCIAL_SERVICE_DISTRICT, "33.03"),
    "lentera": (K.NGO, "33.74"),
    "polres": (K.POLICE, "33.74"),
    "kemenag": (K.RELIGIOUS_AFFAIRS, "33.03"),
    "banyuwangi": (K.SOCIAL_SERVICE_DISTRICT, "35.10"),
    "kemensos": (K.MINISTRY, "31"),
}

ACTORS = {
    "province_staff": (Role.PROVINCE_STAFF, "jateng", None),
    "organizer_staff": (Role.DISTRICT_STAFF, "semarang", None),
    "other_district_staff": (Role.DISTRICT_STAFF, "purbalingga", None),
    "far_district_staff": (Role.DISTRICT_STAFF, "banyuwangi", None),
    "ngo_caseworker": (Role.NGO_CASEWORKER, "lentera", None),
    "delivering_trainer": (Role.PARTNER_TRAINER, "polres", None),
    "other_trainer": (Role.PARTNER_TRAINER, "kemenag", None),
    "leadership_viewer": (Role.LEADERSHIP_VIEWER, "kemensos", None),
    "auditor": (Role.AUDITOR, "jateng", None),
    # the data-protection officer reads the trail, never a roster or a follow-up (issue 18 item 11)
    "data_protection_officer": (Role.DATA_PROTECTION_OFFICER, "jateng", None),
    "trainer_client": (None, "polres", ApiClient.Scope.READ_WRITE),
}

SEMARANG, PURBALINGGA, BANYUWANGI = "33.74-1", "33.03-1", "35.10-1"
NOTHING = frozenset()

# actor: (enrollments visible, enrollments changeable, attendance changeable), by case number
ROSTER_MATRIX = {
    "province_staff": ({SEMARANG, PURBALINGGA}, {SEMARANG, PURBALINGGA}, {SEMARANG, PURBALINGGA}),
    "organizer_staff": ({SEMARANG, PURBALINGGA}, {SEMARANG, PURBALINGGA}, {SEMARANG, PURBALINGGA}),
    "other_district_staff": ({PURBALINGGA}, {PURBALINGGA}, {PURBALINGGA}),
    "far_district_staff": ({BANYUWANGI}, {BANYUWANGI}, {BANYUWANGI}),
    "ngo_caseworker": ({SEMARANG}, {SEMARANG}, {SEMARANG}),
    "delivering_trainer": ({SEMARANG, PURBALINGGA}, NOTHING, {SEMARANG, PURBALINGGA}),
    "other_trainer": (NOTHING, NOTHING, NOTHING),
    "leadership_viewer": (NOTHING, NOTHING, NOTHING),
    "auditor": ({SEMARANG, PURBALINGGA}, NOTHING, NOTHING),
    "data_protection_officer": (NOTHING, NOTHING, NOTHING),
    "trainer_client": ({SEMARANG, PURBALINGGA}, NOTHING, {SEMARANG, PURBALINGGA}),
}

# actor: (follow-ups visible, changeable): they follow the case
FOLLOW_UP_MATRIX = {
    "province_staff": ({SEMARANG, PURBALINGGA}, NOTHING),
    "organizer_staff": ({SEMARANG}, {SEMARANG}),
    "other_district_staff": ({PURBALINGGA}, {PURBALINGGA}),
    "far_district_staff": ({BANYUWANGI}, {BANYUWANGI}),
    "ngo_caseworker": ({SEMARANG}, {SEMARANG}),
    "delivering_trainer": (NOTHING, NOTHING),
    "other_trainer": (NOTHING, NOTHING),
    "leadership_viewer": (NOTHING, NOTHING),
    "auditor": ({SEMARANG, PURBALINGGA}, NOTHING),
    "data_protection_officer": (NOTHING, NOTHING),
    "trainer_client": (NOTHING, NOTHING),
}


@pytest.fixture
def world(db):
    agencies = {
        key: AgencyFactory(name=key, kind=kind, region=RegionFactory(code=code))
        for key, (kind, code) in AGENCIES.items()
    }
    cases = {
        SEMARANG: CaseFactory(number=SEMARANG, owner=agencies["semarang"], registered_by=agencies["lentera"]),
        PURBALINGGA: CaseFactory(number=PURBALINGGA, owner=agencies["purbalingga"]),
        BANYUWANGI: CaseFactory(number=BANYUWANGI, owner=agencies["banyuwangi"]),
    }
    batches = {}
    for organizer, region in (("semarang", "33.74"), ("banyuwangi", "35.10")):
        program = Program.objects.create(
            name=organizer,
            kind=Program.Kind.SKILLS_TRAINING,
            organizer=agencies[organizer],
            region=RegionFactory(code=region),
            fiscal_year=2026,
        )
        batch = Batch.objects.create(program=program, number=1, starts_on=DAY, ends_on=DAY)
        delivered_by = agencies["polres"] if organizer == "semarang" else agencies[organizer]
        batches[organizer] = (
            batch,
            Session.objects.create(batch=batch, date=DAY, topic="sewing", delivering_agency=delivered_by),
        )
    for number, case in cases.items():
        batch, session = batches["banyuwangi" if number == BANYUWANGI else "semarang"]
        enrollment = Enrollment.objects.create(batch=batch, case=case, status="completed", starts_on=DAY, ends_on=DAY)
        Attendance.objects.create(enrollment=enrollment, session=session, present=True)
        follow_up = FollowUp.objects.create(case=case, enrollment=enrollment, offset_days=30, due_on=DAY)
        Outcome.objects.create(follow_up=follow_up, case=case, recorded_on=DAY, site_status="left_site")

    actors = {}
    for name, (role, agency_key, scope) in ACTORS.items():
        if scope is None:
            actors[name] = MembershipFactory(role=role, agency=agencies[agency_key]).user
        else:
            actors[name] = ApiClientFactory(agency=agencies[agency_key], scope=scope)
    return actors


def _numbers(rows, case_of):
    return {case_of(row).number for row in rows}


def test_the_matrices_cover_every_actor():
    assert set(ROSTER_MATRIX) == set(FOLLOW_UP_MATRIX) == set(ACTORS)


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_rosters_and_attendance(world, actor):
    who = world[actor]
    visible, changeable, attendance = ROSTER_MATRIX[actor]

    assert _numbers(access.visible_to(who, Enrollment), lambda e: e.case) == set(visible)
    assert _numbers(access.changeable_by(who, Enrollment), lambda e: e.case) == set(changeable)
    assert _numbers(access.changeable_by(who, Attendance), lambda a: a.enrollment.case) == set(attendance)


@pytest.mark.parametrize("actor", sorted(ACTORS))
@pytest.mark.parametrize("model", [FollowUp, Outcome], ids=["follow-up", "outcome"])
def test_follow_ups_and_outcomes_follow_the_case(world, actor, model):
    visible, changeable = FOLLOW_UP_MATRIX[actor]

    assert _numbers(access.visible_to(world[actor], model), lambda f: f.case) == set(visible)
    assert _numbers(access.changeable_by(world[actor], model), lambda f: f.case) == set(changeable)


@pytest.mark.parametrize("actor", ["delivering_trainer", "trainer_client"])
def test_partner_trainers_see_names_on_the_roster_but_not_the_cases(world, actor):
    assert access.visible_to(world[actor], Enrollment).exists()
    assert not access.visible_to(world[actor], Case).exists()


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_every_member_reads_the_program_calendar(world, actor):
    for model in (Program, Batch, Session):
        assert access.visible_to(world[actor], model).count() == model.objects.count()


@pytest.mark.parametrize(
    ("actor", "organizers"),
    [
        ("province_staff", {"semarang"}),
        ("organizer_staff", {"semarang"}),
        ("far_district_staff", {"banyuwangi"}),
        ("delivering_trainer", set()),
        ("auditor", set()),
        ("data_protection_officer", set()),
        ("leadership_viewer", set()),
    ],
)
def test_only_organizers_change_programs_batches_and_sessions(world, actor, organizers):
    for model, program_of in (
        (Program, lambda p: p),
        (Batch, lambda b: b.program),
        (Session, lambda s: s.batch.program),
    ):
        changed = {program_of(row).name for row in access.changeable_by(world[actor], model)}
        assert changed == organizers, model.__name__
