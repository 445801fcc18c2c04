"""The breach register's escalations through the real parts (issue 18 item 10): written at the 24, 48 and 66 hour
marks after an incident's detection, sent by a Celery worker process to an SMTP server, each once, and no more once
the subjects and the authority have been notified; the five-minute beat task itself runs in the worker too."""

import datetime

import pytest
from django.utils import timezone

from agencies import incidents, notifications
from agencies.models import Incident, Notification, Role
from agencies.reminders import incident_escalations
from agencies.tasks import incident_escalations_task
from tests.agencies.factories import AgencyFactory, MembershipFactory
from tests.cases.factories import DistrictOfficeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOUR = datetime.timedelta(hours=1)


def escalate_at(moment: datetime.datetime) -> None:
    """What the beat's task does, at a chosen moment: write the escalations due, then queue them for the worker."""
    notifications.notifications_compose(now=moment, composers=[incident_escalations])
    notifications.notifications_dispatch()


def test_each_mark_reaches_its_people_once_through_the_worker_and_stops_once_notified(start_worker, smtp_server):
    start_worker()
    jateng = AgencyFactory(name="Dinas Sosial Provinsi Jawa Tengah", province_office=True)
    semarang = DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")
    officer = MembershipFactory(role=Role.DATA_PROTECTION_OFFICER, agency=jateng).user
    province = MembershipFactory(role=Role.PROVINCE_STAFF, agency=jateng).user
    head = MembershipFactory(role=Role.LEADERSHIP_VIEWER, agency=jateng).user
    detected = timezone.now() - 2 * HOUR
    incident = Incident.objects.create(
        agency=semarang,
        title="Daftar penerima bantuan terkirim ke nomor yang salah",
        detected_at=detected,
        description="Berkas berisi nama dan NIK dikirim ke nomor WhatsApp yang salah.",
        data_categories=["name", "nik", "financial"],
        recorded_by=officer,
    )

    escalate_at(detected + 23 * HOUR)
    escalate_at(detected + 24 * HOUR)
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [(officer.email,)]
    escalate_at(detected + 48 * HOUR)
    assert len(smtp_server.wait_for(3)) == 3
    escalate_at(detected + 66 * HOUR)
    escalate_at(detected + 67 * HOUR)  # the same mark again: nothing new
    received = smtp_server.wait_for(6)

    by_person = sorted((r, m.message["Subject"]) for m in received for r in m.rcpt_tos)
    assert [who for who, _subject in by_person].count(officer.email) == 3
    assert [who for who, _subject in by_person].count(province.email) == 2
    assert [who for who, _subject in by_person].count(head.email) == 1
    assert len(received) == 6
    link = notifications.admin_link("admin:agencies_incident_change", incident.pk)
    for email in received:
        message = email.message
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert incident.reference in message["Subject"]
        assert "List-Unsubscribe" not in message  # an escalation cannot be switched off
        assert incident.title not in email.text and "NIK" not in body  # the reference and a link, not what leaked
        assert (link in body) == (email.rcpt_tos != (head.email,))  # the heads read no incident: no link
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}

    # once both notices are recorded, the clock stops: a later run writes nothing
    now = timezone.now()
    incidents.incident_subjects_notify(actor=officer, incident=incident, notified_at=now, channel="Surat")
    incidents.incident_authority_notify(actor=officer, incident=incident, notified_at=now, reference="PDP/1")
    escalate_at(detected + 70 * HOUR)

    # and the beat's own task, run by the worker at the real time, escalates an incident detected 25 hours ago
    later = Incident.objects.create(
        agency=semarang,
        title="Ponsel pendamping hilang",
        detected_at=timezone.now() - 25 * HOUR,
        description="-",
        data_categories=["contact"],
        recorded_by=officer,
    )
    incident_escalations_task.delay()
    received = smtp_server.wait_for(7)
    assert len(received) == 7
    assert later.reference in received[-1].message["Subject"] and received[-1].rcpt_tos == (officer.email,)
    assert Notification.objects.filter(subject=f"agencies.incident:{incident.pk}").count() == 6
