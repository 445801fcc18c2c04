"""`manage.py load_demo`: the seeds' offices and one login per role, each seeing exactly their scope."""

import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from agencies import access
from agencies.demo import AGENCIES, DEMO_PASSWORD, USERS
from agencies.models import Agency, ApiClient, Membership, Role, User
from cases.models import Case, Site
from tests.conftest import sign_in_with_code

pytestmark = pytest.mark.django_db


def _run(command) -> str:
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module inside a transaction that is rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        _run("load_regions")
        with override_settings(DEBUG=True):
            output = _run("load_demo")
        yield output
        transaction.set_rollback(True)


def test_the_demo_is_refused_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")


def test_the_demo_loads_every_office_of_the_field_reports_and_one_user_per_role(demo):
    assert Agency.objects.count() == len(AGENCIES)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for username in USERS:
        assert f"  {username} " in demo


def test_loading_the_demo_again_duplicates_nothing_and_rotates_the_demo_tokens(demo):
    counts = (Agency.objects.count(), Membership.objects.count(), User.objects.count(), ApiClient.objects.count())

    with override_settings(DEBUG=True):
        again = _run("load_demo")

    assert counts == (
        Agency.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
        ApiClient.objects.count(),
    )
    assert [line for line in again.splitlines() if "rhb_" in line] != [
        line for line in demo.splitlines() if "rhb_" in line
    ]


JATENG = {"jateng", "purbalingga", "semarang", "dinkes_purbalingga", "dinpermades_purbalingga", "lentera_asa"}
# username: agencies whose people (memberships) the demo user sees in the admin
PEOPLE_IN_SCOPE = {
    "provinsi": JATENG,
    "kabupaten": {"banyuwangi"},
    "keuangan": {"banyuwangi"},
    "lks": {"bina_sehat"},
    "mitra": {"polres_kotim"},
    "pimpinan": set(),
    "auditor": JATENG,
    "dpo": set(),
    "semarang": {"semarang"},
    "purbalingga": {"purbalingga"},
    "kupang": {"kupang"},
    "kotim": {"kotim"},
    "lentera": {"lentera_asa"},
    "lkskupang": {"lks_kupang"},
}


def test_each_demo_user_signs_in_and_sees_exactly_their_scope(plain_client, demo):
    # One load of the demo for every user: loading it takes seconds.
    names = {key: name for key, (name, *_rest) in AGENCIES.items()}
    assert set(PEOPLE_IN_SCOPE) == set(USERS)
    for username, agency_keys in PEOPLE_IN_SCOPE.items():
        user = User.objects.get(username=username)
        expected = set(
            Membership.objects.filter(agency__name__in=[names[k] for k in agency_keys]).values_list("pk", flat=True)
        )

        # Through the pages, as a person trying the demo: the password, then the code `demo_code` prints.
        client = sign_in_with_code(plain_client.__class__(), username, DEMO_PASSWORD)
        response = client.get("/admin/agencies/membership/")

        if expected:
            assert {m.pk for m in response.context["cl"].result_list} == expected, username
        else:
            assert response.status_code == 403, username
        assert set(access.visible_to(user, Membership).values_list("pk", flat=True)) == expected, username


def test_the_demo_cases_sit_at_the_seed_sites_in_every_stage(demo):
    assert Case.objects.count() >= 60
    assert set(Case.objects.values_list("stage", flat=True)) == set(Case.Stage.values)
    assert {site.name for site in Site.objects.all()} >= {
        "Gempol Porong",
        "Wonosobo",
        "Karang Dempel",
        "Pasir Putih km 12",
    }
    assert Site.objects.get(name="Karang Dempel").closed_on.isoformat() == "2019-01-01"
    assert list(
        Site.objects.get(name="Wonosobo").counts.order_by("counted_on").values_list("people_present", flat=True)
    ) == [51, 3]


def test_each_district_sees_only_its_own_demo_cases(demo):
    for username in ("kabupaten", "semarang", "kupang", "kotim", "purbalingga"):
        user = User.objects.get(username=username)
        office = user.memberships.get().agency
        visible = access.visible_to(user, Case)
        assert visible.exists(), username
        assert set(visible.values_list("owner", flat=True)) == {office.pk}, username
    assert not access.visible_to(User.objects.get(username="pimpinan"), Case).exists()


def test_the_demo_programs_show_every_part_of_the_work(demo):
    from programs.models import Batch, Enrollment, FollowUp, Program

    assert Program.objects.count() == 5  # the four of the seeds and Kupang's repatriation
    statuses = set(Batch.objects.values_list("status", flat=True))
    assert statuses == {Batch.Status.OPEN, Batch.Status.RUNNING, Batch.Status.FINISHED}
    wave_two = Enrollment.objects.filter(batch__program__name__contains="Gelombang II").exclude(status="withdrawn")
    assert wave_two.count() == 52
    assert FollowUp.objects.filter(done_on__isnull=False).exists()
    assert FollowUp.objects.filter(done_on__isnull=True).exists()


def test_the_demo_money_agrees_with_its_ledger(demo):
    from funding.models import Allocation, Disbursement
    from funding.reconciliation import find_drift

    assert find_drift() == []
    assert set(Allocation.objects.values_list("ceiling", flat=True)) >= {500_000_000, 797_500_000}
    statuses = set(Disbursement.objects.values_list("status", flat=True))
    assert statuses == {Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED, Disbursement.Status.PAID}


def test_the_demo_has_months_of_history_for_the_dashboards_trends(demo):
    # Issue 17: leadership read trends, so the demo's figures span the past year and more, not one month.
    from agencies.figures import SHOWN, figure_table
    from agencies.models import Figure

    def months(code):
        return set(Figure.objects.filter(indicator=code, month__isnull=False).values_list("month", flat=True))

    assert len(months("cases.intake")) >= 12
    assert len(months("cases.site_headcounts")) >= 12
    assert len(months("programs.enrollment")) >= 4
    assert len(months("programs.follow_ups_done")) >= 4
    assert len(months("programs.outcome_left_site")) >= 3
    assert len(months("funding.paid")) >= 3
    assert len(months("cases.repatriations")) >= 3
    assert len(months("cases.referral_days_to_decision")) >= 3
    # and the ministry reads most months of intake: enough people a month that few are hidden as small cells
    intake = figure_table(User.objects.get(username="pimpinan"), "cases.intake", rows="month")
    shown = [key for key, _label in intake.rows if intake.cells[(key, None)].state == SHOWN]
    assert len(shown) >= 10, [(label, intake.cells[(key, None)].display) for key, label in intake.rows]


def test_the_demo_history_happens_in_order(demo):
    # Written as it happened: registered, assessed and planned before the batch, paid after falling due, never
    # after today.
    import datetime

    from django.utils import timezone

    from cases.models import Assessment
    from funding.models import Disbursement
    from programs.models import Enrollment

    today = timezone.localdate()
    for enrollment in Enrollment.objects.select_related("case", "batch"):
        registered = timezone.localdate(enrollment.case.created_at)
        assert registered < enrollment.batch.starts_on, enrollment.case.number
        assert timezone.localdate(enrollment.created_at) <= enrollment.batch.starts_on, enrollment.case.number
    for assessment in Assessment.objects.select_related("case"):
        assert timezone.localdate(assessment.case.created_at) <= assessment.assessed_on <= today
    for paid in Disbursement.objects.filter(status=Disbursement.Status.PAID).select_related("installment"):
        assert paid.installment.due_on <= paid.paid_on <= today
        assert timezone.localdate(paid.requested_at) <= paid.paid_on
    assert not Case.objects.filter(created_at__gt=timezone.now() + datetime.timedelta(seconds=1)).exists()


def test_no_reminder_of_the_demo_carries_a_persons_data(demo):
    # Issue 7: every template, rendered from the demo's people, names case numbers and links only.
    import datetime

    from django.core import mail
    from django.utils import timezone

    from agencies import notifications
    from agencies.models import Notification
    from cases.models import Person

    # Two runs: today, and a month on, when every demo follow-up is overdue and escalated.
    for now in (timezone.now(), timezone.now() + datetime.timedelta(days=45)):
        notifications.notifications_compose(now=now)
    notifications.notifications_deliver(notifications.due_for_sending())
    texts = [f"{n.email_subject}\n{n.body}" for n in Notification.objects.all()]
    texts += [f"{m.subject}\n{m.body}\n{m.extra_headers}" for m in mail.outbox]
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"follow_ups_due", "follow_up_escalated", "batch_starting", "referral_received"} <= kinds

    personal = set()
    for person in Person.objects.prefetch_related("cases__target_group", "target_groups"):
        personal |= {person.full_name, person.nik, person.phone, person.address}
        personal |= {case.target_group.name for case in person.cases.all()}
        personal |= {group.name for group in person.target_groups.all()}
    personal.discard("")
    personal.discard(None)
    leaks = {value for value in personal for text in texts if value in text}
    assert leaks == set()


def test_the_demo_password_passes_the_password_rules_for_every_demo_user(demo):
    # With every region and agency of the demo in the database, as a person choosing it would meet the rules.
    for user in User.objects.all():
        validate_password(DEMO_PASSWORD, user)


def test_demo_code_prints_the_code_a_demo_login_signs_in_with_and_only_with_debug_on(plain_client, demo):
    with override_settings(DEBUG=True):
        printed = _run_with("demo_code", "provinsi")
    code = printed.split()[0]

    plain_client.post("/admin/login/", {"username": "provinsi", "password": DEMO_PASSWORD})
    plain_client.post("/admin/two-factor/", {"code": code})

    assert plain_client.get("/admin/").status_code == 200
    with pytest.raises(CommandError, match="DEBUG"):
        _run_with("demo_code", "provinsi")


def _run_with(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()
