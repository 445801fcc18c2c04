"""Reminders (issue 7): what is due, to whom, in which language and time zone; once; and never a person's data.

These run the services in-process (tasks are eager in the suite, email is Django's in-memory outbox). The real
worker, Redis and SMTP server are exercised in tests/reminders/.
"""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from agencies import notifications
from agencies.models import Notification, NotificationOptOut, Role
from cases import services as case_services
from cases.models import Case, Consent, Referral
from funding import services as funding_services
from programs.models import Batch
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory, ConsentFactory, DistrictOfficeFactory, NgoFactory
from tests.funding.factories import (
    AllocationFactory,
    BenefitFactory,
    EntitlementFactory,
    FundingSourceFactory,
)
from tests.programs.factories import BatchFactory, FollowUpFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

DIGEST, ESCALATED, BATCH = "follow_ups_due", "follow_up_escalated", "batch_starting"


@pytest.fixture(autouse=True)
def semarang_reports_to_jateng(semarang, jateng):
    """Escalations climb from Semarang's office to its parent agency, the province office."""
    semarang.parent = jateng
    semarang.save(update_fields=["parent"])


@pytest.fixture
def supervisor(member, semarang):
    return member(Role.DISTRICT_STAFF, agency=semarang)


@pytest.fixture
def caseworker(member, semarang):
    return member(Role.NGO_CASEWORKER, agency=NgoFactory(name="Yayasan Lentera"))


def _follow_up(caseworker, owner, days: int, **kwargs):
    """A follow-up due `days` from today (negative: overdue) for `caseworker` on a case of `owner`."""
    case = CaseFactory(owner=owner, **{"stage": Case.Stage.AFTERCARE, **kwargs})
    return FollowUpFactory(case=case, caseworker=caseworker, due_on=days_from_today(days))


def _compose(**kwargs) -> int:
    return notifications.notifications_compose(**kwargs)


def _of(kind, user=None):
    rows = Notification.objects.filter(kind=kind)
    return rows.filter(recipient=user) if user else rows


# The daily digest


def test_a_caseworker_gets_one_digest_listing_overdue_and_soon_due_follow_ups(caseworker, semarang):
    late = _follow_up(caseworker, semarang, -3)
    soon = _follow_up(caseworker, semarang, 2)
    later = _follow_up(caseworker, semarang, 12)

    _compose()

    digest = _of(DIGEST, caseworker).get()
    assert digest.period == timezone.localdate().isoformat()
    assert late.case.number in digest.body and soon.case.number in digest.body
    assert later.case.number not in digest.body
    assert f"/admin/programs/followup/{late.pk}/change/" in digest.body


def test_the_digest_is_written_once_however_often_the_run_repeats(caseworker, semarang):
    _follow_up(caseworker, semarang, -1)

    assert _compose() == 1
    assert _compose() == 0
    assert _of(DIGEST).count() == 1


def test_visited_follow_ups_and_closed_cases_are_not_reminded(caseworker, semarang):
    _follow_up(caseworker, semarang, -2, stage=Case.Stage.CLOSED, close_reason=Case.CloseReason.LOST_CONTACT)
    visited = _follow_up(caseworker, semarang, -2)
    visited.done_on = timezone.localdate()
    visited.save(update_fields=["done_on"])

    _compose()

    assert not _of(DIGEST).exists()


def test_follow_ups_without_their_own_caseworker_go_to_the_cases_caseworker(caseworker, semarang):
    case = CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE, caseworker=caseworker)
    FollowUpFactory(case=case, caseworker=None, due_on=days_from_today(-1))

    _compose()

    assert _of(DIGEST, caseworker).exists()


def test_someone_with_no_active_membership_gets_no_digest(caseworker, semarang):
    _follow_up(caseworker, semarang, -1)
    caseworker.memberships.update(active=False)

    _compose()

    assert not _of(DIGEST).exists()


def test_today_is_the_recipients_own_office_date(member):
    # 23:30 in Jakarta is already 00:30 the next day in Kupang (WITA).
    kupang = AgencyFactory(kind="ngo", region=RegionFactory(code="53.71"))
    worker = member(Role.NGO_CASEWORKER, agency=kupang)
    worker.language = "en"
    worker.save(update_fields=["language"])
    now = datetime.datetime(2026, 11, 23, 16, 30, tzinfo=datetime.UTC)
    FollowUpFactory(
        case=CaseFactory(owner=DistrictOfficeFactory()), caseworker=worker, due_on=datetime.date(2026, 11, 23)
    )

    _compose(now=now)

    digest = _of(DIGEST, worker).get()
    assert digest.period == "2026-11-24"
    # Overdue by one day in Kupang, though not yet in Jakarta.
    assert digest.email_subject.startswith("Follow-ups: 1 overdue, 0 due")
    assert "1 day late" in digest.body


def test_a_morning_run_for_one_time_zone_leaves_the_other_zones_for_their_own_morning(member, caseworker, semarang):
    kupang_worker = member(Role.NGO_CASEWORKER, agency=AgencyFactory(kind="ngo", region=RegionFactory(code="53.71")))
    _follow_up(caseworker, semarang, -1)
    _follow_up(kupang_worker, semarang, -1)

    _compose(time_zones=["Asia/Makassar"])

    assert list(_of(DIGEST).values_list("recipient", flat=True)) == [kupang_worker.pk]


@pytest.mark.parametrize(("language", "month"), [("id", "Oktober"), ("en", "October")])
def test_the_digest_is_in_the_recipients_language(caseworker, semarang, language, month):
    caseworker.language = language
    caseworker.save(update_fields=["language"])
    now = datetime.datetime(2026, 11, 2, 3, 0, tzinfo=datetime.UTC)
    FollowUpFactory(
        case=CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE),
        caseworker=caseworker,
        due_on=datetime.date(2026, 10, 30),
    )

    _compose(now=now)

    assert f"30 {month} 2026" in _of(DIGEST, caseworker).get().body


def test_a_long_digest_lists_the_first_hundred_and_links_to_the_rest(caseworker, semarang):
    for _ in range(103):
        _follow_up(caseworker, semarang, -1)

    _compose()

    body = _of(DIGEST, caseworker).get().body
    assert body.count("/admin/programs/followup/") == 101  # a hundred lines, and the link to the whole list
    assert "/admin/programs/followup/\n" in body


# Escalation to the supervisor


def test_a_follow_up_overdue_beyond_the_grace_period_is_escalated_to_the_owning_offices_staff(
    caseworker, supervisor, semarang
):
    follow_up = _follow_up(caseworker, semarang, -15)

    _compose()

    escalation = _of(ESCALATED).get()
    assert escalation.recipient == supervisor
    assert escalation.subject == f"programs.followup:{follow_up.pk}"
    assert escalation.period == "level-1"
    assert follow_up.case.number in escalation.email_subject


def test_a_follow_up_within_the_grace_period_is_not_escalated(caseworker, supervisor, semarang):
    _follow_up(caseworker, semarang, -14)

    _compose()

    assert not _of(ESCALATED).exists()


@override_settings(REMINDER_ESCALATE_AFTER_DAYS=3)
def test_the_grace_period_is_a_setting(caseworker, supervisor, semarang):
    _follow_up(caseworker, semarang, -4)

    _compose()

    assert _of(ESCALATED, supervisor).exists()


def test_each_escalation_level_is_sent_once_and_the_second_reaches_the_province(
    caseworker, supervisor, province_staff, semarang
):
    _follow_up(caseworker, semarang, -29)

    _compose()
    _compose()

    assert sorted(_of(ESCALATED).values_list("recipient", "period")) == sorted(
        [(supervisor.pk, "level-1"), (supervisor.pk, "level-2"), (province_staff.pk, "level-2")]
    )


def test_escalations_cannot_be_switched_off(supervisor):
    with pytest.raises(ValidationError) as refused:
        notifications.notification_opt_out(user=supervisor, kind=ESCALATED)

    assert "kind" in refused.value.message_dict


# Batches about to start


def test_organizers_and_delivering_partners_hear_of_a_batch_three_days_ahead_with_the_count_only(member, semarang):
    organizer_staff = member(Role.DISTRICT_STAFF, agency=semarang)
    police = AgencyFactory(kind="police", name="Polrestabes Semarang", region=RegionFactory(code="33.74"))
    trainer = member(Role.PARTNER_TRAINER, agency=police)
    batch = BatchFactory(program=ProgramFactory(organizer=semarang), starts_on=days_from_today(3), capacity=30)
    SessionFactory(batch=batch, delivering_agency=police, topic="kamtibmas")
    Batch.objects.filter(pk=batch.pk).update(enrolled_count=21)

    _compose()

    notices = _of(BATCH)
    assert sorted(notices.values_list("recipient", flat=True)) == sorted([organizer_staff.pk, trainer.pk])
    assert all("21" in n.body and "30" in n.body for n in notices)


@pytest.mark.parametrize("days", [4, 0, -1])
def test_no_notice_outside_the_three_days_before_a_batch(member, semarang, days):
    member(Role.DISTRICT_STAFF, agency=semarang)
    BatchFactory(program=ProgramFactory(organizer=semarang), starts_on=days_from_today(days))

    _compose()

    assert not _of(BATCH).exists()


def test_a_cancelled_batch_gives_no_notice(member, semarang):
    member(Role.DISTRICT_STAFF, agency=semarang)
    BatchFactory(
        program=ProgramFactory(organizer=semarang), starts_on=days_from_today(2), status=Batch.Status.CANCELLED
    )

    _compose()

    assert not _of(BATCH).exists()


# Approvals waiting


@pytest.fixture
def requested(member, semarang, supervisor):
    allocation = AllocationFactory(
        source=FundingSourceFactory(agency=semarang), program=ProgramFactory(organizer=semarang), ceiling=50_000_000
    )
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)
    entitlement = EntitlementFactory(actor=supervisor, case=CaseFactory(owner=semarang), benefit=benefit)
    return funding_services.disbursement_request(actor=supervisor, installment=entitlement.installments.get(number=1))


def _waited(disbursement, hours: int):
    type(disbursement).objects.filter(pk=disbursement.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def test_a_finance_approver_hears_of_requests_waiting_more_than_a_day(member, semarang, requested):
    approver = member(Role.FINANCE_APPROVER, agency=semarang)
    _waited(requested, 25)

    _compose()

    digest = _of("approvals_waiting", approver).get()
    assert requested.installment.entitlement.case.number in digest.body
    assert "Rp600.000" in digest.body


def test_a_request_waiting_less_than_a_day_is_not_reminded(member, semarang, requested):
    member(Role.FINANCE_APPROVER, agency=semarang)
    _waited(requested, 23)

    _compose()

    assert not _of("approvals_waiting").exists()


def test_an_approver_is_not_reminded_of_their_own_request_nor_of_another_districts(
    member, semarang, requested, supervisor
):
    MembershipFactory(user=supervisor, role=Role.FINANCE_APPROVER, agency=semarang.parent)
    member(Role.FINANCE_APPROVER, agency=DistrictOfficeFactory(region=RegionFactory(code="33.03")))
    _waited(requested, 48)

    _compose()

    assert not _of("approvals_waiting").exists()


# Event emails through the outbox


@pytest.fixture
def lentera_member(member):
    lentera = NgoFactory(name="Yayasan Lentera Kedua")
    return member(Role.NGO_CASEWORKER, agency=lentera)


def _refer(actor, case, to_agency):
    ConsentFactory(person=case.person, agency=to_agency, purpose=Consent.Purpose.SHARING)
    return case_services.referral_create(
        actor=actor, case=case, to_agency=to_agency, kind=Referral.Kind.NGO_MENTORING, reason="Pendampingan"
    )


def test_a_referral_tells_the_receiving_agency_after_commit(
    supervisor, semarang, lentera_member, django_capture_on_commit_callbacks
):
    case = CaseFactory(owner=semarang)
    to_agency = lentera_member.memberships.get().agency

    with django_capture_on_commit_callbacks(execute=True):
        referral = _refer(supervisor, case, to_agency)

    row = _of("referral_received", lentera_member).get()
    assert row.subject == f"cases.referral:{referral.pk}"
    assert row.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [[lentera_member.email]]
    assert case.number in mail.outbox[0].subject


def test_a_referral_rolled_back_leaves_no_email_behind(supervisor, semarang, lentera_member):
    case = CaseFactory(owner=semarang)
    to_agency = lentera_member.memberships.get().agency

    with pytest.raises(RuntimeError), transaction.atomic():
        _refer(supervisor, case, to_agency)
        raise RuntimeError("the caller's transaction fails after the referral")

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_referrer_is_told_of_a_decline(supervisor, semarang, lentera_member):
    referral = _refer(supervisor, CaseFactory(owner=semarang), lentera_member.memberships.get().agency)

    case_services.referral_decline(actor=lentera_member, referral=referral, reason="Di luar wilayah kerja kami")

    answer = _of("referral_answered", supervisor).get()
    assert answer.period == Referral.Status.DECLINED
    assert "Di luar wilayah" not in answer.body  # a free-text reason may name someone: it stays on the page


def test_the_requester_is_told_of_a_rejection(member, semarang, requested, supervisor):
    approver = member(Role.FINANCE_APPROVER, agency=semarang)

    funding_services.disbursement_reject(actor=approver, disbursement=requested, reason="Rekening atas nama Siti")

    row = _of("disbursement_rejected", supervisor).get()
    assert "Siti" not in row.body and "Rekening" not in row.body


def test_an_event_written_twice_is_one_email(supervisor, semarang, lentera_member):
    referral = _refer(supervisor, CaseFactory(owner=semarang), lentera_member.memberships.get().agency)

    from cases.reminders import referral_received_notify

    referral_received_notify(referral)

    assert _of("referral_received").count() == 1


# Delivery


def test_delivery_sends_each_row_once_and_marks_it_sent(caseworker, semarang):
    _follow_up(caseworker, semarang, -1)
    _compose()
    ids = notifications.due_for_sending()

    first = notifications.notifications_deliver(ids)
    second = notifications.notifications_deliver(ids)

    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    row = _of(DIGEST).get()
    assert row.status == Notification.Status.SENT and row.attempts == 1 and row.sent_at


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9)
def test_a_failed_send_is_kept_for_a_later_attempt_with_backoff(caseworker, semarang):
    # Port 9 (discard) refuses connections here: the send fails like an SMTP server that is down.
    _follow_up(caseworker, semarang, -1)
    _compose()

    result = notifications.notifications_deliver(notifications.due_for_sending())

    row = _of(DIGEST).get()
    assert (result.failed, row.status, row.attempts) == (1, Notification.Status.FAILED, 1)
    assert row.next_attempt_at > timezone.now()
    assert row.pk not in notifications.due_for_sending()
    assert row.pk in notifications.due_for_sending(now=row.next_attempt_at)
    assert row.last_error and "@" not in row.last_error


def test_a_reminder_switched_off_after_it_was_written_is_not_sent(caseworker, semarang):
    _follow_up(caseworker, semarang, -1)
    _compose()

    notifications.notification_opt_out(user=caseworker, kind=DIGEST)
    notifications.notifications_deliver(notifications.due_for_sending())

    assert _of(DIGEST).get().status == Notification.Status.SKIPPED
    assert mail.outbox == []


def test_a_switched_off_reminder_is_not_written_and_switching_it_on_again_restores_it(caseworker, semarang):
    _follow_up(caseworker, semarang, -1)
    notifications.notification_opt_out(user=caseworker, kind=DIGEST)

    _compose()
    assert not _of(DIGEST).exists()

    notifications.notification_opt_in(user=caseworker, kind=DIGEST)
    _compose()
    assert _of(DIGEST).exists()


# The unsubscribe link


def test_the_link_in_a_digest_switches_that_kind_off_in_one_click(client, caseworker, semarang):
    _follow_up(caseworker, semarang, -1)
    _compose()
    notifications.notifications_deliver(notifications.due_for_sending())
    message = mail.outbox[0]
    link = message.extra_headers["List-Unsubscribe"].strip("<>")

    response = client.post(link, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 204
    assert NotificationOptOut.objects.filter(user=caseworker, kind=DIGEST).exists()


def test_the_unsubscribe_page_switches_off_and_on(client, caseworker):
    link = notifications.unsubscribe_link(caseworker.pk, DIGEST)

    assert client.get(link).status_code == 200
    client.post(link, {"action": "opt_out"})
    assert NotificationOptOut.objects.filter(user=caseworker, kind=DIGEST).exists()
    client.post(link, {"action": "opt_in"})
    assert not NotificationOptOut.objects.filter(user=caseworker, kind=DIGEST).exists()


def test_the_unsubscribe_page_says_nothing_about_permissions_to_someone_not_signed_in(client, caseworker):
    page = client.get(notifications.unsubscribe_link(caseworker.pk, DIGEST)).content.decode()

    assert "Anda menerima email jenis ini." in page
    assert "tidak memiliki izin" not in page


def test_a_tampered_unsubscribe_link_is_not_found(client, caseworker):
    token = notifications.unsubscribe_token(caseworker.pk, DIGEST)

    response = client.get(f"/notifications/unsubscribe/{token[:-2]}xx/")

    assert response.status_code == 404


def test_escalation_emails_carry_no_unsubscribe_link(caseworker, supervisor, semarang):
    _follow_up(caseworker, semarang, -20)
    _compose()
    notifications.notifications_deliver(notifications.due_for_sending())

    escalation = next(m for m in mail.outbox if m.to == [supervisor.email])
    assert "List-Unsubscribe" not in escalation.extra_headers
    assert "/notifications/unsubscribe/" not in escalation.body


# Exactly once under concurrency


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_write_one_digest(target_groups, caseworker, semarang):
    for days in (-3, -1, 2):
        _follow_up(caseworker, semarang, days)
    barrier = threading.Barrier(2)
    errors = []

    def beat():
        try:
            barrier.wait()
            _compose()
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert _of(DIGEST).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_rows_send_each_once(target_groups, caseworker, member, semarang):
    for _ in range(5):
        worker = member(Role.NGO_CASEWORKER, agency=caseworker.memberships.get().agency)
        _follow_up(worker, semarang, -1)
    _compose()
    ids = notifications.due_for_sending()
    barrier = threading.Barrier(2)
    sent = []

    def worker_run():
        try:
            barrier.wait()
            sent.append(notifications.notifications_deliver(ids).sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(sent) == 5
    assert len(mail.outbox) == 5
    assert not Notification.objects.exclude(status=Notification.Status.SENT).exists()


# The admin


def test_the_office_sees_its_email_history_and_another_office_does_not(
    signed_in, member, supervisor, caseworker, semarang
):
    row = _escalated_row(caseworker, semarang)
    elsewhere = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region=RegionFactory(code="33.03")))

    assert signed_in(supervisor).get(f"/admin/agencies/notification/{row.pk}/change/").status_code == 200
    # The admin answers a row out of scope as it answers a missing one: back to the index, "does not exist".
    outside = signed_in(elsewhere).get(f"/admin/agencies/notification/{row.pk}/change/")
    missing = signed_in(elsewhere).get("/admin/agencies/notification/999999999/change/")
    assert outside.status_code == missing.status_code == 302
    assert outside["Location"] == missing["Location"] == "/admin/"


def _escalated_row(caseworker, semarang):
    _follow_up(caseworker, semarang, -20)
    _compose()
    return _of(ESCALATED).get()


def test_staff_send_a_failed_email_again_from_the_admin(
    signed_in, supervisor, caseworker, semarang, django_capture_on_commit_callbacks
):
    row = _escalated_row(caseworker, semarang)
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.GAVE_UP, attempts=30)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(supervisor).post(
            "/admin/agencies/notification/", {"action": "send_again", "_selected_action": [row.pk]}
        )

    assert response.status_code == 302
    assert Notification.objects.get(pk=row.pk).status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_province_staff_may_change_when_reminders_go_out_and_district_staff_may_not(
    signed_in, province_staff, supervisor
):
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    morning = PeriodicTask.objects.get(name__contains="Asia/Makassar")
    assert morning.task == "agencies.tasks.notifications_compose_task"
    crontab = morning.crontab
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("7", "0", "Asia/Makassar")

    assert (
        signed_in(province_staff).get(f"/admin/django_celery_beat/crontabschedule/{crontab.pk}/change/").status_code
        == 200
    )
    assert (
        signed_in(supervisor).get(f"/admin/django_celery_beat/crontabschedule/{crontab.pk}/change/").status_code == 403
    )
    assert CrontabSchedule.objects.filter(timezone="Asia/Jayapura").exists()


def test_everyone_switches_their_own_optional_reminders_in_the_admin(signed_in, caseworker):
    client = signed_in(caseworker)

    page = client.get("/admin/reminders/")
    client.post("/admin/reminders/", {"action": "opt_out", "kind": BATCH})
    refused = client.post("/admin/reminders/", {"action": "opt_out", "kind": ESCALATED}, follow=True)

    assert page.status_code == 200 and "/admin/reminders/" in page.content.decode()
    assert list(NotificationOptOut.objects.filter(user=caseworker).values_list("kind", flat=True)) == [BATCH]
    assert refused.status_code == 200
