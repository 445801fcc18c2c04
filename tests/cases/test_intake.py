"""Intake (case_register): a person and their case, NIK checks, duplicates refused without leaking (DESIGN §4–§6)."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone, translation

from agencies import access
from agencies.models import AuditEvent, Role
from cases import intake, refusals, services
from cases.intake import look_alikes
from cases.models import Case, CaseNumberSequence, Consent, Person, PossibleDuplicate, StageChange, TargetGroup
from tests.agencies.factories import RegionFactory
from tests.cases.factories import (
    BWBLP,
    TUNA_SUSILA,
    CaseFactory,
    ConsentFactory,
    DistrictOfficeFactory,
    IntakeFactory,
    NgoFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# 35.10.01 (a kecamatan of Banyuwangi), day 45 = a woman born on 5 January 1990, serial 0001.
NIK = "3510014501900001"
BORN = datetime.date(1990, 1, 5)


def _tuna_susila():
    return TargetGroup.objects.get(code=TUNA_SUSILA)


def _register(actor, **details):
    return intake.case_register(
        actor=actor,
        **{"full_name": "Siti Aminah", "sex": "F", "target_group": _tuna_susila(), **details},
    )


def _message(refused) -> str:
    return " ".join(refused.value.messages)


def _nothing_registered():
    return not Person.objects.exists() and not Case.objects.exists() and not StageChange.objects.exists()


# Registering


def test_district_staff_registers_a_person_their_case_and_its_first_stage(staff, semarang):
    intake = _register(staff, nik=NIK, birth_date=BORN, phone="081234567890", known_as="Ami")

    case = Case.objects.get(pk=intake.case.pk)
    assert (case.owner, case.registered_by, case.stage) == (semarang, semarang, Case.Stage.REGISTERED)
    assert (case.person.full_name, case.person.known_as, case.person.nik) == ("Siti Aminah", "Ami", NIK)
    assert case.person.birth_year == 1990
    assert list(case.person.target_groups.all()) == [_tuna_susila()]
    first = StageChange.objects.get(case=case)
    assert (first.from_stage, first.to_stage, first.changed_by) == ("", Case.Stage.REGISTERED, staff)
    assert intake.warnings == []
    assert intake.possible_duplicates == 0


def test_registering_is_audited_without_personal_data(staff, semarang):
    intake = _register(staff, nik=NIK, birth_date=BORN)

    event = AuditEvent.objects.get(action="cases.case.registered")
    assert (event.actor_user, event.agency, event.target_id) == (staff, semarang, str(intake.case.pk))
    assert event.data == {"number": intake.case.number, "nik_given": True, "nik_warnings": 0}
    assert NIK not in str(event.data) and "Siti" not in str(event.data)


def test_other_target_groups_are_recorded_beside_the_main_one(staff):
    bwblp = TargetGroup.objects.get(code=BWBLP)

    intake = _register(staff, other_target_groups=[bwblp])

    assert intake.case.target_group == _tuna_susila()
    assert set(intake.case.person.target_groups.all()) == {_tuna_susila(), bwblp}


def test_a_processing_consent_can_be_recorded_at_intake(staff):
    intake = _register(staff, processing_consent_on=timezone.localdate())

    consent = Consent.objects.get(person=intake.case.person)
    assert (consent.purpose, consent.agency, consent.recorded_by) == (Consent.Purpose.PROCESSING, None, staff)


def test_an_intake_writes_its_first_stage_and_its_registration_and_consent_events_at_one_moment(staff, semarang):
    intake = _register(staff, nik=NIK, birth_date=BORN, processing_consent_on=timezone.localdate())

    case, consent = intake.case, Consent.objects.get(person=intake.case.person)
    first = StageChange.objects.get(case=case)
    assert (first.from_stage, first.to_stage, first.reason, first.changed_by) == ("", Case.Stage.REGISTERED, "", staff)
    registered, given = AuditEvent.objects.order_by("pk")
    for event, target in ((registered, case), (given, consent)):
        assert (event.actor_user, event.actor_api_client, event.actor_agency) == (staff, None, semarang)
        assert (event.agency, event.target_type.model_class(), event.target_id) == (
            semarang,
            type(target),
            str(target.pk),
        )
        assert event.created_at == first.changed_at
    assert (registered.action, registered.data) == (
        "cases.case.registered",
        {"number": case.number, "nik_given": True, "nik_warnings": 0},
    )
    assert (given.action, given.data) == (
        "cases.consent.given",
        {"purpose": Consent.Purpose.PROCESSING, "agency": None},
    )


def test_a_case_needs_a_target_group_and_nothing_is_saved_without_one(staff):
    with pytest.raises(ValidationError) as refused:
        _register(staff, target_group=None)

    assert set(refused.value.message_dict) == {"target_group"}
    assert _nothing_registered()


# Case numbers


def test_case_numbers_are_the_owner_region_the_year_and_five_digits(staff):
    case = _register(staff).case

    year = timezone.localdate().year
    assert case.number == f"33.74-{year}-00001"
    assert re.fullmatch(r"\d{2}\.\d{2}-\d{4}-\d{5}", case.number)


def test_case_numbers_count_up_per_district(staff, outsider):
    year = timezone.localdate().year

    first = _register(staff, full_name="Siti Aminah").case
    elsewhere = _register(outsider, full_name="Dewi Lestari").case
    second = _register(staff, full_name="Rina Wati").case

    assert (first.number, second.number) == (f"33.74-{year}-00001", f"33.74-{year}-00002")
    assert elsewhere.number == f"35.10-{year}-00001"


def test_case_numbers_start_again_each_year(staff, semarang):
    year = timezone.localdate().year
    CaseNumberSequence.objects.create(region=semarang.region, year=year - 1, last=41)

    case = _register(staff).case

    assert case.number == f"33.74-{year}-00001"
    assert CaseNumberSequence.objects.get(region=semarang.region, year=year - 1).last == 41


def test_a_refused_intake_does_not_use_up_a_case_number(staff, member):
    # refused after its number was taken: the caseworker is checked once the case exists
    with pytest.raises(ValidationError):
        _register(staff, caseworker=member(Role.NGO_CASEWORKER, agency=NgoFactory()))

    assert _register(staff).case.number.endswith("-00001")


# The NIK


@pytest.mark.parametrize(
    "nik",
    ["351001450190000", "35100145019000012", "3510O14501900001", "NIK-KOSONG"],
    ids=["15 digits", "17 digits", "a letter O", "no digits"],
)
def test_a_nik_without_exactly_16_digits_is_refused_and_nothing_is_saved(staff, nik):
    with pytest.raises(ValidationError) as refused:
        _register(staff, nik=nik)

    assert refused.value.message_dict == {"nik": [refusals.NIK_NOT_16_DIGITS]}
    assert _nothing_registered()


def test_a_nik_typed_with_separators_is_kept_as_its_16_digits(staff):
    person = _register(staff, nik="3510-0145-0190 0001", birth_date=BORN).case.person

    person.refresh_from_db()
    assert person.nik == NIK


@pytest.mark.parametrize(
    "nik",
    ["9999014501900001", "3599014501900001"],
    ids=["unknown province", "unknown regency"],
)
def test_an_unknown_region_code_in_the_nik_is_a_warning_and_the_case_is_still_registered(staff, nik):
    intake = _register(staff, nik=nik, birth_date=BORN)

    assert intake.warnings == ["The NIK's region code is not a current Kemendagri region; check it against the KTP."]
    assert Case.objects.filter(pk=intake.case.pk, person__nik_hash__isnull=False).exists()


def test_a_birth_date_that_disagrees_with_the_nik_is_a_warning_and_the_case_is_still_registered(staff):
    intake = _register(staff, nik=NIK, birth_date=datetime.date(1990, 2, 5))

    assert intake.warnings == ["The birth date differs from the one encoded in the NIK."]
    assert Case.objects.filter(pk=intake.case.pk).exists()


def test_a_birth_year_that_disagrees_with_the_nik_is_a_warning(staff):
    intake = _register(staff, nik=NIK, birth_date=datetime.date(1991, 1, 5))

    assert intake.warnings == ["The birth date differs from the one encoded in the NIK."]


def test_a_sex_that_disagrees_with_the_nik_is_a_warning(staff):
    intake = _register(staff, nik=NIK, birth_date=BORN, sex="M")

    assert intake.warnings == ["The sex differs from the one encoded in the NIK."]


def test_a_nik_whose_birth_date_is_no_real_date_is_a_warning(staff):
    intake = _register(staff, nik="3510019901900001")

    assert intake.warnings == ["The NIK's birth date is not a real date; check it against the KTP."]


def test_a_birth_date_in_the_future_is_refused_and_nothing_is_saved(staff):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        _register(staff, birth_date=tomorrow)

    assert refused.value.message_dict == {"birth_date": [refusals.BIRTH_DATE_IN_FUTURE]}
    assert _nothing_registered()


def test_a_birth_year_before_1900_is_refused(staff):
    with pytest.raises(ValidationError) as refused:
        _register(staff, birth_year=1899)

    assert set(refused.value.message_dict) == {"birth_year"}
    assert _nothing_registered()


# A NIK registered before: refused, and never revealing another district's case


def test_a_known_nik_is_refused_naming_the_case_the_actor_can_see(staff, colleague):
    known = _register(colleague, nik=NIK, birth_date=BORN).case

    with pytest.raises(ValidationError) as refused:
        _register(staff, nik=NIK, birth_date=BORN, full_name="Siti A.")

    assert refused.value.message_dict == {"nik": [refusals.NIK_REGISTERED_HERE % {"number": known.number}]}
    assert Person.objects.count() == 1
    assert Case.objects.count() == 1


def test_a_known_nik_in_another_district_is_refused_without_revealing_anything_about_it(staff, member, banyuwangi):
    # given the person was registered by an NGO in Banyuwangi, so the case is owned by the Banyuwangi office
    bina_sehat = NgoFactory(name="Yayasan Bina Sehat Banyuwangi", region=RegionFactory(code="35.10.01"))
    known = _register(member(Role.NGO_CASEWORKER, agency=bina_sehat), nik=NIK, birth_date=BORN).case
    assert known.owner == banyuwangi

    # when Semarang tries to register the same NIK
    with pytest.raises(ValidationError) as refused:
        _register(staff, nik=NIK, birth_date=BORN, full_name="Aminah")

    # then the refusal says where to go, and nothing about that case
    assert refused.value.message_dict == {"nik": [refusals.NIK_REGISTERED_ELSEWHERE]}
    message = _message(refused)
    assert "another district" in message and "transfer" in message
    for secret in (known.number, banyuwangi.name, bina_sehat.name, "Siti Aminah", "35.10", "Banyuwangi"):
        assert secret not in message
    assert Person.objects.count() == 1
    assert Case.objects.count() == 1


def test_a_known_nik_is_refused_in_indonesian_too_without_revealing_the_other_case(staff, outsider):
    known = _register(outsider, nik=NIK, birth_date=BORN).case

    with translation.override("id"), pytest.raises(ValidationError) as refused:
        _register(staff, nik=NIK, birth_date=BORN)

    assert set(refused.value.message_dict) == {"nik"}
    assert known.number not in _message(refused)
    assert "Siti" not in _message(refused)


def test_a_known_nik_in_a_closed_case_of_another_district_is_refused_the_same_way(staff, outsider):
    known = _register(outsider, nik=NIK, birth_date=BORN).case
    services.case_transition(actor=outsider, case=known, to=Case.Stage.CLOSED, close_reason="lost_contact")

    with pytest.raises(ValidationError) as refused:
        _register(staff, nik=NIK)

    assert refused.value.message_dict == {"nik": [refusals.NIK_REGISTERED_ELSEWHERE]}


# One open case per person


def test_a_person_cannot_have_a_second_open_case(staff):
    case = _register(staff).case

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(person=case.person, owner=case.owner)

    assert Case.objects.filter(person=case.person).count() == 1


def test_a_person_whose_case_is_closed_can_have_a_new_one(staff):
    case = _register(staff).case
    services.case_transition(actor=staff, case=case, to=Case.Stage.CLOSED, close_reason="goals_met")

    CaseFactory(person=case.person, owner=case.owner)

    assert Case.objects.filter(person=case.person).count() == 2


# Who registers, and who owns the case


def test_an_ngo_caseworker_registers_a_case_owned_by_the_district_office_of_its_regency(member, semarang):
    lentera = NgoFactory(region=RegionFactory(code="33.74.05"))
    caseworker = member(Role.NGO_CASEWORKER, agency=lentera)
    DistrictOfficeFactory(region=RegionFactory(code="35.10"))  # another regency's office, not to be picked

    case = _register(caseworker).case

    assert (case.owner, case.registered_by) == (semarang, lentera)
    assert case.number.startswith("33.74-")
    assert access.visible_to(caseworker, Case).filter(pk=case.pk).exists()


def test_an_ngo_intake_where_its_regency_has_no_office_needs_an_owner(member):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="33.02.01")))

    with pytest.raises(ValidationError) as refused:
        _register(caseworker)

    assert set(refused.value.message_dict) == {"owner"}
    assert _nothing_registered()


def test_an_ngo_intake_may_name_the_office_of_its_regency(member, banyuwangi):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="35.10.01")))

    case = _register(caseworker, owner=banyuwangi).case

    assert case.owner == banyuwangi


def test_a_case_cannot_be_owned_by_an_ngo(staff):
    with pytest.raises(ValidationError) as refused:
        _register(staff, owner=NgoFactory())

    assert set(refused.value.message_dict) == {"owner"}
    assert _nothing_registered()


def test_district_staff_cannot_register_a_case_for_another_district(staff, banyuwangi):
    with pytest.raises(ValidationError) as refused:
        _register(staff, owner=banyuwangi)

    assert set(refused.value.message_dict) == {"owner"}
    assert _nothing_registered()
    assert not CaseNumberSequence.objects.exists()


@pytest.mark.parametrize(
    "role",
    [Role.PARTNER_TRAINER, Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF, Role.AUDITOR, Role.FINANCE_APPROVER],
)
def test_only_district_staff_and_ngo_caseworkers_register(member, semarang, role):
    agency = semarang if role in (Role.AUDITOR, Role.FINANCE_APPROVER) else None
    actor = member(role, agency=agency)

    with pytest.raises(PermissionDenied):
        _register(actor, owner=semarang)

    assert _nothing_registered()


def test_a_caseworker_can_be_assigned_at_intake_when_they_work_for_the_owner(staff, member, semarang):
    worker = member(Role.DISTRICT_STAFF, agency=semarang)

    case = _register(staff, caseworker=worker).case

    assert case.caseworker == worker


def test_a_caseworker_from_an_unrelated_agency_cannot_be_assigned_at_intake(staff, member):
    stranger = member(Role.NGO_CASEWORKER, agency=NgoFactory())

    with pytest.raises(ValidationError) as refused:
        _register(staff, caseworker=stranger)

    assert set(refused.value.message_dict) == {"caseworker"}
    assert _nothing_registered()


# Nothing half-saved


def _refuse_inserts_into(table: str) -> None:
    # A failure of the database itself, as a full disk or a cancelled statement would be; gone with the test's
    # transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "table",
    ["agencies_auditevent", "cases_possibleduplicate"],
    ids=["the audit event, in the first stage's statement", "the look-alike flag, written after them"],
)
def test_an_intake_failing_after_its_first_stage_leaves_nothing_behind(staff, colleague, table):
    banyumas = RegionFactory(code="33.02")
    IntakeFactory(actor=colleague, full_name="Siti Aminah", home_region=banyumas, birth_year=1990)
    before = {model: model.objects.count() for model in (Person, Case, StageChange, AuditEvent, Consent)}
    taken = CaseNumberSequence.objects.get().last
    _refuse_inserts_into(table)

    with pytest.raises(DatabaseError):
        _register(
            staff,
            full_name="Siti Aminah",
            home_region=banyumas,
            birth_year=1990,
            processing_consent_on=timezone.localdate(),
        )

    assert {model: model.objects.count() for model in before} == before
    assert CaseNumberSequence.objects.get().last == taken
    assert not PossibleDuplicate.objects.exists()


# Possible duplicates: people without a NIK who look alike, flagged for review


@pytest.fixture
def banyumas():
    """A home region (kampung halaman) many of the people met in Semarang come from."""
    return RegionFactory(code="33.02")


@pytest.mark.parametrize(
    ("full_name", "birth_year"),
    [("Siti Aminah", 1990), ("Sity Aminah", 1991), ("SITI AMINAH", 1989), ("Siti Aminah ", 1990)],
)
def test_a_similar_name_from_the_same_home_region_and_birth_year_is_flagged(
    staff, colleague, banyumas, full_name, birth_year
):
    earlier = IntakeFactory(actor=colleague, full_name="Siti Aminah", home_region=banyumas, birth_year=1990).case

    intake = _register(staff, full_name=full_name, home_region=banyumas, birth_year=birth_year)

    assert intake.possible_duplicates == 1
    flag = PossibleDuplicate.objects.get()
    assert (flag.person, flag.similar_to, flag.status) == (
        intake.case.person,
        earlier.person,
        PossibleDuplicate.Status.OPEN,
    )
    assert 80 <= flag.score <= 100


@pytest.mark.parametrize(
    ("full_name", "birth_year", "home"),
    [("Siti Aminah", 1992, "33.02"), ("Siti Aminah", 1990, "33.03"), ("Dewi Lestari", 1990, "33.02")],
    ids=["two years apart", "another home region", "another name"],
)
def test_a_person_who_differs_in_name_home_region_or_birth_year_is_not_flagged(
    staff, colleague, banyumas, full_name, birth_year, home
):
    IntakeFactory(actor=colleague, full_name="Siti Aminah", home_region=banyumas, birth_year=1990)

    intake = _register(staff, full_name=full_name, home_region=RegionFactory(code=home), birth_year=birth_year)

    assert intake.possible_duplicates == 0
    assert not PossibleDuplicate.objects.exists()


def test_a_similar_person_the_actor_cannot_see_is_never_compared(staff, outsider, banyumas):
    # given a look-alike registered by another district (same home region and birth year)
    IntakeFactory(actor=outsider, full_name="Siti Aminah", home_region=banyumas, birth_year=1990)

    intake = _register(staff, full_name="Siti Aminah", home_region=banyumas, birth_year=1990)

    assert intake.possible_duplicates == 0
    assert not PossibleDuplicate.objects.exists()


def test_two_people_with_different_niks_are_never_flagged(staff, colleague, banyumas):
    IntakeFactory(actor=colleague, full_name="Siti Aminah", home_region=banyumas, nik="3302014501900001")

    intake = _register(staff, full_name="Siti Aminah", home_region=banyumas, nik="3302014501900002")

    assert intake.possible_duplicates == 0


def test_a_look_alike_born_the_same_year_is_compared_first_when_the_year_before_fills_the_comparisons(
    staff, colleague, banyumas, monkeypatch
):
    monkeypatch.setattr(look_alikes, "DUPLICATE_CANDIDATES_LIMIT", 3)
    IntakeFactory(actor=colleague, full_name="Siti Aminah", home_region=banyumas, birth_year=1990)
    for name in ("Dewi Lestari", "Ratna Sari", "Wulan Dari"):
        IntakeFactory(actor=colleague, full_name=name, home_region=banyumas, birth_year=1989)

    intake = _register(staff, full_name="Sity Aminah", home_region=banyumas, birth_year=1990)

    assert intake.possible_duplicates == 1


def test_a_person_with_a_nik_is_flagged_against_a_look_alike_without_one(staff, colleague, banyumas):
    IntakeFactory(actor=colleague, full_name="Siti Aminah", home_region=banyumas, birth_year=1990)

    intake = _register(staff, full_name="Siti Aminah", home_region=banyumas, nik=NIK, birth_date=BORN)

    assert intake.possible_duplicates == 1


def _flagged_pair(actor, banyumas, **new_person):
    earlier = IntakeFactory(actor=actor, full_name="Siti Aminah", home_region=banyumas, birth_year=1990).case
    later = IntakeFactory(
        actor=actor, full_name="Sity Aminah", home_region=banyumas, birth_year=1990, **new_person
    ).case
    return earlier, later, PossibleDuplicate.objects.get(person=later.person)


def test_merging_moves_cases_and_consents_to_the_survivor_and_keeps_the_merged_row(staff, banyumas):
    earlier, later, flag = _flagged_pair(staff, banyumas)
    services.case_transition(actor=staff, case=later, to=Case.Stage.CLOSED, close_reason="duplicate")
    consent = ConsentFactory(person=later.person, purpose=Consent.Purpose.PROCESSING, agency=None)
    merged = later.person

    survivor = services.possible_duplicate_merge(actor=staff, duplicate=flag)

    assert survivor == earlier.person
    assert set(Case.objects.filter(person=survivor)) == {earlier, later}
    assert Consent.objects.get(pk=consent.pk).person == survivor
    merged.refresh_from_db()
    assert merged.merged_into == survivor
    assert not Case.objects.filter(person=merged).exists()
    flag.refresh_from_db()
    assert (flag.status, flag.reviewed_by) == (PossibleDuplicate.Status.MERGED, staff)
    event = AuditEvent.objects.get(action="cases.person.merged")
    assert event.data == {"merged": merged.pk, "cases_moved": 1}


def test_merging_is_refused_while_both_persons_have_open_cases(staff, banyumas):
    earlier, later, flag = _flagged_pair(staff, banyumas)

    with pytest.raises(ValidationError) as refused:
        services.possible_duplicate_merge(actor=staff, duplicate=flag)

    assert set(refused.value.message_dict) == {"similar_to"}
    assert Case.objects.get(pk=later.pk).person == later.person
    later.person.refresh_from_db()
    assert later.person.merged_into is None
    flag.refresh_from_db()
    assert flag.status == PossibleDuplicate.Status.OPEN


def test_merging_gives_the_survivor_the_nik_it_lacked(staff, banyumas):
    earlier, later, flag = _flagged_pair(staff, banyumas, nik=NIK, birth_date=BORN)
    services.case_transition(actor=staff, case=later, to=Case.Stage.CLOSED, close_reason="duplicate")

    survivor = services.possible_duplicate_merge(actor=staff, duplicate=flag)

    survivor.refresh_from_db()
    assert survivor.nik == NIK
    assert Person.objects.get(pk=later.person.pk).nik_hash is None
    # and the NIK now leads to the survivor's cases
    with pytest.raises(ValidationError) as refused:
        _register(staff, nik=NIK)
    assert later.number in _message(refused)


def test_a_pair_cannot_be_merged_by_an_outsider(staff, outsider, banyumas):
    _earlier, later, flag = _flagged_pair(staff, banyumas)
    services.case_transition(actor=staff, case=later, to=Case.Stage.CLOSED, close_reason="duplicate")

    with pytest.raises(Http404):
        services.possible_duplicate_merge(actor=outsider, duplicate=flag)

    assert Person.objects.get(pk=later.person.pk).merged_into is None


def test_dismissing_records_that_two_people_are_not_the_same(staff, banyumas):
    earlier, later, flag = _flagged_pair(staff, banyumas)

    services.possible_duplicate_dismiss(actor=staff, duplicate=flag)

    flag.refresh_from_db()
    assert (flag.status, flag.reviewed_by) == (PossibleDuplicate.Status.DISMISSED, staff)
    assert flag.reviewed_at is not None
    assert Case.objects.get(pk=later.pk).person == later.person
    assert AuditEvent.objects.filter(action="cases.possible_duplicate.dismissed").count() == 1


@pytest.mark.parametrize("review", ["possible_duplicate_dismiss", "possible_duplicate_merge"])
def test_a_dismissed_pair_cannot_be_reviewed_again(staff, banyumas, review):
    _earlier, later, flag = _flagged_pair(staff, banyumas)
    services.case_transition(actor=staff, case=later, to=Case.Stage.CLOSED, close_reason="duplicate")
    services.possible_duplicate_dismiss(actor=staff, duplicate=flag)

    with pytest.raises(ValidationError) as refused:
        getattr(services, review)(actor=staff, duplicate=flag)

    assert refused.value.message_dict == {"status": [refusals.PAIR_ALREADY_REVIEWED]}


def test_a_pair_cannot_be_dismissed_by_an_outsider(staff, outsider, banyumas):
    _earlier, _later, flag = _flagged_pair(staff, banyumas)

    with pytest.raises(Http404):
        services.possible_duplicate_dismiss(actor=outsider, duplicate=flag)
