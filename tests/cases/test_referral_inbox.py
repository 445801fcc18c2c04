"""The referral inbox (issue 16 item 4, DESIGN §8 "a real handshake"): the receiving office opens what waits for it,
declines only with a reason (refused on the field, by name, when empty), and the referring side is told by email
(case number only) and reads the answer, with its reason, in its referral list and on its home."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import Notification
from cases import services
from cases.models import Referral
from tests.cases.factories import IntakeFactory, referred
from tests.funding.pages import messages_of, visible_text

pytestmark = pytest.mark.django_db

REASON = "Kuota pendampingan tahun ini sudah penuh."


@pytest.fixture
def case(ngo_caseworker):
    """A case Lentera registered (Semarang owns it), with the person's name to be kept out of emails."""
    return IntakeFactory(actor=ngo_caseworker, full_name="Ratna Kumalasari").case


@pytest.fixture
def referral(ngo_caseworker, case, semarang):
    """Lentera's caseworker asks Semarang's office for a service."""
    return referred(ngo_caseworker, case, semarang)


def decline_url(referral) -> str:
    return f"/admin/cases/referral/{referral.pk}/decline/"


def test_the_inbox_lists_the_referrals_waiting_for_my_office(signed_in, staff, referral):
    page = visible_text(signed_in(staff).get("/admin/cases/referral/?inbox=mine").content.decode())

    assert referral.case.number in page and "Menunggu tanggapan" in page


def test_declining_without_a_reason_is_refused_on_the_reason_field(signed_in, staff, referral):
    response = signed_in(staff).post(decline_url(referral), {"reason": "   "})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    page = response.content.decode()
    row = page.split('<div class="form-row errors">', 1)[1].split("</div>", 2)
    assert "Alasan penolakan" in visible_text("".join(row)) and "harus diisi" in visible_text("".join(row))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.PENDING


def test_declining_with_a_reason_tells_the_referrer_by_case_number_only(
    signed_in, staff, ngo_caseworker, case, referral, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(staff).post(decline_url(referral), {"reason": REASON}, follow=True)

    assert "Rujukan telah ditolak." in messages_of(response)
    told = Notification.objects.get(kind="referral_answered", recipient=ngo_caseworker)
    assert told.period == Referral.Status.DECLINED
    sent = [message for message in mail.outbox if message.to == [ngo_caseworker.email]]
    assert len(sent) == 1 and case.number in sent[0].subject
    for text in (sent[0].subject, sent[0].body):
        assert "Ratna" not in text and "Kuota" not in text  # the person and the free-text reason stay on the page


def test_the_referrer_reads_the_answer_and_its_reason_in_the_list(signed_in, staff, ngo_caseworker, referral):
    services.referral_decline(actor=staff, referral=referral, reason=REASON)

    page = visible_text(signed_in(ngo_caseworker).get("/admin/cases/referral/?sent=answered").content.decode())

    assert referral.case.number in page and "Ditolak" in page and REASON in page


def test_the_referrers_home_counts_the_answers_of_the_past_week(signed_in, staff, ngo_caseworker, referral):
    services.referral_decline(actor=staff, referral=referral, reason=REASON)

    page = visible_text(signed_in(ngo_caseworker).get("/admin/").content.decode())

    assert "1 Tanggapan atas rujukan kantor saya, 7 hari terakhir" in page  # the count, then its label


def test_an_answer_older_than_a_week_is_off_the_home_but_in_the_list_of_all(signed_in, staff, ngo_caseworker, referral):
    services.referral_decline(actor=staff, referral=referral, reason=REASON)
    Referral.objects.filter(pk=referral.pk).update(decided_at=timezone.now() - datetime.timedelta(days=8))
    client = signed_in(ngo_caseworker)

    assert "Tanggapan atas rujukan kantor saya" not in visible_text(client.get("/admin/").content.decode())
    assert REASON in visible_text(client.get("/admin/cases/referral/?sent=mine").content.decode())
    assert referral.case.number not in visible_text(client.get("/admin/cases/referral/?sent=answered").content.decode())
