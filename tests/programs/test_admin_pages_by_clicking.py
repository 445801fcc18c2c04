"""The programs pages as a person uses them: every button leads somewhere, and the attendance grid offers, saves
and (when refused) keeps exactly what was ticked (issue 12, items 1, 3, 10 and 11)."""

import re
from urllib.parse import urljoin

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format

from agencies.models import AuditEvent, Role
from cases.models import Case
from programs import services
from programs.models import Attendance, Batch
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import CaseFactory
from tests.programs.factories import FollowUpFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollments(staff, batch, sewing, public_order, tomorrow):
    """Three of Semarang's cases enrolled; then the batch runs."""
    enrolled = [
        services.enrollment_create(
            actor=staff, batch=batch, case=CaseFactory(owner=batch.program.organizer, stage=Case.Stage.PLANNED)
        )
        for _ in range(3)
    ]
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING)
    return enrolled


def roster_url(batch) -> str:
    return f"/admin/programs/batch/{batch.pk}/roster/"


def save_grid(client, enrollments, ticks: dict):
    """Press "Simpan kehadiran" on the roster of `enrollments`, with `ticks` ({session: [people]}) as the boxes."""
    data = {"enrollment": [e.pk for e in enrollments]}
    data.update({services.attendance_field(session): [e.pk for e in people] for session, people in ticks.items()})
    return client.post(roster_url(enrollments[0].batch), data)


def tickable(page: str) -> dict[int, set[int]]:
    """The checkboxes a page offers: {session id: {enrollment ids}}."""
    boxes = {}
    for session, enrollment in re.findall(r'<input type="checkbox" name="present-(\d+)" value="(\d+)"', page):
        boxes.setdefault(int(session), set()).add(int(enrollment))
    return boxes


def ticked(page: str) -> dict[int, set[int]]:
    boxes = {}
    pattern = r'<input type="checkbox" name="present-(\d+)" value="(\d+)"[^>]*checked>'
    for session, enrollment in re.findall(pattern, page):
        boxes.setdefault(int(session), set()).add(int(enrollment))
    return boxes


def marks(*sessions) -> dict[tuple[int, int], bool]:
    rows = Attendance.objects.filter(session__in=sessions)
    return {(a.session_id, a.enrollment_id): a.present for a in rows}


def object_tools(page: str) -> list[str]:
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', page, re.S)
    return re.findall(r'href="([^"]+)"', tools.group(1)) if tools else []


# Item 1: buttons link to their pages as a browser resolves them


def test_every_button_on_the_batch_program_and_follow_up_pages_opens_its_page(
    client, staff, semarang, program, batch, enrollments
):
    follow_up = FollowUpFactory(case=CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE))
    client.force_login(staff)
    pages = [
        f"http://testserver/admin/programs/batch/{batch.pk}/change/",
        f"http://testserver/admin/programs/program/{program.pk}/change/",
        f"http://testserver/admin/programs/followup/{follow_up.pk}/change/",
    ]

    opened = {}
    for page_url in pages:
        for href in object_tools(client.get(page_url).content.decode()):
            target = urljoin(page_url, href)
            opened[target] = client.get(target).status_code

    assert set(opened) >= {
        f"http://testserver/admin/programs/batch/{batch.pk}/roster/",
        f"http://testserver/admin/programs/program/{program.pk}/report/",
        f"http://testserver/admin/programs/followup/{follow_up.pk}/visit/",
    }
    assert set(opened.values()) == {200}, opened


@pytest.mark.parametrize("view", ["batch/{batch}/change/roster/", "program/{program}/change/report/"])
def test_a_page_asked_for_with_a_malformed_id_is_not_found(client, staff, program, batch, view):
    client.force_login(staff)

    response = client.get("/admin/programs/" + view.format(batch=batch.pk, program=program.pk))

    assert response.status_code == 404


def test_the_visit_page_asked_for_with_a_malformed_id_is_not_found(client, staff, semarang):
    follow_up = FollowUpFactory(case=CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE))
    client.force_login(staff)

    response = client.get(f"/admin/programs/followup/{follow_up.pk}/change/visit/")

    assert response.status_code == 404


# Item 3: the attendance grid


def test_a_partner_gets_boxes_only_in_the_begun_sessions_it_delivers(
    client, trainer, enrollments, sewing, public_order, tomorrow
):
    client.force_login(trainer)

    page = client.get(roster_url(public_order.batch)).content.decode()

    assert tickable(page) == {public_order.pk: {e.pk for e in enrollments}}


def test_the_organizer_gets_boxes_in_every_begun_session(client, staff, enrollments, sewing, public_order, tomorrow):
    client.force_login(staff)

    page = client.get(roster_url(sewing.batch)).content.decode()

    everyone = {e.pk for e in enrollments}
    assert tickable(page) == {sewing.pk: everyone, public_order.pk: everyone}


def test_a_tick_in_another_agencys_session_saves_nothing_and_says_why(
    client, trainer, enrollments, sewing, public_order
):
    first, second, _third = enrollments
    client.force_login(trainer)

    response = save_grid(client, enrollments, {public_order: [first], sewing: [second]})

    assert response.status_code == 200
    assert marks(sewing, public_order) == {}
    page = response.content.decode()
    assert "Nothing was saved" in page or "Tidak ada yang disimpan" in page
    header = re.search(rf"<th>[^<]*<br>{sewing.get_topic_display()}.*?</th>", page, re.S).group(0)
    assert 'class="errorlist"' in header


def test_a_refused_save_keeps_every_tick_as_it_was_sent(client, trainer, enrollments, sewing, public_order):
    first, second, third = enrollments
    client.force_login(trainer)

    response = save_grid(client, enrollments, {public_order: [first, third], sewing: [second]})

    assert ticked(response.content.decode()) == {public_order.pk: {first.pk, third.pk}}


def test_one_save_records_exactly_the_ticks_of_every_session_the_viewer_may_record(
    client, staff, enrollments, sewing, public_order, tomorrow
):
    first, second, third = enrollments
    client.force_login(staff)

    response = save_grid(client, enrollments, {sewing: [first, second], public_order: [third]})

    assert response.status_code == 302
    assert marks(sewing, public_order, tomorrow) == {
        (sewing.pk, first.pk): True,
        (sewing.pk, second.pk): True,
        (sewing.pk, third.pk): False,
        (public_order.pk, first.pk): False,
        (public_order.pk, second.pk): False,
        (public_order.pk, third.pk): True,
    }


def test_saving_todays_ticks_leaves_an_unrecorded_session_unrecorded(client, staff, enrollments, sewing, public_order):
    first, _second, _third = enrollments
    client.force_login(staff)

    save_grid(client, enrollments, {public_order: [first]})

    assert marks(sewing) == {}
    assert marks(public_order)[(public_order.pk, first.pk)] is True


def test_a_partner_records_its_own_session_from_the_grid(client, trainer, enrollments, public_order):
    first, second, third = enrollments
    client.force_login(trainer)

    response = save_grid(client, enrollments, {public_order: [second]})

    assert response.status_code == 302
    assert marks(public_order) == {
        (public_order.pk, first.pk): False,
        (public_order.pk, second.pk): True,
        (public_order.pk, third.pk): False,
    }


@pytest.mark.postgres
def test_the_grid_names_people_and_sessions_past_a_thousand_without_a_thousands_separator(client, staff, batch):
    # Ids of a year's work run into the thousands, which Indonesian writes "12.345".
    with connection.cursor() as cursor:
        for table in ("programs_enrollment", "programs_session"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            cursor.execute(f"SELECT setval({sequence}, 12344 + nextval({sequence}))")
    session = SessionFactory(batch=batch, date=days_from_today(0))
    enrollment = services.enrollment_create(actor=staff, batch=batch, case=CaseFactory(owner=batch.program.organizer))
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING)
    client.force_login(staff)

    page = client.get(roster_url(batch)).content.decode()
    client.post(roster_url(batch), {"enrollment": [enrollment.pk], f"present-{session.pk}": [enrollment.pk]})

    assert tickable(page) == {session.pk: {enrollment.pk}}
    assert marks(session) == {(session.pk, enrollment.pk): True}


def test_saving_the_grid_as_it_stands_records_nothing_again(client, staff, enrollments, sewing, public_order):
    first, _second, _third = enrollments
    services.attendance_record(actor=staff, session=sewing, present={e.pk: e == first for e in enrollments})
    client.force_login(staff)

    response = save_grid(client, enrollments, {sewing: [first]})

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="programs.attendance.recorded").count() == 1


def test_a_save_takes_as_many_queries_for_thirty_people_as_for_three(client, staff, batch, enrollments, public_order):
    client.force_login(staff)

    def save_everyone_present() -> int:
        people = list(batch.enrollments.values_list("pk", flat=True))
        Attendance.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(roster_url(batch), {"enrollment": people, f"present-{public_order.pk}": people})
        assert response.status_code == 302
        return len(queries)

    few = save_everyone_present()
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.OPEN, capacity=40)
    for _ in range(27):
        services.enrollment_create(actor=staff, batch=batch, case=CaseFactory(owner=batch.program.organizer))
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING)

    assert save_everyone_present() == few <= 30


def test_recording_several_sessions_is_all_or_nothing(staff, trainer, enrollments, sewing, public_order):
    first, _second, _third = enrollments

    with pytest.raises(ValidationError) as refused:
        services.attendance_record_sessions(
            actor=trainer, attendance={public_order: {first.pk: True}, sewing: {first.pk: True}}
        )

    assert list(refused.value.message_dict) == [services.attendance_field(sewing)]
    assert marks(sewing, public_order) == {}


# Items 10 and 11: years and dates as people write them


def test_the_fiscal_year_reads_as_a_year_on_the_program_list(client, staff, program):
    client.force_login(staff)

    page = client.get("/admin/programs/program/").content.decode()

    assert "2026" in page and "2.026" not in page and "2,026" not in page


def test_the_fiscal_year_reads_as_a_year_to_someone_who_may_only_view_the_program(client, trainer, program):
    client.force_login(trainer)

    page = client.get(f"/admin/programs/program/{program.pk}/change/").content.decode()

    assert "2026" in page and "2.026" not in page and "2,026" not in page


def test_the_roster_dates_the_batch_as_people_write_dates(client, staff, batch, enrollments):
    client.force_login(staff)

    page = client.get(roster_url(batch)).content.decode()

    assert date_format(batch.starts_on, "DATE_FORMAT") in page
    assert batch.starts_on.isoformat() not in page and batch.ends_on.isoformat() not in page


ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def test_the_batch_page_names_its_sessions_by_dates_people_write(client, staff, batch, sewing, public_order):
    client.force_login(staff)

    page = client.get(f"/admin/programs/batch/{batch.pk}/change/").content.decode()

    assert date_format(sewing.date, "DATE_FORMAT") in page
    assert not ISO_DATE.findall(re.sub(r'value="[^"]*"', "", page))


def test_the_follow_up_and_outcome_pages_date_them_as_people_write_dates(client, staff, semarang):
    follow_up = FollowUpFactory(case=CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE))
    services.follow_up_record(actor=staff, follow_up=follow_up, recorded_on=days_from_today(0), site_status="left_site")
    client.force_login(staff)

    pages = [
        client.get(f"/admin/programs/followup/{follow_up.pk}/change/").content.decode(),
        client.get(f"/admin/programs/outcome/{follow_up.outcome.pk}/change/").content.decode(),
    ]

    for page in pages:
        assert not ISO_DATE.findall(re.sub(r'value="[^"]*"', "", page))


def test_someone_who_may_only_read_a_follow_up_is_offered_no_visit_to_record(client, semarang):
    follow_up = FollowUpFactory(case=CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE))
    auditor = MembershipFactory(role=Role.AUDITOR, agency=semarang).user
    client.force_login(auditor)

    page = client.get(f"/admin/programs/followup/{follow_up.pk}/change/")
    visit = client.get(f"/admin/programs/followup/{follow_up.pk}/visit/")

    assert page.status_code == 200 and f"/followup/{follow_up.pk}/visit/" not in page.content.decode()
    assert visit.status_code == 403
