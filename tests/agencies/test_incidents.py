"""The breach register (issue 18 item 10, UU 27/2022 art. 46): the 3 × 24 hour deadline in the office's time zone,
the saved query over the access log that finds the cases affected, each step through its service with an audit
row, the escalations at 24, 48 and 66 hours (in-process here; through the real worker and SMTP server in
tests/reminders/test_incident_escalations.py), the notice letters, and who may see and change an incident."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from agencies import audit, incident_letters, incidents, notifications
from agencies.incidents_admin import moment
from agencies.models import AuditEvent, Incident, Notification, Role
from agencies.reminders import incident_escalations
from cases.models import Case
from tests.agencies.factories import AgencyFactory, ApiClientFactory, RegionFactory, UserFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory, ReferralFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
# 4 Dec 2026 23:30 UTC: already the 5th in every Indonesian zone.
DETECTED = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)


@pytest.fixture
def officer(member, jateng):
    """Jawa Tengah's data-protection officer: Semarang's incidents are in her jurisdiction."""
    return member(Role.DATA_PROTECTION_OFFICER, agency=jateng)


def record(officer, agency, **overrides) -> Incident:
    values = {
        "title": "Token aplikasi lapangan tersebar",
        "detected_at": timezone.now() - HOUR,
        "description": "Token API LKS terkirim ke grup percakapan umum.",
        "data_categories": ["name", "nik", "sex_work"],
    }
    return incidents.incident_record(actor=officer, agency=agency, **{**values, **overrides})


def incident_at(agency, detected_at, recorded_by=None, **fields) -> Incident:
    """An incident as a row (for clock tests whose detection lies in the future of the test's own clock)."""
    return Incident.objects.create(
        agency=agency,
        title="Laptop hilang",
        detected_at=detected_at,
        description="Laptop kantor hilang di kendaraan umum.",
        data_categories=["name"],
        recorded_by=recorded_by or UserFactory(),
        **fields,
    )


# The deadline


@pytest.mark.parametrize(
    ("province", "shown"),
    [
        ("33.74", "8 Des 2026 06.30 WIB"),  # Kota Semarang
        ("53.71", "8 Des 2026 07.30 WITA"),  # Kota Kupang
        ("62.02", "8 Des 2026 06.30 WIB (Pontianak)"),  # Kotawaringin Timur (Sampit)
        ("91.71", "8 Des 2026 08.30 WIT"),  # Kota Jayapura
    ],
)
def test_the_deadline_is_three_times_24_hours_after_detection_read_on_the_office_s_clock(province, shown):
    office = DistrictOfficeFactory(region=RegionFactory(code=province))
    incident = incident_at(office, DETECTED)

    assert incident.deadline == datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC)
    with translation.override("id"):
        assert moment(incident, incident.deadline) == shown


def test_the_escalation_marks_fall_at_24_48_and_66_hours():
    levels = [incidents.escalation_level(DETECTED, DETECTED + hours * HOUR) for hours in (0, 23.99, 24, 47, 48, 66, 90)]

    assert levels == [0, 0, 1, 1, 2, 3, 3]


# The saved query over the access log


@pytest.fixture
def trail(semarang, jateng, banyuwangi, member, lentera):
    """Events of several actors and offices: what each query must find or leave out.

    Semarang's staff member `suspect` read three cases (one by its person, who has two cases; one by a referral)
    inside the window, and one more after it; a colleague read one; Lentera's API client read one through the API;
    the suspect also read a Banyuwangi case, which lies outside Jawa Tengah's trail.
    """
    suspect, colleague = member(Role.DISTRICT_STAFF, agency=semarang), member(Role.DISTRICT_STAFF, agency=semarang)
    client = ApiClientFactory(agency=lentera, name="Aplikasi lapangan")
    viewed, by_person, referred, by_colleague, by_api, later = (CaseFactory(owner=semarang) for _ in range(6))
    second_case = CaseFactory(
        owner=semarang, person=by_person.person, stage=Case.Stage.CLOSED, close_reason=Case.CloseReason.values[0]
    )  # an earlier one
    elsewhere = CaseFactory(owner=banyuwangi)
    start = timezone.now()
    audit.record(suspect, "cases.case.viewed", viewed, agency=semarang)
    audit.record(suspect, "cases.person.viewed", by_person.person, agency=semarang)
    audit.record(suspect, "cases.referral.created", ReferralFactory(case=referred), agency=semarang)
    audit.record(suspect, "cases.case.viewed", elsewhere, agency=banyuwangi)
    audit.record(colleague, "cases.case.viewed", by_colleague, agency=semarang)
    audit.record(client, "cases.case.read_by_api", by_api, agency=semarang)
    audit.record(suspect, "cases.case.listed", type(viewed), {"count": 7})  # a list names no case
    end = timezone.now()
    audit.record(suspect, "cases.case.viewed", later, agency=semarang)
    return {
        "suspect": suspect,
        "client": client,
        "start": start,
        "end": end,
        "found_for_suspect": sorted(c.number for c in (viewed, by_person, second_case, referred)),
        "by_api": by_api,
        "later": later,
    }


def test_the_saved_query_counts_and_lists_the_cases_one_account_touched_in_the_window(officer, semarang, trail):
    incident = record(officer, semarang)

    saved = incidents.incident_query_save(
        actor=officer,
        incident=incident,
        query_from=trail["start"],
        query_until=trail["end"],
        actor_username=trail["suspect"].username,
    )
    found = incidents.incident_affected(saved)

    # the cases by number: read directly, through the person (both her cases) and through a referral; not the
    # colleague's, not the API client's, not the one after the window, not Banyuwangi's (outside the jurisdiction)
    assert found.numbers == trail["found_for_suspect"]
    assert (found.cases, found.subjects) == (4, 3)
    assert (saved.affected_count, saved.query_actor_user) == (4, trail["suspect"])
    event = AuditEvent.objects.filter(action="agencies.incident.query_saved").get()
    assert event.data["affected_count"] == 4
    assert event.actor_user == officer


def test_the_saved_query_finds_an_api_client_s_reads_by_action(officer, semarang, trail):
    incident = record(officer, semarang)

    saved = incidents.incident_query_save(
        actor=officer,
        incident=incident,
        query_from=trail["start"],
        query_until=trail["end"] + HOUR,
        actor_api_client=trail["client"],
        actions=["cases.case.read_by_api"],
    )

    assert incidents.incident_affected(saved).numbers == [trail["by_api"].number]


def test_counting_again_finds_what_came_to_light_since_and_keeps_the_new_count(officer, semarang, trail):
    incident = record(officer, semarang)
    incidents.incident_query_save(
        actor=officer,
        incident=incident,
        query_from=trail["start"],
        query_until=timezone.now() + HOUR,
        actor_username=trail["suspect"].username,
    )
    incident.refresh_from_db()
    assert incident.affected_count == 5  # the later read is inside this wider window
    audit.record(trail["suspect"], "cases.case.viewed", CaseFactory(owner=incident.agency), agency=incident.agency)

    recounted = incidents.incident_affected_recount(actor=officer, incident=incident)

    assert recounted.affected_count == 6
    assert AuditEvent.objects.filter(action="agencies.incident.recounted").get().data == {
        "changed": {"affected_count": [5, 6]}
    }


# Bad input names the field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"data_categories": []}, "data_categories"),
        ({"data_categories": ["name", "shoe_size"]}, "data_categories"),
        ({"detected_at": timezone.now() + 3 * HOUR}, "detected_at"),
        ({"occurred_at": timezone.now()}, "occurred_at"),  # after its detection an hour ago
    ],
)
def test_a_bad_incident_is_refused_naming_its_field_and_nothing_is_saved(officer, semarang, overrides, field):
    with pytest.raises(ValidationError) as refused:
        record(officer, semarang, **overrides)

    assert list(refused.value.message_dict) == [field]
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="agencies.incident").exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"query_from": None}, "query_from"),
        ({"query_until": timezone.now() - 2 * HOUR}, "query_until"),
        ({"actor_username": "nobody-by-this-name"}, "actor_username"),
        ({"actions": ["cases.case.eaten"]}, "actions"),
    ],
)
def test_a_bad_query_is_refused_naming_its_field(officer, semarang, query, field):
    incident = record(officer, semarang)
    values = {"query_from": timezone.now() - 2 * HOUR, "query_until": timezone.now(), **query}

    with pytest.raises(ValidationError) as refused:
        incidents.incident_query_save(actor=officer, incident=incident, **values)

    assert field in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.query_from is None


def test_an_office_outside_the_officer_s_jurisdiction_is_refused_on_its_field(officer, banyuwangi):
    with pytest.raises(ValidationError) as refused:
        record(officer, banyuwangi)

    assert list(refused.value.message_dict) == ["agency"]
    assert not Incident.objects.exists()


# The steps, each one service and one audit row


def test_an_incident_goes_from_open_to_contained_to_notified_to_closed_each_step_in_the_trail(officer, semarang):
    incident = record(officer, semarang)
    now = timezone.now()

    incident = incidents.incident_contain(
        actor=officer, incident=incident, containment="Token dicabut.", contained_at=now
    )
    assert incident.status == Incident.Status.CONTAINED
    incident = incidents.incident_subjects_notify(
        actor=officer, incident=incident, notified_at=now, channel="Surat diantar pendamping"
    )
    assert incident.status == Incident.Status.CONTAINED  # the authority is still to be told
    incident = incidents.incident_authority_notify(actor=officer, incident=incident, notified_at=now, reference="X/1")
    assert incident.status == Incident.Status.NOTIFIED
    incident = incidents.incident_close(actor=officer, incident=incident, conclusion="Selesai.")
    assert incident.status == Incident.Status.CLOSED

    actions = list(
        AuditEvent.objects.filter(target_id=str(incident.pk), action__startswith="agencies.incident")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "agencies.incident.recorded",
        "agencies.incident.contained",
        "agencies.incident.subjects_notified",
        "agencies.incident.authority_notified",
        "agencies.incident.closed",
    ]
    with pytest.raises(ValidationError) as refused:
        incidents.incident_update(actor=officer, incident=incident, title="Lain")
    assert list(refused.value.message_dict) == ["status"]


def test_only_a_data_protection_officer_changes_an_incident(officer, semarang, province_staff, staff):
    incident = record(officer, semarang)

    with pytest.raises(PermissionDenied):  # province staff read it
        incidents.incident_close(actor=province_staff, incident=incident, conclusion="-")
    with pytest.raises(PermissionDenied):
        record(province_staff, semarang)
    assert incidents.incidents_visible_to(staff).count() == 0  # Semarang's own district staff: not theirs to see


def test_leadership_sees_no_incident(officer, semarang, member):
    record(officer, semarang)
    kemensos = AgencyFactory(ministry=True)

    assert incidents.incidents_visible_to(member(Role.LEADERSHIP_VIEWER, agency=kemensos)).count() == 0


# Escalations (which, to whom, once)


@pytest.fixture
def offices(semarang, jateng, member, officer):
    """Semarang's and Jawa Tengah's people: officers, province staff, heads; and Banyuwangi's officer."""
    return {
        "semarang_officer": member(Role.DATA_PROTECTION_OFFICER, agency=semarang),
        "province_officer": officer,
        "province_staff": member(Role.PROVINCE_STAFF, agency=jateng),
        "province_head": member(Role.LEADERSHIP_VIEWER, agency=jateng),
        "semarang_head": member(Role.LEADERSHIP_VIEWER, agency=semarang),
        "semarang_staff": member(Role.DISTRICT_STAFF, agency=semarang),
        "other_officer": member(
            Role.DATA_PROTECTION_OFFICER, agency=DistrictOfficeFactory(region=RegionFactory(code="35.10"))
        ),
    }


def compose_at(moment_: datetime.datetime) -> set[tuple[str, str]]:
    notifications.notifications_compose(now=moment_, composers=[incident_escalations])
    return set(Notification.objects.filter(kind="incident_escalated").values_list("recipient__username", "period"))


def test_escalations_widen_at_24_48_and_66_hours_and_each_goes_out_once(offices, semarang):
    incident = incident_at(semarang, DETECTED)
    name = {key: user.username for key, user in offices.items()}
    officers = {name["semarang_officer"], name["province_officer"]}

    assert compose_at(DETECTED + 23.9 * HOUR) == set()
    level_1 = {(u, "level-1") for u in officers}
    assert compose_at(DETECTED + 24 * HOUR) == level_1
    assert compose_at(DETECTED + 30 * HOUR) == level_1  # nothing new until the next mark
    level_2 = {(u, "level-2") for u in officers | {name["province_staff"]}}
    assert compose_at(DETECTED + 48 * HOUR) == level_1 | level_2
    level_3 = {
        (u, "level-3") for u in officers | {name["province_staff"], name["province_head"], name["semarang_head"]}
    }
    assert compose_at(DETECTED + 66 * HOUR) == level_1 | level_2 | level_3
    assert compose_at(DETECTED + 70 * HOUR) == level_1 | level_2 | level_3

    # the heads read no incident in the admin: theirs has no link and says whom to ask
    head = Notification.objects.get(recipient=offices["province_head"], period="level-3")
    officer = Notification.objects.get(recipient=offices["province_officer"], period="level-3")
    link = notifications.admin_link("admin:agencies_incident_change", incident.pk)
    assert link not in head.body and link in officer.body
    # no email names what leaked: the reference, the office and the deadline (Semarang's clock) only
    for row in Notification.objects.filter(kind="incident_escalated"):
        assert incident.reference in row.email_subject + row.body
        assert incident.title not in row.body and incident.description not in row.body
    assert "8 Desember 2026 06.30 WIB" in officer.body


def test_no_escalation_once_both_notices_are_recorded(offices, semarang, officer):
    incident = incident_at(semarang, timezone.now() - 30 * HOUR, recorded_by=officer)
    now = timezone.now()
    incidents.incident_subjects_notify(actor=officer, incident=incident, notified_at=now, channel="Surat")
    incidents.incident_authority_notify(actor=officer, incident=incident, notified_at=now)

    assert compose_at(now + 40 * HOUR) == set()


def test_a_run_that_comes_late_sends_only_the_latest_mark(offices, semarang):
    incident_at(semarang, DETECTED)

    assert {period for _user, period in compose_at(DETECTED + 50 * HOUR)} == {"level-2"}


# The letters


def test_the_letters_hold_what_article_46_asks_in_indonesian(officer, semarang, trail, english):
    officer.email, officer.first_name = "dpo@jateng.example", "Sri"
    officer.save()
    incident = record(officer, semarang)
    incidents.incident_query_save(
        actor=officer,
        incident=incident,
        query_from=trail["start"],
        query_until=trail["end"],
        actor_username=trail["suspect"].username,
    )
    incident = incidents.incident_contain(
        actor=officer, incident=incident, containment="Token dicabut dan diganti.", contained_at=timezone.now()
    )

    to_subjects = incident_letters.letter(incident, "subjects")
    to_authority = incident_letters.letter(incident, "authority")

    for letter in (to_subjects, to_authority):
        headings = [section.heading for section in letter.sections]
        assert "1. Data pribadi yang terungkap" in headings
        assert "2. Kapan dan bagaimana data pribadi terungkap" in headings
        assert "3. Upaya penanganan dan pemulihan oleh pengendali" in headings
        text = " ".join(p for s in letter.sections for p in [*s.paragraphs, *s.items])
        assert "NIK" in text and "Riwayat pekerja seks" in text  # general and specific data, by name
        assert "Token dicabut dan diganti." in text and "Token API LKS" in text
        assert "dpo@jateng.example" in text
        assert "Pasal 46 Undang-Undang Nomor 27 Tahun 2022" in letter.opening
    assert "Komunikasi dan Digital" in " ".join(to_authority.addressee)
    assert any("Kasus terdampak" in p and ": 4 " in p for s in to_authority.sections for p in s.paragraphs)
    assert incident_letters.letter_pdf(to_authority).startswith(b"%PDF")


def test_the_officer_s_home_counts_the_incidents_whose_notice_still_runs_and_links_to_exactly_those(
    officer, semarang, signed_in
):
    from agencies import work

    running = record(officer, semarang)
    closed = record(officer, semarang, title="Surat salah kirim")
    incidents.incident_close(actor=officer, incident=closed, conclusion="Bukan data pribadi.")

    (line,) = [line for s in work.my_work(officer) for line in s["lines"] if "incident" in line.url]
    page = signed_in(officer).get(line.url)

    assert line.count == 1
    assert [row.pk for row in page.context["cl"].result_list] == [running.pk]
