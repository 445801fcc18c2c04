"""Attendance for phones (issue 16, item 5): one session at a time, absent told apart from not yet recorded, the
sessions offered decided by the access rule, and a page whose cost does not grow with the roster.

Semarang's batch: yesterday's sewing by the organizer, today's public order (kamtibmas) by Polres, tomorrow's
health talk by Polres; three people enrolled.
"""

import datetime
import re
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import Agency, AuditEvent, Role
from cases.models import Case
from programs import selectors, services
from programs.models import Attendance, Batch, Session
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory
from tests.programs.factories import BatchFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db


def enroll(staff, batch, count: int):
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.OPEN, capacity=max(30, count + batch.enrolled_count))
    batch.refresh_from_db()
    enrolled = [
        services.enrollment_create(
            actor=staff, batch=batch, case=CaseFactory(owner=batch.program.organizer, stage=Case.Stage.PLANNED)
        )
        for _ in range(count)
    ]
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING)
    return enrolled


@pytest.fixture
def enrollments(staff, batch, sewing, public_order, tomorrow):
    return enroll(staff, batch, 3)


def sheet_url(batch, session=None) -> str:
    url = f"/admin/programs/batch/{batch.pk}/attendance/"
    return f"{url}?session={session.pk}" if session else url


def choices(page: str) -> dict[int, str | None]:
    """Each person's choice as the page shows it: "present", "absent" or None (nothing chosen), by enrollment id."""
    found = {}
    for name, value, checked in re.findall(r'name="mark-(\d+)" value="(\w+)"( checked)?', page):
        found.setdefault(int(name), None)
        if checked:
            found[int(name)] = value
    return found


def marks(session) -> dict[int, bool]:
    return dict(Attendance.objects.filter(session=session).values_list("enrollment_id", "present"))


# Absent is not "not yet recorded"


def test_a_sheet_tells_present_absent_and_not_yet_recorded_apart(staff, batch, enrollments, public_order):
    first, second, _third = enrollments
    services.attendance_record(actor=staff, session=public_order, present={first.pk: True, second.pk: False})

    sheet = selectors.session_sheet(staff, batch, public_order.pk)

    assert {row.enrollment: row.present for row in sheet.rows} == {first: True, second: False, _third: None}
    assert sheet.counts == {"present": 1, "absent": 1, "unrecorded": 1}


def test_a_row_left_without_a_choice_stays_not_recorded(client, staff, batch, enrollments, public_order):
    first, second, third = enrollments
    client.force_login(staff)

    response = client.post(
        sheet_url(batch), {"session": public_order.pk, f"mark-{first.pk}": "present", f"mark-{second.pk}": "absent"}
    )

    assert response.status_code == 302
    assert marks(public_order) == {first.pk: True, second.pk: False}  # the third has no row: not recorded
    page = client.get(response.url).content.decode()
    assert choices(page) == {first.pk: "present", second.pk: "absent", third.pk: None}
    assert "Belum dicatat" in page or "Not yet recorded" in page


def test_saving_says_what_was_recorded_in_indonesian(client, staff, batch, enrollments, public_order):
    first, second, _third = enrollments
    client.force_login(staff)
    staff.language = "id"
    staff.save(update_fields=["language"])

    response = client.post(
        sheet_url(batch),
        {"session": public_order.pk, f"mark-{first.pk}": "present", f"mark-{second.pk}": "absent"},
        follow=True,
    )

    day = date_format(public_order.date, "DATE_FORMAT")
    assert f"Kehadiran {day} Kamtibmas disimpan: 1 hadir, 1 tidak hadir, 1 belum dicatat." in response.content.decode()


def test_saving_the_sheet_as_it_stands_records_nothing_again(client, staff, batch, enrollments, public_order):
    first, second, _third = enrollments
    services.attendance_record(actor=staff, session=public_order, present={first.pk: True, second.pk: False})
    client.force_login(staff)

    client.post(
        sheet_url(batch), {"session": public_order.pk, f"mark-{first.pk}": "present", f"mark-{second.pk}": "absent"}
    )

    assert AuditEvent.objects.filter(action="programs.attendance.recorded").count() == 1


def test_a_correction_saves_only_what_changed_in_one_audited_call(client, staff, batch, enrollments, public_order):
    first, second, third = enrollments
    services.attendance_record(actor=staff, session=public_order, present={e.pk: True for e in enrollments})
    client.force_login(staff)
    data = {"session": public_order.pk, **{f"mark-{e.pk}": "present" for e in enrollments}}

    client.post(sheet_url(batch), {**data, f"mark-{second.pk}": "absent"})

    assert marks(public_order) == {first.pk: True, second.pk: False, third.pk: True}
    event = AuditEvent.objects.filter(action="programs.attendance.recorded").latest("pk")
    assert (event.data["present"], event.data["absent"]) == (0, 1)


# One session at a time: today's by default, the others a tap away


def test_the_sheet_opens_on_todays_session(client, staff, batch, enrollments, sewing, public_order, tomorrow):
    client.force_login(staff)

    response = client.get(sheet_url(batch))

    sheet = response.context["sheet"]
    assert sheet.session == public_order
    assert (sheet.previous, sheet.next) == (sewing, tomorrow)


def test_without_a_session_today_the_sheet_opens_on_the_latest_begun(staff, batch, enrollments, sewing, public_order):
    Session.objects.filter(pk=public_order.pk).update(date=days_from_today(2))

    assert selectors.session_sheet(staff, batch).session == sewing


def test_todays_session_is_todays_where_the_batch_meets(staff, semarang, polres):
    """At 23.00 in Jakarta it is already tomorrow in Jayapura (WIT): a Papuan class's session of tomorrow-in-Jakarta
    has begun there, and may be recorded."""
    papua = RegionFactory(code="91.71")
    program = ProgramFactory(organizer=semarang, region=papua)
    jakarta_late = timezone.make_aware(datetime.datetime.combine(days_from_today(0), datetime.time(23, 0)))
    batch = BatchFactory(program=program, starts_on=days_from_today(0), ends_on=days_from_today(2))
    session = SessionFactory(batch=batch, date=days_from_today(1))
    (enrollment,) = enroll(staff, batch, 1)

    with mock.patch("django.utils.timezone.now", return_value=jakarta_late):
        sheet = selectors.session_sheet(staff, batch)
        services.attendance_record(actor=staff, session=session, present={enrollment.pk: True})

    assert sheet.session == session and sheet.begun and sheet.rows[0].editable
    assert marks(session) == {enrollment.pk: True}


def test_a_session_not_begun_is_shown_but_offers_no_choice(client, staff, batch, enrollments, tomorrow):
    client.force_login(staff)

    page = client.get(sheet_url(batch, tomorrow)).content.decode()

    assert choices(page) == {}
    assert date_format(tomorrow.date, "DATE_FORMAT") in page


# Who may record what: the access rule, not the page


def test_a_partner_is_offered_only_the_sessions_its_agency_delivers(client, trainer, batch, enrollments, public_order):
    client.force_login(trainer)

    sheet = client.get(sheet_url(batch)).context["sheet"]

    assert [s.topic for s in sheet.sessions] == [Session.Topic.PUBLIC_ORDER, Session.Topic.HEALTH]
    assert sheet.session == public_order and all(row.editable for row in sheet.rows)


def test_a_partner_cannot_open_a_session_delivered_by_another_agency(client, trainer, batch, enrollments, sewing):
    client.force_login(trainer)

    assert client.get(sheet_url(batch, sewing)).status_code == 404


def test_a_partner_cannot_record_a_session_delivered_by_another_agency(client, trainer, batch, enrollments, sewing):
    first, _second, _third = enrollments
    client.force_login(trainer)

    response = client.post(sheet_url(batch), {"session": sewing.pk, f"mark-{first.pk}": "present"})

    assert response.status_code == 404
    assert marks(sewing) == {}


def test_a_partner_of_another_agency_gets_404(client, batch, enrollments, public_order):
    elsewhere = AgencyFactory(kind=Agency.Kind.POLICE, region=RegionFactory(code="35.10"))
    client.force_login(MembershipFactory(role=Role.PARTNER_TRAINER, agency=elsewhere).user)

    assert client.get(sheet_url(batch, public_order)).status_code == 404
    response = client.post(sheet_url(batch), {"session": public_order.pk, f"mark-{enrollments[0].pk}": "present"})

    assert response.status_code == 404
    assert marks(public_order) == {}


def test_a_partner_reads_names_but_no_case_numbers(client, trainer, batch, enrollments, public_order):
    client.force_login(trainer)

    page = client.get(sheet_url(batch)).content.decode()

    for enrollment in enrollments:
        assert enrollment.case.person.full_name in page
        assert enrollment.case.number not in page


def test_a_refused_save_keeps_the_choices_and_says_why(client, staff, trainer, batch, enrollments, public_order):
    first, second, third = enrollments
    client.force_login(trainer)
    page = client.get(sheet_url(batch)).content.decode()
    services.enrollment_withdraw(actor=staff, enrollment=first)  # meanwhile, at the office

    response = client.post(
        sheet_url(batch),
        {"session": public_order.pk, f"mark-{first.pk}": "present", f"mark-{second.pk}": "absent"},
    )

    assert set(choices(page)) == {first.pk, second.pk, third.pk}
    assert response.status_code == 200
    assert marks(public_order) == {}
    assert choices(response.content.decode()) == {second.pk: "absent", third.pk: None}
    assert response.context["errors"]


# A read writes nothing; the page costs the same for three people or thirty


WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|SAVEPOINT)\b", re.I)


def test_offering_the_cells_writes_nothing(staff, trainer, batch, enrollments, sewing, public_order, tomorrow):
    cells = [(e.pk, s.pk) for e in enrollments for s in (sewing, public_order, tomorrow)]

    with CaptureQueriesContext(connection) as queries:
        by_trainer = selectors.attendance_recordable(trainer, cells)
        by_staff = selectors.attendance_recordable(staff, cells)

    assert not [q["sql"] for q in queries if WRITES.search(q["sql"])]
    assert not Attendance.objects.exists()
    assert by_trainer == {(e.pk, s.pk) for e in enrollments for s in (public_order, tomorrow)}
    assert by_staff == set(cells)


def test_the_cells_offered_are_the_cells_the_service_accepts(staff, trainer, batch, enrollments, sewing, public_order):
    cells = [(e.pk, s.pk) for e in enrollments for s in (sewing, public_order)]
    offered = selectors.attendance_recordable(trainer, cells)

    accepted, refused = set(), set()
    for enrollment, session in cells:
        try:
            services.attendance_record(
                actor=trainer, session=Session.objects.get(pk=session), present={enrollment: True}
            )
        except (ValidationError, PermissionDenied, Http404):
            refused.add((enrollment, session))
        else:
            accepted.add((enrollment, session))

    assert offered == accepted and refused


# Session, user, the session's second-factor device (django-otp), grants, the batch, its sessions, the roster, the
# cells the viewer may record, the session's marks and the case numbers the viewer may read.
SHEET_STATEMENTS = 10


def test_the_sheet_costs_the_same_statements_for_three_people_or_thirty(
    client, staff, batch, enrollments, public_order
):
    client.force_login(staff)
    services.attendance_record(actor=staff, session=public_order, present={enrollments[0].pk: False})

    def page_statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(sheet_url(batch))
        assert response.status_code == 200
        return len(queries)

    few = page_statements()
    enroll(staff, batch, 27)

    assert page_statements() == few == SHEET_STATEMENTS


def test_the_partners_sheet_costs_the_same_statements_for_three_people_or_thirty(
    client, staff, trainer, batch, enrollments, public_order
):
    client.force_login(trainer)

    def page_statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(sheet_url(batch))
        return len(queries)

    few = page_statements()
    enroll(staff, batch, 27)

    assert page_statements() == few == SHEET_STATEMENTS


# Reached by clicking


def test_the_batch_page_and_the_roster_link_to_the_sheet(client, staff, batch, enrollments):
    client.force_login(staff)

    for page in (f"/admin/programs/batch/{batch.pk}/change/", f"/admin/programs/batch/{batch.pk}/roster/"):
        assert f'href="/admin/programs/batch/{batch.pk}/attendance/"' in client.get(page).content.decode()


def test_a_malformed_session_or_batch_is_not_found(client, staff, batch, enrollments):
    client.force_login(staff)

    assert client.get(f"/admin/programs/batch/{batch.pk}/attendance/?session=x").status_code == 404
    assert client.get(f"/admin/programs/batch/{batch.pk}/change/attendance/").status_code == 404
