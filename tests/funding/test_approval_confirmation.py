"""Approving several disbursements at once from the list: a confirmation page first lists each one with its amount
and the total in Rupiah, and apart, with why, those the approver cannot approve; only confirming approves, each
through the service, and the messages count what was approved (issue 12 §5, DESIGN §9)."""

import pytest

from agencies.models import AuditEvent, Role
from funding import services
from funding.models import Disbursement
from tests.agencies.factories import MembershipFactory
from tests.funding.factories import request_payment
from tests.funding.pages import messages_of, visible_text

pytestmark = pytest.mark.django_db

S = Disbursement.Status
LIST = "/admin/funding/disbursement/"


def approve_action(client, disbursements, **extra):
    return client.post(
        LIST, {"action": "approve", "_selected_action": [d.pk for d in disbursements], **extra}, follow=True
    )


@pytest.fixture
def two_requests(colleague, allowance_for):
    """Two Rp600.000 installments of two cases, requested by a Semarang colleague."""
    return [request_payment(colleague, allowance_for()), request_payment(colleague, allowance_for())]


@pytest.fixture
def checker(staff, jateng):
    """Semarang's district staff who is also a finance approver at the province office, over Semarang too."""
    MembershipFactory(user=staff, role=Role.FINANCE_APPROVER, agency=jateng)
    return staff


@pytest.fixture
def own_request(checker, allowance_for):
    """A request the checker made themselves, as district staff."""
    return request_payment(checker, allowance_for())


def statuses(disbursements) -> list[str]:
    return [Disbursement.objects.get(pk=d.pk).status for d in disbursements]


def test_the_approve_action_first_lists_each_disbursement_and_the_total(client, approver, two_requests):
    client.force_login(approver)

    page = approve_action(client, two_requests)

    text = visible_text(page.content.decode())
    for disbursement in two_requests:
        assert f"Pencairan #{disbursement.pk}" in text
        assert disbursement.installment.entitlement.case.number in text
    assert "Jaminan hidup (jadup)" in text and "1/3" in text
    assert "Rp600.000" in text and "Rp1.200.000" in text
    assert statuses(two_requests) == [S.REQUESTED, S.REQUESTED]


def test_what_the_approver_may_not_approve_is_listed_apart_with_why(
    client, approver, checker, two_requests, own_request
):
    services.disbursement_approve(actor=approver, disbursement=two_requests[1])
    client.force_login(checker)

    page = approve_action(client, [*two_requests, own_request])

    approvable, _, refused = visible_text(page.content.decode()).partition("Tidak disetujui")
    assert f"Pencairan #{two_requests[0].pk}" in approvable and "Rp600.000" in approvable
    assert f"Pencairan #{own_request.pk}" in refused and f"Pencairan #{own_request.pk}" not in approvable
    assert f"Pencairan #{two_requests[1].pk}" in refused
    assert "Pengaju tidak dapat menyetujui pengajuannya sendiri." in refused
    assert page.context["total"] == 600_000


def test_confirming_approves_each_one_and_says_how_many_and_how_much(client, approver, two_requests):
    client.force_login(approver)

    response = approve_action(client, two_requests, post="yes")

    assert statuses(two_requests) == [S.APPROVED, S.APPROVED]
    assert "2 pencairan disetujui, seluruhnya Rp1.200.000." in messages_of(response)
    assert AuditEvent.objects.filter(action="funding.disbursement.approved").count() == 2


def test_confirming_counts_only_what_was_approved_and_says_why_not_for_the_rest(
    client, checker, two_requests, own_request
):
    client.force_login(checker)

    response = approve_action(client, [two_requests[0], own_request], post="yes")

    assert statuses([two_requests[0], own_request]) == [S.APPROVED, S.REQUESTED]
    said = messages_of(response)
    assert "1 pencairan disetujui, seluruhnya Rp600.000." in said
    assert any(message.startswith(f"Pencairan #{own_request.pk} tidak disetujui") for message in said)


def test_the_confirmation_posts_back_only_what_may_be_approved(client, checker, two_requests, own_request):
    client.force_login(checker)

    page = approve_action(client, [*two_requests, own_request]).content.decode()

    assert page.count('name="_selected_action"') == 2
    assert f'name="_selected_action" value="{own_request.pk}"' not in page
    assert 'name="post" value="yes"' in page and 'name="action" value="approve"' in page


def test_district_staff_are_not_offered_the_approve_action(client, staff, two_requests):
    client.force_login(staff)

    page = client.get(LIST).content.decode()

    assert 'value="approve"' not in page
