"""The program pages staff and partners use: the report, the roster with its attendance grid, visits."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, Role
from cases.models import Case, Person, Site, TargetGroup
from programs import selectors
from programs.models import Attendance, Batch, Enrollment, FollowUp, Outcome, Program, Session
from tests.agencies.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def program(banyuwangi):
    return Program.objects.create(
        name="Gelombang II",
        kind=Program.Kind.SKILLS_TRAINING,
        organizer=banyuwangi,
        region=banyuwangi.region,
        fiscal_year=2026,
        left_site_target=20,
    )


def _trained_cohort(program, owner, size, *, batch_number=1, sites=("Wonosobo", "Gempol Porong")):
    """`size` completed enrollments with one outcome each, made in bulk: the report's input, not its subject."""
    start = TODAY - datetime.timedelta(days=60)
    batch = Batch.objects.create(
        program=program, number=batch_number, starts_on=start, ends_on=start, capacity=size, status="finished"
    )
    site_rows = [
        Site.objects.get_or_create(name=name, region=owner.region, defaults={"kind": "lokalisasi"})[0] for name in sites
    ]
    group = TargetGroup.objects.get(code=10)
    persons = Person.objects.bulk_create([Person(full_name=f"P{i}", sex="F") for i in range(size)])
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"b{batch_number}-{i}",
                person=p,
                owner=owner,
                registered_by=owner,
                target_group=group,
                site=site_rows[i % len(site_rows)],
                stage="in_intervention",
            )
            for i, p in enumerate(persons)
        ]
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                batch=batch, case=c, status="completed" if i % 4 else "not_completed", starts_on=start, ends_on=start
            )
            for i, c in enumerate(cases)
        ]
    )
    follow_ups = FollowUp.objects.bulk_create(
        [
            FollowUp(case=e.case, enrollment=e, offset_days=30, due_on=TODAY)
            for e in enrollments
            if e.status == "completed"
        ]
    )
    Outcome.objects.bulk_create(
        [
            Outcome(follow_up=f, case=f.case, recorded_on=TODAY, site_status="left_site" if i % 5 else "still_at_site")
            for i, f in enumerate(follow_ups)
        ]
    )
    return batch


def _report_queries(actor, program) -> tuple[int, selectors.ProgramReport]:
    with CaptureQueriesContext(connection) as queries:
        report = selectors.program_report(actor, program.pk)
    return len(queries), report


def test_the_program_report_counts_in_the_database(banyuwangi_staff, program, banyuwangi):
    _trained_cohort(program, banyuwangi, 20)

    _, report = _report_queries(banyuwangi_staff, program)

    assert (report.total.enrolled, report.total.trained, report.total.followed_up) == (20, 15, 15)
    assert (report.total.left_site, report.total.still_there) == (12, 3)
    assert report.total.completion_rate == 75 and report.total.left_site_rate == 80
    assert report.meets_target is True
    assert {row.label: row.trained for row in report.sites} == {"Gempol Porong": 10, "Wonosobo": 5}


def test_the_latest_outcome_decides_where_someone_lives(banyuwangi_staff, program, banyuwangi):
    _trained_cohort(program, banyuwangi, 4)
    returned = Outcome.objects.filter(site_status="left_site").first()
    later = FollowUp.objects.create(
        case=returned.case, enrollment=returned.follow_up.enrollment, offset_days=90, due_on=TODAY
    )
    Outcome.objects.create(
        follow_up=later,
        case=returned.case,
        recorded_on=TODAY + datetime.timedelta(days=1),
        site_status="returned_to_site",
    )

    _, report = _report_queries(banyuwangi_staff, program)

    assert (report.total.left_site, report.total.still_there) == (1, 2)


def test_the_program_report_for_ten_thousand_enrollments_takes_as_many_queries_as_for_ten(
    banyuwangi_staff, program, banyuwangi
):
    _trained_cohort(program, banyuwangi, 10, batch_number=1)
    small, _ = _report_queries(banyuwangi_staff, program)
    _trained_cohort(program, banyuwangi, 10_000, batch_number=2)

    large, report = _report_queries(banyuwangi_staff, program)

    assert report.total.enrolled == 10_010
    # The program, the actor's grants and permission, one aggregate per batch and one per site.
    assert large == small <= 8


def test_people_who_do_not_run_the_program_see_small_counts_suppressed(client, program, banyuwangi):
    _trained_cohort(program, banyuwangi, 8)
    client.force_login(MembershipFactory(role=Role.LEADERSHIP_VIEWER, agency=AgencyFactory(ministry=True)).user)

    response = client.get(f"/admin/programs/program/{program.pk}/report/")

    # 8 enrolled, 6 trained and followed up: 4 left the site and 2 are still there.
    total = response.context["report"].total
    assert (total.enrolled, total.trained, total.followed_up) == (8, 6, 6)
    assert total.hidden == {"left_site", "still_there", "left_site_rate"}
    assert "<th>*</th>" in response.content.decode()


def test_a_rate_beside_a_small_count_is_hidden_from_people_who_do_not_run_the_program(client, program, banyuwangi):
    # The "peserta 6, lulus <5, 33%": 6 enrolled, 2 trained.
    batch = _trained_cohort(program, banyuwangi, 6)
    trained = Enrollment.objects.filter(batch=batch, status="completed").order_by("pk")
    Enrollment.objects.filter(pk__in=list(trained.values_list("pk", flat=True)[:2])).update(status="not_completed")
    client.force_login(MembershipFactory(role=Role.LEADERSHIP_VIEWER, agency=AgencyFactory(ministry=True)).user)

    response = client.get(f"/admin/programs/program/{program.pk}/report/")

    total = response.context["report"].total
    assert (total.enrolled, total.trained) == (6, 2)
    assert {"trained", "completion_rate"} <= total.hidden
    assert "33%" not in response.content.decode()


def test_a_batch_that_has_not_finished_has_no_completion_rate_and_does_not_lower_the_total(
    client, banyuwangi_staff, program, banyuwangi
):
    _trained_cohort(program, banyuwangi, 8, batch_number=1)
    coming = _trained_cohort(program, banyuwangi, 8, batch_number=2)
    Batch.objects.filter(pk=coming.pk).update(status="open")
    Enrollment.objects.filter(batch=coming).update(status="enrolled")
    client.force_login(banyuwangi_staff)

    response = client.get(f"/admin/programs/program/{program.pk}/report/")

    report = response.context["report"]
    finished, not_yet = report.batches
    assert (finished.completion_rate, not_yet.completion_rate, not_yet.completion_pending) == (75, None, True)
    assert report.total.enrolled == 16 and report.total.completion_rate == 75
    second_batch = re.search(r"<tr><td>2</td>(.*?)</tr>", response.content.decode(), re.S).group(1)
    completion = re.findall(r"<td>(.*?)</td>", second_batch, re.S)[2]
    assert completion.startswith("-") and "%" not in completion
    assert "not finished yet" in completion or "belum selesai" in completion


def test_the_organizer_sees_exact_counts(client, banyuwangi_staff, program, banyuwangi):
    _trained_cohort(program, banyuwangi, 8)
    client.force_login(banyuwangi_staff)

    response = client.get(f"/admin/programs/program/{program.pk}/report/")

    assert response.status_code == 200
    report = response.context["report"]
    assert not report.suppress_small_cells
    assert all(not row.hidden for row in (*report.batches, *report.sites, report.total))
    assert (report.total.left_site, report.total.still_there) == (4, 2)


def test_a_partner_ticks_attendance_for_their_own_session_on_the_roster(client, program, banyuwangi):
    batch = _trained_cohort(program, banyuwangi, 3)
    Batch.objects.filter(pk=batch.pk).update(
        status="running", starts_on=TODAY - datetime.timedelta(days=1), ends_on=TODAY
    )
    Enrollment.objects.filter(batch=batch).update(status="enrolled")
    police = AgencyFactory(kind=Agency.Kind.POLICE, region=banyuwangi.region)
    session = Session.objects.create(batch=batch, date=TODAY, topic="public_order", delivering_agency=police)
    enrollments = list(batch.enrollments.order_by("pk"))
    client.force_login(MembershipFactory(role=Role.PARTNER_TRAINER, agency=police).user)

    page = client.get(f"/admin/programs/batch/{batch.pk}/roster/")
    client.post(
        f"/admin/programs/batch/{batch.pk}/roster/",
        {
            "session": session.pk,
            "enrollment": [e.pk for e in enrollments],
            f"present-{session.pk}": [enrollments[0].pk],
        },
    )

    assert "P0" in page.content.decode()
    marks = dict(Attendance.objects.filter(session=session).values_list("enrollment_id", "present"))
    assert marks == {enrollments[0].pk: True, enrollments[1].pk: False, enrollments[2].pk: False}


def _running_roster(program, banyuwangi, size):
    """A batch running today with `size` people enrolled and a session the police deliver today."""
    batch = _trained_cohort(program, banyuwangi, size)
    Batch.objects.filter(pk=batch.pk).update(status="running", starts_on=TODAY, ends_on=TODAY)
    Enrollment.objects.filter(batch=batch).update(status="enrolled")
    police = AgencyFactory(kind=Agency.Kind.POLICE, region=banyuwangi.region)
    session = Session.objects.create(batch=batch, date=TODAY, topic="public_order", delivering_agency=police)
    return batch, session, police


def test_the_roster_tells_absent_from_not_yet_recorded(client, program, banyuwangi):
    batch, session, police = _running_roster(program, banyuwangi, 3)
    first, second, third = batch.enrollments.order_by("pk")
    Attendance.objects.create(session=session, enrollment=first, present=True)
    Attendance.objects.create(session=session, enrollment=second, present=False)
    client.force_login(MembershipFactory(role=Role.PARTNER_TRAINER, agency=police).user)

    page = client.get(f"/admin/programs/batch/{batch.pk}/roster/").content.decode()

    cells = {
        name: re.search(rf"<td>{name}</td>.*?</tr>", page, re.S).group(0).split("</td>")[2]
        for name in (first.case.person.full_name, second.case.person.full_name, third.case.person.full_name)
    }
    assert "checked" in cells["P0"] and 'class="unrecorded"' not in cells["P0"]
    assert "checked" not in cells["P1"] and 'class="unrecorded"' not in cells["P1"]
    assert "checked" not in cells["P2"] and 'class="unrecorded"' in cells["P2"] and "belum dicatat" in cells["P2"]


def test_a_partner_cannot_tick_a_session_delivered_by_someone_else(client, program, banyuwangi):
    batch = _trained_cohort(program, banyuwangi, 2)
    Batch.objects.filter(pk=batch.pk).update(status="running", starts_on=TODAY, ends_on=TODAY)
    Enrollment.objects.filter(batch=batch).update(status="enrolled")
    session = Session.objects.create(batch=batch, date=TODAY, topic="sewing", delivering_agency=banyuwangi)
    police = AgencyFactory(kind=Agency.Kind.POLICE, region=banyuwangi.region)
    Session.objects.create(batch=batch, date=TODAY, topic="public_order", delivering_agency=police)
    client.force_login(MembershipFactory(role=Role.PARTNER_TRAINER, agency=police).user)
    enrollments = list(batch.enrollments.values_list("pk", flat=True))

    client.post(
        f"/admin/programs/batch/{batch.pk}/roster/",
        {"session": session.pk, "enrollment": enrollments, f"present-{session.pk}": enrollments},
    )

    assert not Attendance.objects.exists()


def test_recording_a_visit_from_the_follow_up_page(client, banyuwangi_staff, program, banyuwangi):
    _trained_cohort(program, banyuwangi, 2)
    follow_up = FollowUp.objects.get()
    follow_up.outcome.delete()
    client.force_login(banyuwangi_staff)

    response = client.post(
        f"/admin/programs/followup/{follow_up.pk}/visit/",
        {
            "recorded_on": TODAY.isoformat(),
            "site_status": "returned_home",
            "business_started": "on",
            "business_type": "warung",
        },
    )

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_on == TODAY and follow_up.outcome.site_status == "returned_home"
