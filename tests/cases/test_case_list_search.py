"""The case list: its views are in the auditors' trail, and a search never puts the searched term into a URL."""

import re

import pytest
from qsessions.models import Session

from agencies.models import AuditEvent, Role
from tests.agencies.factories import AgencyFactory, MembershipFactory
from tests.cases.factories import IntakeFactory

pytestmark = pytest.mark.django_db

NIK = "3374014501900001"
LIST = "/admin/cases/case/"
SEARCH = "/admin/cases/case/search/"


@pytest.fixture
def case(staff):
    return IntakeFactory(actor=staff, full_name="Siti Aminah", nik=NIK).case


@pytest.fixture
def other_case(staff):
    return IntakeFactory(actor=staff, full_name="Dewi Lestari").case


def _urls_in(page: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', page)


# Every list view is in the trail of the auditors of the viewer's jurisdiction


def test_a_case_list_view_is_filed_under_the_viewers_agency(client, staff, semarang, case):
    client.force_login(staff)

    client.get(LIST)

    event = AuditEvent.objects.get(action="cases.case.listed")
    assert (event.actor_user, event.agency, event.data) == (staff, semarang, {"count": 1})


def test_the_province_auditor_sees_the_district_staffs_list_view_in_the_trail(client, staff, case):
    auditor = MembershipFactory(role=Role.AUDITOR, agency=AgencyFactory(province_office=True)).user
    client.force_login(staff)
    client.get(LIST)
    client.force_login(auditor)

    trail = client.get("/admin/agencies/auditevent/", {"action": "cases.case.listed"})

    assert [(e.action, e.actor_user) for e in trail.context["cl"].result_list] == [("cases.case.listed", staff)]


def test_an_auditor_of_another_province_does_not_see_it(client, staff, case):
    auditor = MembershipFactory(role=Role.AUDITOR, agency=AgencyFactory(province_office=True, region__code="35")).user
    client.force_login(staff)
    client.get(LIST)
    client.force_login(auditor)

    trail = client.get("/admin/agencies/auditevent/", {"action": "cases.case.listed"})

    assert list(trail.context["cl"].result_list) == []


# Searching keeps the term on the server


def _search(client, term, **filters):
    return client.post(SEARCH, {"q": term, **filters})


def test_searching_a_nik_keeps_it_out_of_every_url(client, staff, case, other_case):
    client.force_login(staff)

    searched = _search(client, NIK)
    result = client.get(searched["Location"])

    assert searched.status_code == 302
    assert NIK not in searched["Location"]
    assert re.fullmatch(r"/admin/cases/case/\?s=[\w-]+", searched["Location"])
    assert list(result.context["cl"].result_list) == [case]
    page = result.content.decode()
    assert [url for url in _urls_in(page) if NIK in url] == []
    assert f'value="{NIK}"' in page  # the box still shows what was typed


def test_the_session_table_holds_the_searched_nik_only_encrypted(client, staff, case):
    client.force_login(staff)

    result = client.get(_search(client, NIK)["Location"])

    stored = Session.objects.get(session_key=client.session.session_key).session_data
    assert NIK not in stored
    assert NIK not in str(client.session.load())
    assert list(result.context["cl"].result_list) == [case]


def test_a_partial_nik_finds_nothing(client, staff, case):
    client.force_login(staff)

    result = client.get(_search(client, NIK[:8])["Location"])

    assert list(result.context["cl"].result_list) == []


def test_searching_by_case_number_through_the_box(client, staff, case, other_case):
    client.force_login(staff)

    result = client.get(_search(client, case.number)["Location"])

    assert list(result.context["cl"].result_list) == [case]


def test_a_search_keeps_the_lists_filters(client, staff, case, other_case):
    client.force_login(staff)

    searched = _search(client, case.number, stage__exact="registered")

    assert "stage__exact=registered" in searched["Location"]
    assert list(client.get(searched["Location"]).context["cl"].result_list) == [case]


def test_an_empty_search_shows_the_whole_list(client, staff, case, other_case):
    client.force_login(staff)

    searched = _search(client, "  ")

    assert searched["Location"] == LIST
    assert len(client.get(searched["Location"]).context["cl"].result_list) == 2


def test_a_key_from_another_session_searches_nothing(client, staff, case, other_case):
    client.force_login(staff)
    location = _search(client, NIK)["Location"]
    client.logout()
    client.force_login(staff)

    result = client.get(location)

    assert len(result.context["cl"].result_list) == 2
    assert NIK not in result.content.decode()


def test_a_search_typed_into_the_address_is_moved_out_of_it(client, staff, case):
    client.force_login(staff)

    response = client.get(LIST, {"q": NIK})

    assert response.status_code == 302
    assert NIK not in response["Location"]
    assert list(client.get(response["Location"]).context["cl"].result_list) == [case]


def test_the_search_box_posts_the_term(client, staff, case):
    client.force_login(staff)

    page = client.get(LIST).content.decode()

    form = re.search(r'<form id="changelist-search"[^>]*>', page).group(0)
    assert 'method="post"' in form
    assert f'action="{SEARCH}"' in form
