"""Subject-access requests (issue 18 item 7): who sees them, the deadline in the office's time zone, each step's
refusals naming their field, and the bundle: every section of her data, her processing trail, nobody else's data,
what was left out and why, and the delivery in the trail."""

import datetime
import json
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies import access, exports
from agencies.models import AuditEvent, Role
from cases import services
from cases.models import Case, CaseNote, Person, SubjectAccessRequest
from cases.subject_access import REDACTED, bundle_for
from cases.subject_access_admin import office_moment
from programs import services as program_services
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory, IntakeFactory
from tests.programs.factories import BatchFactory, SessionFactory

SAR = SubjectAccessRequest
NIK = "3374014506900001"  # Kota Semarang, a woman born 5 Jun 1990


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def officer(jateng):
    """The data-protection officer of Jawa Tengah's province office."""
    return MembershipFactory(role=Role.DATA_PROTECTION_OFFICER, agency=jateng, user__first_name="Dewi").user


@pytest.fixture
def her_case(staff):
    """Her case in Kota Semarang (inside Jawa Tengah), registered with her NIK."""
    return IntakeFactory(actor=staff, full_name="Sulastri Wulandari", nik=NIK).case


def recorded(officer, case, **kwargs) -> SAR:
    values = {"channel": SAR.Channel.IN_PERSON, "received_at": timezone.now() - datetime.timedelta(hours=1)}
    return services.subject_access_request_record(actor=officer, subject=case.number, **(values | kwargs))


def checked(officer, request) -> SAR:
    return services.subject_access_identity_check(
        actor=officer, request=request, method=SAR.IdentityMethod.KTP_MATCHED, nik=NIK
    )


# The deadline


def test_due_at_is_three_times_24_hours_after_receipt(officer, her_case):
    received = timezone.now() - datetime.timedelta(hours=2)
    request = recorded(officer, her_case, received_at=received)
    assert request.due_at == received + datetime.timedelta(hours=72)


def test_the_deadline_reads_in_the_handling_offices_time_zone():
    # 16.30 UTC is 23.30 in Semarang (WIB) and already 00.30 the next day in Kupang (WITA).
    due = datetime.datetime(2026, 12, 7, 16, 30, tzinfo=datetime.UTC)
    assert office_moment(due, zoneinfo.ZoneInfo("Asia/Jakarta")) == "7 Des 2026 23.30"
    assert office_moment(due, zoneinfo.ZoneInfo("Asia/Makassar")) == "8 Des 2026 00.30"


def test_a_kupang_officer_records_a_request_due_by_kupangs_clock(member, db):
    ntt = AgencyFactory(kind="social_service_province", region=RegionFactory(code="53"))
    kupang = DistrictOfficeFactory(region=RegionFactory(code="53.71"))
    kupang_staff = member(Role.DISTRICT_STAFF, agency=kupang)
    officer = member(Role.DATA_PROTECTION_OFFICER, agency=ntt)
    case = IntakeFactory(actor=kupang_staff, full_name="Maria Bria").case
    received = datetime.datetime(2026, 12, 4, 16, 30, tzinfo=datetime.UTC)
    request = services.subject_access_request_record(
        actor=officer, subject=case.number, channel=SAR.Channel.LETTER, received_at=received
    )
    zone = zoneinfo.ZoneInfo("Asia/Makassar")
    assert office_moment(request.due_at, zone) == "8 Des 2026 00.30"


# Who sees requests, and what the officer sees


def test_only_the_officer_of_her_jurisdiction_sees_the_request(
    officer, her_case, staff, province_staff, member, jateng
):
    request = recorded(officer, her_case)
    auditor = member(Role.AUDITOR, agency=jateng)
    east_java = AgencyFactory(kind="social_service_province", region=RegionFactory(code="35"))
    other_officer = member(Role.DATA_PROTECTION_OFFICER, agency=east_java)
    assert list(access.visible_to(officer, SAR)) == [request]
    assert access.can_change(officer, request)
    for someone in (staff, province_staff, auditor, other_officer):
        assert not access.visible_to(someone, SAR).exists()


def test_district_staff_find_no_request_page(officer, her_case, staff, signed_in):
    request = recorded(officer, her_case)
    client = signed_in(staff)
    assert client.get(f"/admin/cases/subjectaccessrequest/{request.pk}/change/").status_code in (302, 403, 404)
    assert client.get("/admin/cases/subjectaccessrequest/").status_code == 403


def test_the_officer_opens_the_request_but_not_the_case(officer, her_case, signed_in):
    request = recorded(officer, her_case)
    client = signed_in(officer)
    page = client.get(f"/admin/cases/subjectaccessrequest/{request.pk}/change/")
    assert page.status_code == 200
    assert her_case.number in page.content.decode()
    assert "Sulastri" not in page.content.decode()  # her name is in the bundle only
    for model in (Case, Person, CaseNote):
        assert not access.visible_to(officer, model).exists()
    assert client.get(f"/admin/cases/case/{her_case.pk}/change/").status_code != 200


def test_another_provinces_officer_gets_not_found(officer, her_case, member, signed_in):
    request = recorded(officer, her_case)
    east_java = AgencyFactory(kind="social_service_province", region=RegionFactory(code="35"))
    client = signed_in(member(Role.DATA_PROTECTION_OFFICER, agency=east_java))
    response = client.get(f"/admin/cases/subjectaccessrequest/{request.pk}/bundle/pdf/")
    assert response.status_code == 404


def test_her_data_reaches_the_officer_only_after_the_identity_check(officer, her_case):
    request = recorded(officer, her_case)
    with pytest.raises(PermissionDenied):
        bundle_for(officer, request)
    with pytest.raises(PermissionDenied):
        access.subject_rows_for_request(officer, request, lambda r: "her rows")
    request = checked(officer, request)
    assert access.subject_rows_for_request(officer, request, lambda r: "her rows") == "her rows"


def test_no_other_role_opens_the_door(officer, her_case, staff, province_staff):
    request = checked(officer, recorded(officer, her_case))
    for someone in (staff, province_staff):
        with pytest.raises((PermissionDenied, access.Http404)):
            access.subject_rows_for_request(someone, request, lambda r: "her rows")


# The bundle


@pytest.fixture
def full_history(staff, her_case):
    """Her file with something in every section of this app and programs, and a batch shared with another woman
    whose name her caseworker wrote in a note."""
    other = IntakeFactory(actor=staff, full_name="Painem Kusumawati").case
    services.case_note_add(actor=staff, case=her_case, body="Datang bersama Painem Kusumawati ke kantor.")
    services.assessment_record(
        actor=staff, case=her_case, assessed_on=timezone.localdate(), needs="Modal usaha", skills_wanted="Menjahit"
    )
    services.case_transition(actor=staff, case=her_case, to=Case.Stage.PLANNED)
    services.case_transition(actor=staff, case=other, to=Case.Stage.PLANNED, reason="Asesmen di LKS")
    batch = BatchFactory(program__organizer=her_case.owner)
    SessionFactory(batch=batch)
    for case in (her_case, other):
        program_services.enrollment_create(actor=staff, batch=batch, case=case)
    services.case_note_add(actor=staff, case=other, body="Catatan tentang orang lain.")
    return other


def test_the_bundle_holds_every_section_and_her_trail(officer, her_case, full_history, staff):
    request = checked(officer, recorded(officer, her_case))
    bundle = bundle_for(officer, request)
    sections = {s.key: s for s in bundle.sections}
    assert set(sections) >= {
        "person",
        "cases",
        "stage_changes",
        "consents",
        "assessments",
        "notes",
        "referrals",
        "transfers",
        "enrollments",
        "attendance",
        "follow_ups",
        "outcomes",
        "entitlements",
        "disbursements",
    }
    assert ["NIK", NIK] in sections["person"].rows
    assert sections["person"].title == "Data pribadi"
    assert len(sections["notes"].rows) == 1
    assert len(sections["enrollments"].rows) == 1
    actions = {row[1] for row in bundle.trail.rows}
    assert {"Kasus didaftarkan", "Catatan kasus ditambahkan", "Peserta didaftarkan"} <= actions


def test_the_bundle_leaves_out_other_persons_and_says_why(officer, her_case, full_history):
    request = checked(officer, recorded(officer, her_case))
    bundle = bundle_for(officer, request)
    text = json.dumps([s.rows for s in bundle.sections] + [bundle.trail.rows])
    assert "Painem" not in text
    assert REDACTED in text
    assert "Catatan tentang orang lain" not in text
    assert full_history.number not in text  # the other woman's case, nor its events
    reasons = {e.what: e for e in bundle.exclusions}
    assert reasons["Nama orang lain dalam catatan tertulis"].count == 1
    assert reasons["Peserta lain dalam gelombang pelatihannya"].count == 1
    assert "Daftar dan ekspor yang memuat banyak orang" in reasons


def test_prepared_bundle_downloads_as_indonesian_pdf_and_json(officer, her_case, full_history, signed_in):
    request = checked(officer, recorded(officer, her_case))
    services.subject_access_bundle_build(actor=officer, request=request)
    client = signed_in(officer)
    pdf = client.get(f"/admin/cases/subjectaccessrequest/{request.pk}/bundle/pdf/")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    document = json.loads(b"".join(client.get(f"/admin/cases/subjectaccessrequest/{request.pk}/bundle/json/")))
    assert document["title"] == "Data pribadi dan jejak pemrosesan"
    assert document["trail"]["title"].startswith("Jejak pemrosesan")
    downloads = AuditEvent.objects.filter(action="cases.subject_access_request.downloaded")
    assert sorted(e.data["format"] for e in downloads) == ["json", "pdf"]


def test_the_bundle_asks_for_the_code_again_after_the_step_up_window_wherever_it_is_downloaded(
    officer, her_case, signed_in, settings
):
    request = checked(officer, recorded(officer, her_case))
    services.subject_access_bundle_build(actor=officer, request=request)
    client = signed_in(officer)
    settings.STEP_UP_MINUTES = 0

    from_request = client.get(f"/admin/cases/subjectaccessrequest/{request.pk}/bundle/pdf/")
    request.refresh_from_db()
    from_my_exports = client.get(exports.download_link(request.bundle_pdf))

    assert from_request.status_code == 302 and from_request["Location"].startswith("/admin/two-factor/confirm/")
    assert from_my_exports.status_code == 302 and from_my_exports["Location"].startswith("/admin/two-factor/confirm/")
    assert not AuditEvent.objects.filter(action="cases.subject_access_request.downloaded").exists()
    assert not AuditEvent.objects.filter(action="agencies.export.downloaded").exists()


def test_the_delivery_is_in_her_trail(officer, her_case):
    request = services.subject_access_bundle_build(actor=officer, request=checked(officer, recorded(officer, her_case)))
    services.subject_access_deliver(actor=officer, request=request, method=SAR.DeliveryMethod.IN_PERSON)
    request.refresh_from_db()
    assert request.status == SAR.Status.DELIVERED and request.delivered_at is not None
    event = AuditEvent.objects.get(action="cases.subject_access_request.delivered")
    assert event.data == {"method": "in_person", "late": False}
    # Her next request's bundle tells her of the first one's delivery.
    again = checked(officer, recorded(officer, her_case))
    actions = {row[1] for row in bundle_for(officer, again).trail.rows}
    assert "Berkas akses data diserahkan kepadanya" in actions


# Bad input names its field, and nothing is half-saved


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "33.74-2026-99999"}, "subject"),
        ({"subject": ""}, "subject"),
        ({"channel": "pigeon"}, "channel"),
        ({"received_at": None}, "received_at"),
        ({"received_at": timezone.now() + datetime.timedelta(days=1)}, "received_at"),
    ],
)
def test_recording_refuses_bad_input_by_its_field(officer, her_case, change, field):
    values = {"subject": her_case.number, "channel": SAR.Channel.EMAIL, "received_at": timezone.now()} | change
    with pytest.raises(ValidationError) as refused:
        services.subject_access_request_record(actor=officer, **values)
    assert field in refused.value.message_dict
    assert not SAR.objects.exists()


def test_a_request_is_found_by_her_whole_nik(officer, her_case):
    request = services.subject_access_request_record(
        actor=officer, subject=NIK, channel=SAR.Channel.IN_PERSON, received_at=timezone.now()
    )
    assert request.person_id == her_case.person_id and request.case_number == her_case.number
    assert NIK not in json.dumps(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_nik_that_does_not_match_the_card_is_refused_on_the_nik(officer, her_case):
    request = recorded(officer, her_case)
    with pytest.raises(ValidationError) as refused:
        services.subject_access_identity_check(
            actor=officer, request=request, method=SAR.IdentityMethod.KTP_MATCHED, nik="3374014506900002"
        )
    assert "nik" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.subject_access_identity_check(actor=officer, request=request, method=SAR.IdentityMethod.CASEWORKER)
    assert "note" in refused.value.message_dict
    request.refresh_from_db()
    assert request.status == SAR.Status.RECEIVED


def test_refusing_needs_the_reason_she_will_be_told(officer, her_case):
    request = recorded(officer, her_case)
    with pytest.raises(ValidationError) as refused:
        services.subject_access_refuse(actor=officer, request=request, reason=" ")
    assert "reason" in refused.value.message_dict
    services.subject_access_refuse(actor=officer, request=request, reason="Identitas tidak dapat dipastikan.")
    assert AuditEvent.objects.filter(action="cases.subject_access_request.refused").exists()


def test_delivering_before_the_bundle_is_refused_on_the_status(officer, her_case):
    request = checked(officer, recorded(officer, her_case))
    with pytest.raises(ValidationError) as refused:
        services.subject_access_deliver(actor=officer, request=request, method=SAR.DeliveryMethod.EMAIL)
    assert "status" in refused.value.message_dict


def test_district_staff_cannot_record_a_request(staff, her_case):
    with pytest.raises(PermissionDenied):
        services.subject_access_request_record(
            actor=staff, subject=her_case.number, channel=SAR.Channel.EMAIL, received_at=timezone.now()
        )


# The access matrix of the request, every role at the office nearest to her case


@pytest.mark.parametrize("role", list(Role))
def test_of_every_role_only_the_data_protection_officer_sees_and_changes_her_request(role, officer, her_case, jateng):
    request = recorded(officer, her_case)
    office = {
        Role.DISTRICT_STAFF: her_case.owner,
        Role.NGO_CASEWORKER: her_case.registered_by,
        Role.LEADERSHIP_VIEWER: AgencyFactory(ministry=True),
        Role.PARTNER_TRAINER: AgencyFactory(kind="health", region=her_case.owner.region),
        Role.FINANCE_APPROVER: her_case.owner,
    }.get(role, jateng)
    if role == Role.NGO_CASEWORKER and office.kind != "ngo":
        office = AgencyFactory(kind="ngo", region=her_case.owner.region)
    someone = MembershipFactory(role=role, agency=office).user
    expected = role == Role.DATA_PROTECTION_OFFICER
    assert access.visible_to(someone, SAR).filter(pk=request.pk).exists() is expected
    assert access.changeable_by(someone, SAR).filter(pk=request.pk).exists() is expected
    # …and the officer's grant reaches no case content at all.
    if expected:
        assert not any(access.may_see_any(someone, model) for model in (Case, Person, CaseNote))


def test_a_ministry_officer_sees_requests_about_anyone(her_case, member):
    national = member(Role.DATA_PROTECTION_OFFICER, agency=AgencyFactory(ministry=True))
    request = recorded(national, her_case)
    assert access.can_change(national, request)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_bundles_moments_read_as_the_pages_read_them(language):
    # The trail words its thousands of moments by hand (cases.subject_access.Subject.when): the same text.
    from django.utils import translation
    from django.utils.formats import date_format

    from cases.subject_access import Subject

    subject = Subject(person=None, case_ids=[], zone=zoneinfo.ZoneInfo("Asia/Makassar"))
    moment = datetime.datetime(2026, 12, 7, 16, 5, tzinfo=datetime.UTC)
    with translation.override(language):
        assert subject.when(moment) == date_format(moment.astimezone(subject.zone), "DATETIME_FORMAT")
        assert subject.when(moment.date()) == date_format(moment.date())


def test_an_earlier_record_of_hers_merged_into_this_one_is_in_the_bundle(officer, her_case, staff):
    # She was registered twice (once without a NIK, with an old spelling); the office merged the two.
    from cases.models import PossibleDuplicate

    earlier = IntakeFactory(actor=staff, full_name="Soelastri Woelandari").case
    services.case_transition(
        actor=staff, case=earlier, to=Case.Stage.CLOSED, reason="Tercatat dua kali", close_reason="duplicate"
    )
    services.case_note_add(actor=staff, case=her_case, body="Dulu tercatat sebagai Soelastri Woelandari.")
    duplicate = PossibleDuplicate.objects.create(person=earlier.person, similar_to=her_case.person, score=90)
    services.possible_duplicate_merge(actor=staff, duplicate=duplicate)

    bundle = bundle_for(officer, checked(officer, recorded(officer, her_case)))

    sections = {s.key: s for s in bundle.sections}
    assert ["Nama lengkap", "Soelastri Woelandari"] in sections[f"person_merged_{earlier.person_id}"].rows
    assert earlier.number in {row[0] for row in sections["cases"].rows}
    assert "Soelastri Woelandari" in sections["notes"].rows[0][4]  # her own old name is not blacked out
    assert not any(e.what == "Pemeriksaan kemungkinan data ganda" for e in bundle.exclusions)
