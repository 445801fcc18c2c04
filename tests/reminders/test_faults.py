"""Faults with the real parts (issue 7): a mail server that refuses, a Redis that is down during an API write, the
same beat tick run twice, and a worker killed in the middle of a send. An email is never lost, and sent once."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agencies import services as agency_services
from agencies.models import Agency, ApiClient, Notification, Role
from agencies.notifications import notifications_compose
from agencies.tasks import notifications_compose_task, notifications_dispatch_task
from cases.models import Case, Referral
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory, UserFactory
from tests.cases.factories import CaseFactory, ConsentFactory, DistrictOfficeFactory, NgoFactory
from tests.conftest import APIClient

from .caseload import (
    DENPASAR,
    JAYAPURA,
    SEMARANG,
    caseworker_with_follow_ups,
    person_with_personal_data,
    personal_data,
    target_group,
)
from .real_parts import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = Notification.Status


def body_of(email) -> str:
    return email.message.get_body(preferencelist=("plain",)).get_content()


def test_a_digest_the_mail_server_refuses_once_is_delivered_once_after_the_retry(start_worker, smtp_server):
    start_worker()
    # given a caseworker with a follow-up due, and a mail server that will answer the first try with 451
    caseload = caseworker_with_follow_ups(region=SEMARANG, language="id")
    smtp_server.handler.refuse_next(1)

    # when the morning run goes out
    notifications_compose_task.delay()

    # then the worker tries again a second later (NOTIFICATION_RETRY_SECONDS=1), and the digest arrives once
    (email,) = smtp_server.wait_for(1)
    assert smtp_server.handler.attempts == 2
    assert email.rcpt_tos == (caseload.user.email,)
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == (S.SENT, 2, "")
    assert email.message["Message-ID"] == f"<notification-{row.pk}@localhost>"


def test_a_referral_made_through_the_api_while_redis_is_down_is_saved_at_once_and_emailed_after_the_restart(
    start_worker, redis_server, smtp_server, caplog
):
    worker = start_worker()
    # given Lentera's field app, a case Lentera registered, the person's consent to share with the health office,
    # and a trainer there who takes referrals in; a worker is running
    semarang = DistrictOfficeFactory(region=RegionFactory(code=SEMARANG))
    lentera = NgoFactory(region=RegionFactory(code=f"{SEMARANG}.01"))
    dinkes = AgencyFactory(kind=Agency.Kind.HEALTH, region=semarang.region, name="Dinas Kesehatan Kota Semarang")
    trainer = MembershipFactory(role=Role.PARTNER_TRAINER, agency=dinkes).user
    case = CaseFactory(
        person=person_with_personal_data(),
        owner=semarang,
        registered_by=lentera,
        stage=Case.Stage.PLANNED,
        target_group=target_group(),
    )
    ConsentFactory(person=case.person, agency=dinkes)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    _client, token = agency_services.api_client_create(
        actor=root, agency=lentera, name="Field app", scope=ApiClient.Scope.READ_WRITE
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    worker.wait_ready()
    # and Redis goes down
    redis_server.stop()

    # when the field app refers the case
    started = time.monotonic()
    response = api.post(
        "/api/v1/referrals/",
        {"case": case.pk, "to_agency": dinkes.pk, "kind": "health_check", "reason": "Cek IMS"},
        format="json",
    )
    took = time.monotonic() - started

    # then the write succeeds at once (not after the broker's 10 s socket timeout), its email waiting in the outbox
    assert response.status_code == 201, response.content
    assert took < 5, f"the API write took {took:.1f} s with Redis down"
    assert "Broker unavailable: 1 notification(s) left for the sweep." in caplog.messages
    referral = Referral.objects.get(pk=response.json()["id"])
    row = Notification.objects.get()
    assert (row.recipient, row.kind, row.subject, row.status) == (
        trainer,
        "referral_received",
        f"cases.referral:{referral.pk}",
        S.PENDING,
    )

    # when Redis is back (empty: nothing was queued while it was down) and the minute sweep runs
    redis_server.start()
    notifications_dispatch_task.delay()

    # then the email goes out, once, naming the case and linking to the referral
    (email,) = smtp_server.wait_for(1)
    assert email.rcpt_tos == (trainer.email,)
    assert case.number in body_of(email)
    assert f"/admin/cases/referral/{referral.pk}/change/" in body_of(email)
    assert not [value for value in personal_data(case.person) if value in email.text]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 1)


def test_the_same_morning_run_queued_twice_sends_one_digest_per_caseworker(start_worker, smtp_server):
    workers = [start_worker(), start_worker()]
    # given caseworkers in three time zones with follow-ups due, and two workers taking tasks at the same time
    caseloads = [
        caseworker_with_follow_ups(region=SEMARANG, language="id", due_in_days=(1, 3)),
        caseworker_with_follow_ups(region=DENPASAR, language="en", due_in_days=(2,)),
        caseworker_with_follow_ups(region=JAYAPURA, language="id", due_in_days=(6,)),
    ]
    for worker in workers:
        worker.wait_ready()

    # when the beat's tick is queued twice
    notifications_compose_task.delay()
    notifications_compose_task.delay()

    # then both runs happened (each also queued the rows it saw for delivery), and each caseworker got one digest
    wait_until(
        lambda: sum(w.log_lines("notifications_compose_task", "succeeded") for w in workers) == 2,
        what="both morning runs to finish",
    )
    received = smtp_server.wait_for(len(caseloads))
    assert Counter(r for email in received for r in email.rcpt_tos) == {c.user.email: 1 for c in caseloads}
    assert sorted(Notification.objects.values_list("status", "attempts")) == [(S.SENT, 1)] * len(caseloads)


def test_the_same_morning_run_composed_twice_at_once_writes_one_digest_per_caseworker(start_worker, smtp_server):
    start_worker()
    # given caseworkers with follow-ups due
    caseloads = [
        caseworker_with_follow_ups(region=SEMARANG, language="id"),
        caseworker_with_follow_ups(region=JAYAPURA, language="en"),
    ]
    now = timezone.now()
    first_written, release_first = threading.Event(), threading.Event()
    outcomes = {}

    def first_run():
        # Written but not committed while the second run writes the same rows: it cannot see them yet, so only
        # the unique constraint stands between it and a second digest.
        with transaction.atomic():
            outcomes["first"] = notifications_compose(now=now)
            first_written.set()
            release_first.wait(timeout=20)

    def second_run():
        first_written.wait(timeout=20)
        outcomes["second"] = notifications_compose(now=now)

    # when two runs of the same tick compose at the same moment in two connections
    threads = [threading.Thread(target=_closing(run)) for run in (first_run, second_run)]
    for thread in threads:
        thread.start()
    wait_until(_someone_waits_for_a_lock, timeout=20, what="the second run to wait on the first one's rows")
    release_first.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a morning run hung"

    # then there is one digest row per caseworker, and one email each once the sweep has sent them
    assert set(outcomes) == {"first", "second"}, "a morning run failed (see the captured log)"
    assert outcomes["first"] == len(caseloads)
    assert Notification.objects.filter(kind="follow_ups_due").count() == len(caseloads)
    notifications_dispatch_task.delay()
    received = smtp_server.wait_for(len(caseloads))
    assert Counter(r for email in received for r in email.rcpt_tos) == {c.user.email: 1 for c in caseloads}


def test_a_worker_killed_in_the_middle_of_a_send_loses_no_email(start_worker, smtp_server):
    first = start_worker()
    # given a caseworker with a follow-up due, and a mail server that takes the first message in and then hangs
    caseload = caseworker_with_follow_ups(region=SEMARANG, language="id")
    smtp_server.handler.hang_next(1)
    notifications_compose_task.delay()
    wait_until(smtp_server.handler.hanging.is_set, what="the worker to be in the middle of sending")

    # when the worker is killed (SIGKILL: no shutdown, no acknowledgement) while it waits for the server's answer
    first.kill()

    # then the database rolls its transaction back: the row is unsent and no longer locked
    row = Notification.objects.get()
    wait_until(lambda: _unlocked(row.pk), timeout=10, what="the killed worker's row lock to go")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.PENDING, 0)

    # when another worker runs the minute sweep (the killed task's message waits in Redis for the visibility
    # timeout, an hour; were it redelivered, the row would already be sent and it would do nothing)
    start_worker()
    notifications_dispatch_task.delay()

    # then the digest arrives. The server never answered the killed attempt, so it was not delivered twice. Had
    # the worker died after the server accepted the message but before its transaction committed, the sweep would
    # send it again: at least once, not exactly once, and the repeat carries the same Message-ID so a mail system
    # can recognise it.
    (email,) = smtp_server.wait_for(1)
    assert email.rcpt_tos == (caseload.user.email,)
    assert email.message["Message-ID"] == f"<notification-{row.pk}@localhost>"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 1)


def _closing(run):
    def target():
        try:
            run()
        finally:
            connection.close()

    return target


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _unlocked(pk: int) -> bool:
    with transaction.atomic():
        return Notification.objects.select_for_update(skip_locked=True).filter(pk=pk).exists()
