"""The program report in one pass (issue 15): on PostgreSQL both groupings come from one scan of the program's
enrollments with each case's latest outcome taken once, and they are the figures the plain path (the SQLite
demo's) gives for the same program."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, Person, Site, TargetGroup
from programs import selectors
from programs.models import Batch, Enrollment, FollowUp, Outcome, Program

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-pass path is PostgreSQL's"),
]

TODAY = timezone.localdate()
STATUSES = ("completed", "completed", "completed", "not_completed", "withdrawn", "waitlisted", "enrolled")
WHERE_THEY_LIVE = ("left_site", "returned_home", "still_at_site", "returned_to_site")


@pytest.fixture
def program(banyuwangi, target_groups):
    """Three batches (two finished), 60 people over three sites and none, every enrollment status, and up to
    three visits per trained person whose latest (by day, then by entry) is not always the last made."""
    program = Program.objects.create(
        name="Gelombang III",
        kind=Program.Kind.SKILLS_TRAINING,
        organizer=banyuwangi,
        region=banyuwangi.region,
        fiscal_year=2026,
    )
    sites = [Site.objects.create(name=name, kind="lokalisasi", region=banyuwangi.region) for name in ("A", "B", "C")]
    group = TargetGroup.objects.get(code=10)
    persons = Person.objects.bulk_create([Person(full_name=f"P{i}", sex="F") for i in range(60)])
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"r-{i}",
                person=p,
                owner=banyuwangi,
                registered_by=banyuwangi,
                target_group=group,
                site=sites[i % 4] if i % 4 < 3 else None,
            )
            for i, p in enumerate(persons)
        ]
    )
    for number in (1, 2, 3):
        start = TODAY - datetime.timedelta(days=400 - 100 * number)
        batch = Batch.objects.create(
            program=program,
            number=number,
            starts_on=start,
            ends_on=start,
            capacity=60,
            status="finished" if number < 3 else "running",
        )
        enrollments = Enrollment.objects.bulk_create(
            [
                Enrollment(batch=batch, case=c, status=STATUSES[(i + number) % 7], starts_on=start, ends_on=start)
                for i, c in enumerate(cases)
                if (i + number) % 3
            ]
        )
        for i, e in enumerate(x for x in enrollments if x.status == "completed"):
            for visit in range((i + number) % 4):
                follow_up = FollowUp.objects.create(
                    case=e.case, enrollment=e, offset_days=30 * (visit + 1), due_on=TODAY
                )
                # The second visit is entered last but happened first: the latest is by the day of the visit.
                day = start + datetime.timedelta(days=(30, 90, 10)[visit])
                Outcome.objects.create(
                    follow_up=follow_up,
                    case=e.case,
                    recorded_on=day,
                    site_status=WHERE_THEY_LIVE[(i + visit + number) % 4],
                )
    return program


def test_the_one_pass_gives_the_figures_of_the_plain_path(program):
    one_pass = selectors._figures_in_one_pass(program)

    assert one_pass == selectors._figures_plain(program)
    batches, sites = one_pass
    assert [row["label"] for row in batches] == ["1", "2", "3"]
    assert [row["label"] for row in sites] == ["A", "B", "C", "-"]
    assert sum(row["left_site"] for row in batches) > 0 and sum(row["still_there"] for row in sites) > 0


def test_the_report_reads_the_enrollments_once_for_both_groupings(banyuwangi_staff, program):
    with CaptureQueriesContext(connection) as queries:
        report = selectors.program_report(banyuwangi_staff, program.pk)

    reading_enrollments = [q["sql"] for q in queries if "programs_enrollment" in q["sql"]]
    assert len(reading_enrollments) == 1
    assert "GROUPING SETS" in reading_enrollments[0] and "DISTINCT ON" in reading_enrollments[0]
    assert report.total.enrolled == sum(row.enrolled for row in report.sites)


@pytest.mark.django_db(transaction=True)
def test_jit_is_off_for_the_report_alone(banyuwangi_staff, program):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        (before,) = cursor.fetchone()
        with CaptureQueriesContext(connection) as queries:
            selectors.program_report(banyuwangi_staff, program.pk)
        cursor.execute("SHOW jit")
        (after,) = cursor.fetchone()

    assert "SET LOCAL jit = off" in [q["sql"] for q in queries]
    assert after == before
