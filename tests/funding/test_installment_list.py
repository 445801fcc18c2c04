"""The installment list: each row says where its payment stands, and requesting payment says what it did, row
by row: made, already requested or paid, or refused (issue 12 §6)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from funding import services
from funding.models import Disbursement
from tests.funding.factories import pay, request_payment
from tests.funding.pages import messages_of, visible_text

pytestmark = pytest.mark.django_db

LIST = "/admin/funding/installment/"


def request_action(client, installments):
    return client.post(
        LIST, {"action": "request_disbursement", "_selected_action": [i.pk for i in installments]}, follow=True
    )


def test_requesting_three_installments_of_which_two_are_paid_says_one_was_requested(client, staff, approver, allowance):
    pay(staff, approver, allowance, 1)
    pay(staff, approver, allowance, 2)
    client.force_login(staff)

    response = request_action(client, allowance.installments.all())

    assert Disbursement.objects.count() == 3
    assert messages_of(response) == [
        "1 pencairan diajukan.",
        "2 tahap pembayaran sudah memiliki pencairan (Dibayar): tidak diajukan lagi.",
    ]


def test_requesting_an_installment_already_requested_makes_nothing_new(client, staff, allowance):
    request_payment(staff, allowance, 1)
    client.force_login(staff)

    response = request_action(client, allowance.installments.filter(number=1))

    assert Disbursement.objects.count() == 1
    assert messages_of(response) == ["1 tahap pembayaran sudah memiliki pencairan (Diajukan): tidak diajukan lagi."]


def test_a_rejected_installment_is_requested_again(client, staff, approver, allowance):
    services.disbursement_reject(
        actor=approver, disbursement=request_payment(staff, allowance), reason="Salah rekening"
    )
    client.force_login(staff)

    response = request_action(client, allowance.installments.filter(number=1))

    assert messages_of(response) == ["1 pencairan diajukan."]


def test_a_refused_request_is_named_and_not_counted(client, staff, allowance):
    services.entitlement_cancel(actor=staff, entitlement=allowance)
    client.force_login(staff)

    response = request_action(client, allowance.installments.filter(number=1))

    [refusal] = messages_of(response)
    assert refusal.endswith("Hak bantuan ini telah dibatalkan.") and "diajukan." not in refusal


def test_each_installment_shows_where_its_payment_stands(client, staff, approver, allowance_for):
    paid, rejected, waiting = allowance_for(), allowance_for(), allowance_for()
    pay(staff, approver, paid)
    services.disbursement_reject(actor=approver, disbursement=request_payment(staff, rejected), reason="Salah")
    request_payment(staff, waiting)
    client.force_login(staff)

    page = client.get(LIST)

    with translation.override("id"):
        shown = {
            (row.entitlement_id, row.number): str(page.context["cl"].model_admin.payment_status_shown(row))
            for row in page.context["cl"].result_list
        }
    assert shown[(paid.pk, 1)] == "Dibayar" and shown[(paid.pk, 2)] == "Belum diajukan"
    assert shown[(rejected.pk, 1)] == "Ditolak" and shown[(waiting.pk, 1)] == "Diajukan"
    text = visible_text(page.content.decode())
    assert "Status pembayaran" in text and "Belum diajukan" in text


def test_a_rejected_then_requested_again_installment_shows_its_latest_disbursement(client, staff, approver, allowance):
    services.disbursement_reject(actor=approver, disbursement=request_payment(staff, allowance), reason="Salah")
    request_payment(staff, allowance)
    client.force_login(staff)

    [first] = [row for row in client.get(LIST).context["cl"].result_list if row.number == 1]

    assert first.payment_status == Disbursement.Status.REQUESTED


def test_the_status_column_costs_no_query_per_row(client, staff, approver, allowance_for):
    client.force_login(staff)
    pay(staff, approver, allowance_for())
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(3):
        pay(staff, approver, allowance_for())
    with CaptureQueriesContext(connection) as more:
        client.get(LIST)

    assert len(more) == len(few)


def test_the_list_filters_installments_not_yet_requested(client, staff, approver, allowance):
    pay(staff, approver, allowance, 1)
    client.force_login(staff)

    rows = client.get(LIST, {"payment": "none"}).context["cl"].result_list

    assert sorted(row.number for row in rows) == [2, 3]
