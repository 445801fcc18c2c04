"""A morning's reminders through the real parts (issue 7): the beat's task goes through Redis to a Celery worker
process, which writes the digests and escalations and hands them to an SMTP server; we read what arrived."""

from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from agencies.models import Notification, NotificationOptOut
from agencies.notifications import admin_link
from agencies.tasks import notifications_compose_task

from .caseload import (
    DENPASAR,
    JAYAPURA,
    SEMARANG,
    caseworker_with_follow_ups,
    long_overdue_date,
    personal_data,
    supervisor_of,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# What an Indonesian and an English reader find in their digest.
SUBJECT_STARTS = {"id": "Pemantauan: 1 terlambat", "en": "Follow-ups: 1 overdue"}
WORDS = {"id": ("Yth. Bapak/Ibu,", "TERLAMBAT", "jatuh tempo"), "en": ("Hello,", "OVERDUE", "DUE IN THE NEXT 7 DAYS")}


def message_id(pk: int) -> str:
    # DEFAULT_FROM_EMAIL's domain is localhost in the tests.
    return f"<notification-{pk}@localhost>"


def in_language(language: str, day) -> str:
    with translation.override(language):
        return formats.date_format(day, "j F Y")


def test_a_morning_run_through_the_worker_sends_each_caseworker_one_digest_in_their_language_without_personal_data(
    start_worker, smtp_server, client
):
    start_worker()  # boots while the data is written; the task waits for it in Redis
    # given three caseworkers in offices of three time zones, two reading Indonesian and one English, each with a
    # follow-up due in three days and one overdue for weeks; and Semarang's supervisor, who reads English
    overdue_on = long_overdue_date()
    semarang = caseworker_with_follow_ups(region=SEMARANG, language="id", overdue_on=[overdue_on])
    denpasar = caseworker_with_follow_ups(region=DENPASAR, language="en", overdue_on=[overdue_on])
    jayapura = caseworker_with_follow_ups(region=JAYAPURA, language="id", due_in_days=(3, 5), overdue_on=[overdue_on])
    caseloads = [semarang, denpasar, jayapura]
    supervisor = supervisor_of(semarang.district, language="en")

    # when the morning run is queued as beat queues it
    notifications_compose_task.delay()

    # then each caseworker gets one digest, and the supervisor one escalation per level (overdue by over 14 and
    # over 28 days) for the Semarang case only: the other districts have no staff to tell
    received = smtp_server.wait_for(5)
    by_recipient = Counter(r for message in received for r in message.rcpt_tos)
    assert by_recipient == {semarang.user.email: 1, denpasar.user.email: 1, jayapura.user.email: 1, supervisor.email: 2}
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}

    for caseload in caseloads:
        (email,) = [m for m in received if m.rcpt_tos == (caseload.user.email,)]
        message = email.message
        body = message.get_body(preferencelist=("plain",)).get_content()
        row = Notification.objects.get(recipient=caseload.user)
        assert row.kind == "follow_ups_due"
        # the email is the ledger's row, recognisable as such on a repeat
        assert message["Message-ID"] == message_id(row.pk)
        # a reminder one may switch off says how, in the header mail programs show as a button
        assert message["List-Unsubscribe"].strip().startswith(f"<{settings.SITE_URL}/notifications/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # every case number with the link to its follow-up in the admin; nobody else's case
        for follow_up in caseload.follow_ups:
            assert follow_up.case.number in body
            assert admin_link("admin:programs_followup_change", follow_up.pk) in body
        for other in caseloads:
            if other is not caseload:
                assert not any(case.number in body for case in other.cases)
        # in the reader's language, words and dates; "today" is the office's own date
        language, other_language = (caseload.user.language, {"id": "en", "en": "id"}[caseload.user.language])
        assert message["Subject"].startswith(SUBJECT_STARTS[language])
        assert all(word in body for word in WORDS[language])
        assert not any(word in body for word in WORDS[other_language])
        assert in_language(language, overdue_on) in body
        assert in_language(other_language, overdue_on) not in body
        today = timezone.now().astimezone(ZoneInfo(caseload.office.region.time_zone)).date()
        assert row.period == today.isoformat()
        assert in_language(language, today) in body

    escalations = [m for m in received if m.rcpt_tos == (supervisor.email,)]
    (follow_up,) = [f for f in semarang.follow_ups if f.due_on == overdue_on]
    levels = Notification.objects.filter(recipient=supervisor, kind="follow_up_escalated")
    assert sorted(levels.values_list("period", flat=True)) == ["level-1", "level-2"]
    assert {m.message["Message-ID"] for m in escalations} == {message_id(row.pk) for row in levels}
    for email in escalations:
        message = email.message
        body = message.get_body(preferencelist=("plain",)).get_content()
        # an escalation cannot be switched off by the person it is about
        assert "List-Unsubscribe" not in message
        assert follow_up.case.number in body
        assert admin_link("admin:cases_case_change", follow_up.case.pk) in body
        assert message["Subject"].startswith("Escalation: follow-up of case")
        assert in_language("en", overdue_on) in body

    # and the header's one-click link, as it arrived, switches the digest off for its reader (RFC 8058)
    (email,) = [m for m in received if m.rcpt_tos == (denpasar.user.email,)]
    link = email.message["List-Unsubscribe"].strip().strip("<>")
    response = client.post(link.removeprefix(settings.SITE_URL), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    assert list(NotificationOptOut.objects.values_list("user", "kind")) == [(denpasar.user.pk, "follow_ups_due")]

    # and no email carries anything about the people: not their name, NIK, phone, address or target group
    for caseload in caseloads:
        for person in caseload.people:
            for value in personal_data(person):
                assert not [m.rcpt_tos for m in received if value.casefold() in m.text.casefold()], value
