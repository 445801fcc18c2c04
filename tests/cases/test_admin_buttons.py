"""The buttons on a case's and a referral's page lead where they say, followed as a browser follows them."""

import re
from urllib.parse import urljoin

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, Consent, Referral
from tests.cases.factories import IntakeFactory, referred

pytestmark = pytest.mark.django_db

NIK = "3374014501900001"


@pytest.fixture
def case(staff):
    return IntakeFactory(actor=staff, nik=NIK).case


@pytest.fixture
def referral(staff, case, lentera):
    """A pending referral of `case` to the NGO, with the person's consent to share with it."""
    return referred(staff, case, lentera, kind=Referral.Kind.NGO_MENTORING, reason="Pendampingan usaha")


def object_tools(page: str) -> list[tuple[str, str]]:
    """The page's buttons above the form, as (method, target) pairs: links are GETs, forms their own method."""
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', page, re.S)
    assert tools, "the page has no buttons"
    found = []
    for tag in re.finditer(r"<(a|form)\b[^>]*>", tools.group(1)):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0)))
        if tag.group(1) == "a":
            found.append(("get", attributes["href"]))
        else:
            found.append((attributes.get("method", "get").lower(), attributes["action"]))
    return found


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# The case page


def test_every_button_on_the_case_page_opens_its_page(signed_in, staff, case):
    client = signed_in(staff)
    page_url = f"/admin/cases/case/{case.pk}/change/"

    buttons = object_tools(_page(client, page_url))

    # note, assessment, move, refer, consent, person, show NIK, correction request (issue 18), history
    assert len(buttons) == 9
    for method, target in buttons:
        assert method == "get"
        assert client.get(urljoin(page_url, target)).status_code == 200, target


def test_a_button_address_made_from_the_change_page_is_not_found_not_an_error(signed_in, staff, case):
    client = signed_in(staff)

    for button in ["move", "refer", "consent", "reveal-nik", "correction"]:
        response = client.get(f"/admin/cases/case/{case.pk}/change/{button}/")

        assert response.status_code == 404, button


def test_the_shown_nik_leads_back_to_the_case(signed_in, staff, case):
    client = signed_in(staff)
    nik_url = f"/admin/cases/case/{case.pk}/reveal-nik/"

    page = client.post(nik_url).content.decode()

    back = re.search(r'<a class="button" href="([^"]+)"', page).group(1)
    assert urljoin(nik_url, back) == f"/admin/cases/case/{case.pk}/change/"


# The referral page: answered where it is read


def test_the_receiving_agency_gets_accept_and_decline_on_a_pending_referral(signed_in, ngo_caseworker, referral):
    client = signed_in(ngo_caseworker)
    page_url = f"/admin/cases/referral/{referral.pk}/change/"

    buttons = object_tools(_page(client, page_url))

    assert ("post", f"/admin/cases/referral/{referral.pk}/accept/") in buttons
    assert ("get", f"/admin/cases/referral/{referral.pk}/decline/") in buttons
    assert not any(target.endswith("/complete/") for _, target in buttons)


def test_accepting_from_the_referral_page(signed_in, ngo_caseworker, referral):
    client = signed_in(ngo_caseworker)
    page = _page(client, f"/admin/cases/referral/{referral.pk}/change/")
    accept = dict(object_tools(page))["post"]

    response = client.post(accept)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases/referral/{referral.pk}/change/"
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED


def test_declining_from_the_referral_page_asks_for_the_reason(signed_in, ngo_caseworker, referral):
    client = signed_in(ngo_caseworker)
    page_url = f"/admin/cases/referral/{referral.pk}/change/"
    decline = next(target for method, target in object_tools(_page(client, page_url)) if target.endswith("decline/"))
    form_url = urljoin(page_url, decline)
    assert 'name="reason"' in _page(client, form_url)

    without_reason = client.post(form_url, {"reason": ""})
    declined = client.post(form_url, {"reason": "Kuota pendampingan penuh"})

    assert without_reason.status_code == 200
    assert declined.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (Referral.Status.DECLINED, "Kuota pendampingan penuh")


def test_the_referring_agency_cannot_answer_its_own_referral(signed_in, staff, referral):
    buttons = object_tools(_page(signed_in(staff), f"/admin/cases/referral/{referral.pk}/change/"))

    assert not any(target.endswith(("/accept/", "/decline/", "/complete/")) for _, target in buttons)


def test_an_accepted_referral_can_be_marked_completed_from_its_page(signed_in, ngo_caseworker, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)
    client = signed_in(ngo_caseworker)
    buttons = object_tools(_page(client, f"/admin/cases/referral/{referral.pk}/change/"))
    assert not any(target.endswith(("/accept/", "/decline/")) for _, target in buttons)
    complete = next(target for method, target in buttons if method == "post" and target.endswith("/complete/"))

    client.post(complete)

    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.COMPLETED


def test_accepting_an_answered_referral_says_why_on_the_page(signed_in, ngo_caseworker, referral):
    services.referral_decline(actor=ngo_caseworker, referral=referral, reason="Kuota penuh")

    response = signed_in(ngo_caseworker).post(f"/admin/cases/referral/{referral.pk}/accept/")

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.DECLINED


def test_a_referral_is_not_accepted_by_following_a_link(signed_in, ngo_caseworker, referral):
    response = signed_in(ngo_caseworker).get(f"/admin/cases/referral/{referral.pk}/accept/")

    assert response.status_code == 200  # a page asking to confirm
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.PENDING


def test_the_case_page_links_to_its_referrals_pages(signed_in, staff, case, referral):
    client = signed_in(staff)

    page = _page(client, f"/admin/cases/case/{case.pk}/change/")

    assert f'href="/admin/cases/referral/{referral.pk}/change/"' in page
    assert client.get(f"/admin/cases/referral/{referral.pk}/change/").status_code == 200


def test_the_receiving_agency_is_not_led_to_a_case_it_cannot_see_yet(signed_in, ngo_caseworker, case, referral):
    page = _page(signed_in(ngo_caseworker), f"/admin/cases/referral/{referral.pk}/change/")

    assert f"/admin/cases/case/{case.pk}/" not in page
    assert case.number in page


def test_once_accepted_the_referral_page_opens_the_case(signed_in, ngo_caseworker, case, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)
    client = signed_in(ngo_caseworker)
    page_url = f"/admin/cases/referral/{referral.pk}/change/"

    targets = [urljoin(page_url, target) for _, target in object_tools(_page(client, page_url))]

    assert f"/admin/cases/case/{case.pk}/change/" in targets
    assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200


@pytest.mark.parametrize(
    "page",
    ["list", "case", "import", "move", "refer", "consent", "reveal-nik", "referral", "person"],
)
def test_every_link_on_a_case_page_leads_to_a_page(signed_in, staff, case, referral, page):
    client = signed_in(staff)
    page_url = {
        "list": "/admin/cases/case/",
        "case": f"/admin/cases/case/{case.pk}/change/",
        "import": "/admin/cases/case/import/",
        "referral": f"/admin/cases/referral/{referral.pk}/change/",
        "person": f"/admin/cases/person/{case.person_id}/change/",
    }.get(page, f"/admin/cases/case/{case.pk}/{page}/")

    links = re.findall(r'href="([^"#][^"]*)"', _page(client, page_url))

    for link in {urljoin(page_url, link) for link in links if urljoin(page_url, link).startswith("/admin/cases/")}:
        response = client.get(link)
        # Django answers a missing row by sending the person home: that is a dead link too.
        assert response.status_code == 200 or response["Location"] not in ("/admin/", ""), f"{link} on {page_url}"


def test_who_recorded_what_is_named_not_linked_to_an_account_page(signed_in, staff, case):
    services.case_note_add(actor=staff, case=case, body="Kunjungan rumah")
    services.case_transition(actor=staff, case=case, to=Case.Stage.ASSESSED, reason="Asesmen awal")
    client = signed_in(staff)
    consent = services.consent_give(
        actor=staff, person=case.person, purpose=Consent.Purpose.PROCESSING, agency=None, given_on=timezone.localdate()
    )

    for url in [f"/admin/cases/case/{case.pk}/change/", f"/admin/cases/consent/{consent.pk}/change/"]:
        page = _page(client, url)

        assert 'href="/admin/agencies/user/' not in page, url
        assert staff.get_username() in page, url
