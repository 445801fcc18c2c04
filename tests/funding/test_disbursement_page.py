"""A disbursement's page, as the person in front of it uses it: every button there opens a working page when
followed as a browser follows it, the page offers only what the viewer may do, and approving money is confirmed
on a page showing the amount, never done by following a link (issue 12 §1, §5)."""

import pytest

from agencies.models import AuditEvent, Role
from funding import services
from funding.models import Disbursement
from tests.agencies.factories import MembershipFactory
from tests.funding.factories import pay, request_payment
from tests.funding.pages import followed, links, messages_of, object_tools, visible_text

pytestmark = pytest.mark.django_db

S = Disbursement.Status


def page_of(disbursement) -> str:
    return f"/admin/funding/disbursement/{disbursement.pk}/change/"


@pytest.fixture
def requested(staff, allowance):
    return request_payment(staff, allowance)


@pytest.fixture
def approved(requested, approver):
    return services.disbursement_approve(actor=approver, disbursement=requested)


@pytest.fixture
def paid(staff, approver, allowance):
    return pay(staff, approver, allowance)


@pytest.mark.parametrize(
    ("state", "viewer", "buttons"),
    [
        ("requested", "approver", {"Setujui", "Tolak"}),
        ("approved", "staff", {"Catat pembayaran"}),
        ("paid", "approver", {"Kuitansi", "Koreksi balik"}),
        ("paid", "staff", {"Kuitansi"}),
    ],
)
def test_every_button_on_a_disbursement_page_opens_a_working_page(request, client, state, viewer, buttons):
    disbursement = request.getfixturevalue(state)
    client.force_login(request.getfixturevalue(viewer))
    page = client.get(page_of(disbursement)).content.decode()

    tools = object_tools(page)

    assert buttons <= set(tools)
    for label, href in tools.items():
        assert followed(client, page_of(disbursement), href).status_code == 200, label


@pytest.mark.parametrize("button", ["approve", "reject", "pay", "reverse", "receipt"])
def test_a_button_url_with_a_malformed_id_is_not_found_rather_than_an_error(client, approver, paid, button):
    client.force_login(approver)

    # What a relative link on the page used to make of the id: "<id>/change".
    response = client.get(f"/admin/funding/disbursement/{paid.pk}/change/{button}/")

    assert response.status_code == 404


def test_the_receipt_prints_and_every_link_on_it_works(client, approver, paid):
    client.force_login(approver)
    url = f"/admin/funding/disbursement/{paid.pk}/receipt/"

    page = client.get(url).content.decode()

    assert "data-print" in page and "Cetak" in visible_text(page)
    assert page_of(paid) in links(page, after='class="receipt"')
    for href in links(page):
        assert followed(client, url, href).status_code == 200, href


def test_a_disbursement_not_paid_has_no_receipt(client, approver, approved):
    client.force_login(approver)

    assert "Kuitansi" not in object_tools(client.get(page_of(approved)).content.decode())
    assert client.get(f"/admin/funding/disbursement/{approved.pk}/receipt/").status_code == 404


def test_the_requesting_staff_see_no_approve_or_reject_button(client, staff, requested):
    client.force_login(staff)

    tools = object_tools(client.get(page_of(requested)).content.decode())

    assert "Setujui" not in tools and "Tolak" not in tools


def test_a_finance_approver_who_made_the_request_sees_no_approve_or_reject_button(client, staff, jateng, allowance):
    # The requester is also a finance approver at the province office, whose jurisdiction covers Semarang.
    MembershipFactory(user=staff, role=Role.FINANCE_APPROVER, agency=jateng)
    own = request_payment(staff, allowance)
    client.force_login(staff)

    tools = object_tools(client.get(page_of(own)).content.decode())

    assert "Setujui" not in tools and "Tolak" not in tools


def test_an_approved_disbursement_offers_no_approve_or_reject(client, approver, approved):
    client.force_login(approver)

    tools = object_tools(client.get(page_of(approved)).content.decode())

    assert "Setujui" not in tools and "Tolak" not in tools


def test_approve_on_the_page_first_shows_what_is_approved_and_its_amount(client, approver, requested):
    client.force_login(approver)
    approve = object_tools(client.get(page_of(requested)).content.decode())["Setujui"]

    confirmation = followed(client, page_of(requested), approve)

    text = visible_text(confirmation.content.decode())
    assert requested.installment.entitlement.case.number in text and "Rp600.000" in text
    requested.refresh_from_db()
    assert requested.status == S.REQUESTED


def test_following_the_approve_link_never_approves_even_when_it_says_yes(client, approver, requested):
    client.force_login(approver)

    client.get(f"/admin/funding/disbursement/{requested.pk}/approve/", {"post": "yes"})

    requested.refresh_from_db()
    assert requested.status == S.REQUESTED


def test_confirming_on_the_page_approves_and_goes_back_to_the_disbursement(client, approver, requested):
    client.force_login(approver)

    response = client.post(f"/admin/funding/disbursement/{requested.pk}/approve/", {"post": "yes"}, follow=True)

    requested.refresh_from_db()
    assert requested.status == S.APPROVED and requested.decided_by == approver
    assert response.redirect_chain[-1][0] == page_of(requested)
    assert "1 pencairan disetujui, seluruhnya Rp600.000." in messages_of(response)
    assert AuditEvent.objects.filter(action="funding.disbursement.approved").count() == 1


def test_confirming_an_approval_the_viewer_may_not_make_approves_nothing(client, staff, requested):
    client.force_login(staff)

    response = client.post(f"/admin/funding/disbursement/{requested.pk}/approve/", {"post": "yes"}, follow=True)

    requested.refresh_from_db()
    assert requested.status == S.REQUESTED
    assert any("tidak disetujui" in message for message in messages_of(response))


def test_reject_on_the_page_records_the_reason(client, approver, requested):
    client.force_login(approver)
    reject = object_tools(client.get(page_of(requested)).content.decode())["Tolak"]
    form_url = followed(client, page_of(requested), reject).request["PATH_INFO"]

    response = client.post(form_url, {"reason": "Nomor rekening tidak cocok"}, follow=True)

    requested.refresh_from_db()
    assert requested.status == S.REJECTED and requested.reject_reason == "Nomor rekening tidak cocok"
    assert response.redirect_chain[-1][0] == page_of(requested)


def test_the_amount_on_the_page_reads_in_rupiah(client, approver, requested):
    client.force_login(approver)

    assert "Rp600.000" in visible_text(client.get(page_of(requested)).content.decode())


def test_a_step_the_viewer_may_not_take_sends_them_back_to_the_page_saying_why(client, staff, paid):
    client.force_login(staff)

    response = client.get(f"/admin/funding/disbursement/{paid.pk}/reverse/", follow=True)

    assert response.redirect_chain[-1][0] == page_of(paid)
    assert messages_of(response) == [
        "Hanya pemberi persetujuan keuangan yang dapat melakukan koreksi balik atas pembayaran."
    ]
