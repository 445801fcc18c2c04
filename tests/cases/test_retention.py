"""Retention (issue 18 item 9): a person whose cases were all closed longer ago than RETENTION_CASE_YEARS is
pseudonymized by the nightly job, unless a legal hold applies; nothing of her name, NIK, its hash, phone or address
is left anywhere afterwards, and every figure is the same as before."""

import datetime
import json

import pytest
from django.db import connection
from django.utils import timezone

from agencies import exports
from agencies.encryption import cipher
from agencies.indicators import all_indicators
from agencies.models import AuditEvent, Export, IdempotencyRecord, RetentionRun, Role
from cases import retention, services
from cases.encryption import keyed_hash
from cases.models import Case, CorrectionRequest, LegalHold, Person, PossibleDuplicate, Restriction
from funding.models import Disbursement
from programs import services as program_services
from programs.models import Outcome
from tests.agencies.export_files import queued
from tests.agencies.factories import RegionFactory
from tests.cases.factories import CaseFactory, IntakeFactory, PersonFactory, SiteFactory, referred
from tests.funding.factories import BenefitFactory, EntitlementFactory, batch_that_ran, pay
from tests.programs.factories import ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NAME, NICKNAME = "Sukartiningsih Wulanzari", "Tinuk"
NIK, PHONE = "3374014505870003", "081299887766"
ADDRESS = "Kampung Sendangguwo RT 04 RW 07, Tembalang"
LONG_AGO = datetime.timedelta(days=365 * 6)


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")
    settings.RETENTION_CASE_YEARS = 5


@pytest.fixture
def approver(member, semarang):
    return member(Role.FINANCE_APPROVER, agency=semarang)


@pytest.fixture
def dpo(member, jateng):
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


def close_long_ago(actor, case: Case, ago=LONG_AGO) -> Case:
    services.case_transition(actor=actor, case=case, to=Case.Stage.CLOSED, close_reason=Case.CloseReason.GOALS_MET)
    Case.objects.filter(pk=case.pk).update(stage_changed_at=timezone.now() - ago)
    case.refresh_from_db()
    return case


def her_whole_history(staff, approver, semarang, lentera) -> Case:
    """Sukartiningsih's case as Semarang worked it: registered with every personal field, assessed, noted, referred,
    trained, visited, paid; each free text naming her. Not closed yet."""
    kecamatan = RegionFactory(code="33.74.10")
    case = IntakeFactory(
        actor=staff,
        full_name=NAME,
        known_as=NICKNAME,
        nik=NIK,
        phone=PHONE,
        address=ADDRESS,
        birth_date=datetime.date(1987, 5, 5),
        home_region=kecamatan,
        site=SiteFactory(name="Argorejo", region=RegionFactory(code="33.74")),
        caseworker=staff,
        processing_consent_on=timezone.localdate() - datetime.timedelta(days=400),
    ).case
    services.assessment_record(
        actor=staff,
        case=case,
        assessed_on=timezone.localdate(),
        needs=f"{NAME} perlu modal usaha",
        skills_wanted=f"menjahit seperti ibu {NICKNAME}",
        business_idea=f"warung {NICKNAME}",
        wants_to_go_home=False,
    )
    services.case_note_add(actor=staff, case=case, body=f"{NAME} ({NICKNAME}) datang dengan telepon {PHONE}")
    referred(staff, case, lentera, reason=f"Pendampingan untuk {NAME}, alamat {ADDRESS}")
    services.case_transition(actor=staff, case=case, to=Case.Stage.PLANNED)
    program = ProgramFactory(organizer=semarang)
    batch, enrollments = batch_that_ran(staff, program, {case: 5})
    program_services.batch_complete(actor=staff, batch=batch)
    follow_up = case.follow_ups.order_by("due_on").first()
    program_services.follow_up_record(
        actor=staff,
        follow_up=follow_up,
        recorded_on=timezone.localdate(),
        site_status=Outcome.SiteStatus.LEFT_SITE,
        left_site_on=timezone.localdate(),
        business_started=True,
        business_type=f"Jahitan {NICKNAME}",
    )
    benefit = BenefitFactory(program=program)
    grant = EntitlementFactory(actor=staff, case=case, benefit=benefit)
    paid = pay(staff, approver, grant)
    Disbursement.objects.filter(pk=paid.pk).update(reference=f"BRI {NIK}")
    case.refresh_from_db()
    return case


def needles(person: Person) -> dict[str, str]:
    """Everything of hers that must be gone, as stored: her name's rare words, NIK, its hash and ciphertext, phone
    and its ciphertext, address."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik, phone FROM cases_person WHERE id = %s", [person.pk])
        nik_cipher, phone_cipher = cursor.fetchone()
    return {
        "name": "Sukartiningsih",
        "surname": "Wulanzari",
        "nickname": NICKNAME,
        "NIK": NIK,
        "NIK hash": keyed_hash("nik", NIK),
        "NIK ciphertext": nik_cipher,
        "phone": PHONE,
        "phone ciphertext": phone_cipher,
        "address": "Sendangguwo",
    }


def everywhere(needle: str) -> list[str]:
    """Every table.column of the database (text, varchar, json, jsonb, bytea) holding `needle`, by SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name, data_type FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type IN
               ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')"""
        )
        columns = cursor.fetchall()
        found = []
        for table, column, kind in columns:
            value = f"encode({connection.ops.quote_name(column)}, 'escape')" if kind == "bytea" else None
            value = value or f"{connection.ops.quote_name(column)}::text"
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {value} ILIKE %s",  # noqa: S608
                [f"%{needle}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def stored_replies_holding(needle: str) -> list[int]:
    return [
        record.pk
        for record in IdempotencyRecord.objects.all()
        if needle.lower() in cipher().decrypt(record.reply.encode()).decode().lower()
    ]


def export_files_holding(needle: str) -> list[str]:
    found = []
    for path in exports.export_dir().glob("*.enc"):
        if needle.lower() in b"".join(exports.decrypted(path)).decode("utf-8-sig").lower():
            found.append(path.name)
    return found


def figures() -> dict[str, list]:
    """Every indicator's facts as the nightly refresh computes them."""
    return {
        indicator.code: sorted((sorted(f.dims.items(), key=str), f.value, f.base) for f in indicator.compute())
        for indicator in all_indicators()
    }


def test_nothing_of_a_pseudonymized_person_remains_anywhere_and_every_figure_stays(
    staff, approver, semarang, lentera, django_capture_on_commit_callbacks
):
    # given her whole history, closed six years ago, with a stored API reply showing her case, an open pair to
    # review on her name, and a case list exported (yesterday) by Semarang's staff
    case = close_long_ago(staff, her_whole_history(staff, approver, semarang, lentera))
    person = case.person
    IdempotencyRecord.objects.create(
        caller=f"user:{staff.pk}",
        key="k-1",
        request_hash="0" * 64,
        status_code=201,
        reply=cipher().encrypt(json.dumps({"number": case.number, "name": NAME, "phone": PHONE}).encode()).decode(),
        about_type="cases.case",
        about_id=case.pk,
    )
    look_alike = PersonFactory(full_name="Sukarti Wulan")
    PossibleDuplicate.objects.create(person=look_alike, similar_to=person, score=71)
    exported = queued(django_capture_on_commit_callbacks, actor=staff, kind="cases.case_list", format="csv", filters={})
    assert export_files_holding(NAME)
    sought = needles(person)
    assert all(everywhere(value) for key, value in sought.items() if key not in ("NIK", "phone")), "the setup"
    before = figures()

    # when the nightly job runs
    run = retention.retention_run()

    # then nothing of hers is left: in any table, stored reply or export file
    assert run.status == RetentionRun.Status.DONE
    assert run.persons_pseudonymized == 1
    for what, value in sought.items():
        assert everywhere(value) == [], what
        assert stored_replies_holding(value) == [], what
        assert export_files_holding(value) == [], what
    exported.refresh_from_db()
    assert exported.status == Export.Status.EXPIRED
    assert not PossibleDuplicate.objects.filter(similar_to=person).exists()
    # and every figure is as it was
    assert figures() == before


def test_the_pseudonymized_record_keeps_what_the_figures_need_and_says_so(staff, approver, semarang, lentera):
    case = close_long_ago(staff, her_whole_history(staff, approver, semarang, lentera))

    run = retention.retention_run()

    person = Person.objects.get(pk=case.person_id)
    assert (person.full_name, person.known_as, person.nik, person.nik_hash, person.phone, person.address) == (
        "Disamarkan",
        "",
        "",
        None,
        "",
        "",
    )
    assert (person.birth_date, person.birth_year) == (None, 1987)
    assert person.home_region_id == "33.74"  # the kecamatan coarsened to its city
    assert person.current_site_id is None
    assert person.pseudonymized_at is not None
    case.refresh_from_db()
    assert (case.stage, case.target_group_id, case.site.name, case.owner_id) == ("closed", 10, "Argorejo", semarang.pk)
    assert set(case.notes.values_list("body", flat=True)) == {"Disamarkan"}
    assert set(case.referrals.values_list("reason", flat=True)) == {"Disamarkan"}
    assert case.enrollments.get().status == "completed"
    # the trail says it was done, in which run, without personal data
    event = AuditEvent.objects.get(action="cases.person.pseudonymized")
    assert (event.target_id, event.data) == (str(person.pk), {"run": run.pk, "cases": 1})


def test_running_again_changes_nothing_more(staff):
    case = close_long_ago(staff, IntakeFactory(actor=staff, full_name=NAME).case)
    first = retention.retention_run()
    stamped = Person.objects.get(pk=case.person_id).pseudonymized_at

    again = retention.retention_run()

    assert (first.persons_pseudonymized, again.persons_pseudonymized) == (1, 0)
    assert Person.objects.get(pk=case.person_id).pseudonymized_at == stamped
    assert AuditEvent.objects.filter(action="cases.person.pseudonymized").count() == 1


def test_a_person_with_a_case_closed_within_the_term_or_open_is_kept(staff, semarang):
    recent = close_long_ago(staff, IntakeFactory(actor=staff, full_name=NAME).case, ago=datetime.timedelta(days=400))
    # another person: one case closed long ago, a second one open
    old = close_long_ago(staff, IntakeFactory(actor=staff, full_name="Warsini").case)
    CaseFactory(person=old.person, owner=semarang, stage=Case.Stage.REGISTERED)

    run = retention.retention_run()

    assert run.persons_pseudonymized == 0
    assert set(Person.objects.filter(pk__in=[recent.person_id, old.person_id]).values_list("full_name", flat=True)) == {
        NAME,
        "Warsini",
    }


def test_a_legal_hold_keeps_the_person_until_it_is_lifted(staff, dpo):
    case = close_long_ago(staff, IntakeFactory(actor=staff, full_name=NAME).case)
    hold = retention.legal_hold_place(
        actor=dpo, case_number=case.number, reason="Perkara No. 12/Pid.B/2026/PN Smg", until=timezone.localdate()
    )

    held = retention.retention_run()
    assert (held.persons_pseudonymized, held.persons_held) == (0, 1)
    assert Person.objects.get(pk=case.person_id).full_name == NAME

    retention.legal_hold_lift(actor=dpo, hold=hold, reason="Perkara selesai")
    lifted = retention.retention_run()
    assert (lifted.persons_pseudonymized, lifted.persons_held) == (1, 0)


def test_a_hold_past_its_last_day_no_longer_holds(staff, dpo):
    case = close_long_ago(staff, IntakeFactory(actor=staff, full_name=NAME).case)
    LegalHold.objects.create(
        case=case, reason="Perkara lama", until=timezone.localdate() - datetime.timedelta(days=1), placed_by=dpo
    )

    assert retention.retention_run().persons_pseudonymized == 1


def test_a_person_merged_into_a_pseudonymized_one_goes_with_her(staff):
    case = close_long_ago(staff, IntakeFactory(actor=staff, full_name=NAME).case)
    merged = PersonFactory(full_name="Sukartiningsih W.", address=ADDRESS, merged_into=case.person)

    retention.retention_run()

    merged.refresh_from_db()
    assert (merged.full_name, merged.address, merged.pseudonymized_at is not None) == ("Disamarkan", "", True)


def test_the_officer_finds_a_case_only_by_its_number_within_her_jurisdiction(staff, dpo, banyuwangi, member):
    ours = IntakeFactory(actor=staff, full_name=NAME).case
    theirs = CaseFactory(owner=banyuwangi)  # Jawa Timur: outside the Jawa Tengah officer's jurisdiction

    with pytest.raises(Exception) as outside:
        retention.legal_hold_place(actor=dpo, case_number=theirs.number, reason="x", until=timezone.localdate())
    with pytest.raises(Exception) as unknown:
        retention.legal_hold_place(actor=dpo, case_number="99.99-0000-1", reason="x", until=timezone.localdate())
    assert outside.value.message_dict == unknown.value.message_dict == {"case_number": [str(retention.NO_SUCH_CASE)]}

    assert retention.legal_hold_place(actor=dpo, case_number=ours.number, reason="x", until=timezone.localdate())
    with pytest.raises(Exception):  # noqa: B017, PT011 — staff may not place holds: not found for them either
        retention.legal_hold_place(actor=staff, case_number=ours.number, reason="x", until=timezone.localdate())


def test_trail_events_past_their_term_are_deleted_and_no_other(staff, settings):
    settings.RETENTION_AUDIT_YEARS = 10
    old, kept = _event_at(timezone.now() - datetime.timedelta(days=365 * 11)), _event_at(timezone.now())

    run = retention.retention_run()

    assert run.events_deleted == 1
    assert not AuditEvent.objects.filter(pk=old).exists()
    assert AuditEvent.objects.filter(pk=kept).exists()


def test_the_database_still_refuses_changing_or_deleting_the_trail_otherwise(staff):
    from django.db import DatabaseError, transaction

    old = _event_at(timezone.now() - datetime.timedelta(days=365 * 11))
    young = _event_at(timezone.now() - datetime.timedelta(days=200))
    for statement, params in (
        ("DELETE FROM agencies_auditevent WHERE id = %s", [old]),
        ("UPDATE agencies_auditevent SET action = 'x' WHERE id = %s", [old]),
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    # even on the retention path, nothing younger than a year goes, whatever moment is named
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('agencies.trail_expiry_before', %s, true)", [timezone.now().isoformat()])
        cursor.execute("DELETE FROM agencies_auditevent WHERE id = %s", [young])


def _event_at(moment: datetime.datetime) -> int:
    """An access-log event written at `moment` (auto_now_add would stamp now; the trigger refuses changing it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO agencies_auditevent (created_at, action, target_type_id, target_id, data)
               SELECT %s, 'cases.case.viewed', id, '1', '{}' FROM django_content_type LIMIT 1 RETURNING id""",
            [moment],
        )
        return cursor.fetchone()[0]


def test_a_spreadsheet_naming_her_is_deleted_and_one_written_after_is_kept(staff, django_capture_on_commit_callbacks):
    close_long_ago(staff, IntakeFactory(actor=staff, full_name=NAME).case)
    before = queued(django_capture_on_commit_callbacks, actor=staff, kind="cases.case_list", format="xlsx", filters={})
    retention.retention_run()
    after = queued(django_capture_on_commit_callbacks, actor=staff, kind="cases.case_list", format="xlsx", filters={})

    retention.retention_run()

    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.status, before.file_name) == (Export.Status.EXPIRED, "")
    assert after.status == Export.Status.DONE  # it shows her case as "Disamarkan" already
    assert AuditEvent.objects.filter(action="agencies.export.deleted_by_retention").count() == 1


def test_persons_are_taken_a_window_of_ids_at_a_time(staff, monkeypatch):
    monkeypatch.setattr(retention, "CHUNK", 2)
    cases = [close_long_ago(staff, IntakeFactory(actor=staff, full_name=f"Warsini {n}").case) for n in range(5)]
    CaseFactory(person=cases[2].person, owner=cases[2].owner)  # one of them has a case open: kept

    run = retention.retention_run()

    assert (run.persons_pseudonymized, run.errors) == (4, 0)
    names = dict(Person.objects.filter(pk__in=[c.person_id for c in cases]).values_list("pk", "full_name"))
    assert sorted(names.values()) == ["Disamarkan"] * 4 + ["Warsini 2"]


def test_her_requests_under_the_law_keep_nothing_she_said_once_she_is_pseudonymized(staff, dpo):
    # given a correction she asked for, and a restriction the officer placed, each naming her
    case = IntakeFactory(actor=staff, full_name=NAME).case
    correction, _warnings = services.correction_request_record(
        actor=staff,
        case=case,
        field=CorrectionRequest.Field.PHONE,
        new_value=PHONE,
        evidence=CorrectionRequest.Evidence.KTP,
        evidence_note=f"KTP atas nama {NAME}",
    )
    restriction = services.person_restrict(
        actor=dpo, case=case, reason=Restriction.Reason.OBJECTION, note=f"Surat keberatan dari {NAME}"
    )
    close_long_ago(staff, case)

    retention.retention_run()

    # then the registers keep that she asked and what became of it, not what she said (decrypted, to be sure)
    correction.refresh_from_db()
    restriction.refresh_from_db()
    assert (correction.new_value, correction.evidence_note, restriction.note) == ("Disamarkan",) * 3
    assert (correction.field, restriction.reason) == (CorrectionRequest.Field.PHONE, Restriction.Reason.OBJECTION)
