"""The admin's case list at national scale: a page costs the same whatever the scope holds. It is never counted,
its filters' choices never read the cases, a case number is searched by its beginning on an index, and only what
the list shows is read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Role
from cases.admin import CaseAdmin
from cases.models import Case
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory, SiteFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/cases/case/"


@pytest.fixture
def jatim(db):
    return AgencyFactory(name="Dinas Sosial Provinsi Jawa Timur", province_office=True, region=RegionFactory(code="35"))


@pytest.fixture
def province_client(signed_in, jatim):
    return signed_in(MembershipFactory(role=Role.PROVINCE_STAFF, agency=jatim).user)


@pytest.fixture
def staff_client(signed_in, banyuwangi_staff):
    return signed_in(banyuwangi_staff)


def _queries(client, url=LIST, data=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _cases(owner, count: int, **fields) -> list[Case]:
    return [CaseFactory(owner=owner, site=SiteFactory(), **fields) for _ in range(count)]


def test_a_page_of_3_cases_and_a_page_of_30_cost_the_same_queries(staff_client, province_client, banyuwangi):
    _cases(banyuwangi, 3)
    _queries(staff_client)  # the first page of a process also looks up what it keeps (content types)
    few = (len(_queries(staff_client)), len(_queries(province_client)))

    _cases(banyuwangi, 27)
    many = (len(_queries(staff_client)), len(_queries(province_client)))

    assert many == few


def test_the_list_is_never_counted(staff_client, banyuwangi):
    _cases(banyuwangi, 3)

    queries = _queries(staff_client)

    assert not [sql for sql in queries if "COUNT(" in sql.upper()]


def test_a_longer_list_links_the_next_page_without_a_total(staff_client, banyuwangi, monkeypatch):
    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)
    newest_first = list(reversed(_cases(banyuwangi, 3)))

    first = staff_client.get(LIST)
    second = staff_client.get(LIST, {"p": 2})

    assert [c.pk for c in first.context["cl"].result_list] == [c.pk for c in newest_first[:2]]
    page = first.content.decode()
    assert "Berikutnya" in page and "?p=2" in page and "Sebelumnya" not in page
    assert [c.pk for c in second.context["cl"].result_list] == [newest_first[2].pk]
    page = second.content.decode()
    assert "Sebelumnya" in page and "Berikutnya" not in page and "Halaman 2" in page
    assert "3 kasus" not in page  # no total anywhere


def test_no_filter_reads_the_cases_for_its_choices(province_client, banyuwangi):
    _cases(banyuwangi, 3)

    queries = _queries(province_client)

    # The page's own rows are the only read of the cases table.
    assert len([sql for sql in queries if 'FROM "cases_case"' in sql]) == 1


def test_the_owner_filter_offers_the_offices_of_the_province(province_client, banyuwangi, semarang):
    jember = DistrictOfficeFactory(name="Dinas Sosial Kabupaten Jember", region=RegionFactory(code="35.09"))
    mine = CaseFactory(owner=jember)
    CaseFactory(owner=banyuwangi)

    page = province_client.get(LIST).content.decode()
    filtered = province_client.get(LIST, {"owner": jember.pk})

    assert "Dinas Sosial Kabupaten Jember" in page and "Dinas Sosial Kabupaten Banyuwangi" in page
    assert "Dinas Sosial Kota Semarang" not in page  # another province's office
    assert list(filtered.context["cl"].result_list) == [mine]


def test_the_caseworker_filter_finds_mine_and_those_nobody_works_on(signed_in, banyuwangi, banyuwangi_staff):
    client = signed_in(banyuwangi_staff)
    mine = CaseFactory(owner=banyuwangi, caseworker=banyuwangi_staff)
    nobodys = CaseFactory(owner=banyuwangi, caseworker=None)

    page = client.get(LIST).content.decode()

    assert "Kasus saya" in page and "Belum ada pendamping" in page
    assert list(client.get(LIST, {"caseworker": "me"}).context["cl"].result_list) == [mine]
    assert list(client.get(LIST, {"caseworker": "none"}).context["cl"].result_list) == [nobodys]


def _search(client, term):
    response = client.post("/admin/cases/case/search/", {"q": term})
    return client.get(response["Location"])


def test_a_case_number_or_its_beginning_finds_the_cases_it_begins(staff_client, banyuwangi):
    first, second, other = CaseFactory(owner=banyuwangi), CaseFactory(owner=banyuwangi), CaseFactory(owner=banyuwangi)
    Case.objects.filter(pk=first.pk).update(number="35.10-2026-00011")
    Case.objects.filter(pk=second.pk).update(number="35.10-2026-00012")
    Case.objects.filter(pk=other.pk).update(number="35.10-2026-00120")

    exact = _search(staff_client, "35.10-2026-00012")
    prefix = _search(staff_client, " 35.10-2026-0001 ")

    assert [c.number for c in exact.context["cl"].result_list] == ["35.10-2026-00012"]
    assert sorted(c.number for c in prefix.context["cl"].result_list) == ["35.10-2026-00011", "35.10-2026-00012"]


def test_a_piece_from_the_middle_of_a_number_finds_nothing(staff_client, banyuwangi):
    case = CaseFactory(owner=banyuwangi)

    response = _search(staff_client, case.number[3:])

    assert list(response.context["cl"].result_list) == []


def test_a_number_prefix_is_searched_on_the_pattern_index(staff_client, banyuwangi):
    CaseFactory(owner=banyuwangi)
    rows = Case.objects.filter(number__startswith="35.10-2026-").order_by("-created_at", "-id")[:101]
    sql, params = rows.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table of a few rows would be read whole anyway
        cursor.execute("SET LOCAL enable_indexscan = off")  # not the newest-first walk: the prefix's own index
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "case_number_prefix" in plan


def test_the_list_reads_only_what_it_shows(staff_client, banyuwangi):
    _cases(banyuwangi, 2)

    page_query = next(sql for sql in _queries(staff_client) if 'FROM "cases_case"' in sql and "LIMIT" in sql)

    # Not the person's encrypted fields (each a Fernet decryption per row), nor the case page's relations.
    assert not re.search(r'"cases_person"\."(nik|phone|address)"', page_query)
    assert "agencies_region" not in page_query and "current_site" not in page_query.split("FROM")[1]


def test_the_newest_first_order_is_an_index(staff_client):
    rows = Case.objects.order_by("-created_at", "-id")[:101]
    sql, params = rows.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "case_newest_first" in plan and "Sort" not in plan


def test_the_names_a_page_shows_are_read_in_one_statement(staff_client, banyuwangi, banyuwangi_staff):
    cases = _cases(banyuwangi, 3, caseworker=banyuwangi_staff)

    response = staff_client.get(LIST)
    queries = _queries(staff_client)

    # Owning and registering offices, target group, site and caseworker: one UNION ALL, not a query per relation.
    named = [sql for sql in queries if "UNION ALL" in sql and "agencies_user" in sql]
    assert len(named) == 1
    assert all(table in named[0] for table in ("agencies_agency", "cases_targetgroup", "cases_site", "agencies_user"))
    assert not [sql for sql in queries if '"cases_site"."id" IN' in sql and "UNION" not in sql]
    page = response.content.decode()
    for case in cases:
        assert case.site.name in page and str(case.target_group) in page
    assert banyuwangi_staff.username in page and banyuwangi.name in page


@pytest.mark.parametrize("lean", [True, False], ids=["lean filters", "plain filters"])
def test_the_filters_choices_are_read_in_one_statement(province_client, jatim, banyuwangi, lean, settings):
    """Offices and sites of the reader's province and the target groups: one UNION ALL (ADMIN_LEAN_FILTERS), where
    each filter read its own; the same choices either way (tests/admin/test_admin_chrome.py holds the pages equal).
    A page is then 8 statements: session, account, the session's second-factor device (django-otp), grants, the
    choices, the page, the names, the access log."""
    settings.ADMIN_LEAN_FILTERS = lean
    jember = DistrictOfficeFactory(name="Dinas Sosial Kabupaten Jember", region=RegionFactory(code="35.09"))
    _cases(banyuwangi, 2)
    _queries(province_client)  # the first page of a process also looks up what it keeps (content types)

    queries = _queries(province_client)

    choices = [sql for sql in queries if "UNION ALL" in sql and '"list_code"' in sql]
    alone = [
        sql
        for sql in queries
        if "UNION" not in sql and ('FROM "cases_site"' in sql or 'FROM "cases_targetgroup"' in sql)
    ]
    assert (len(choices), len(alone), len(queries)) == ((1, 0, 8) if lean else (0, 2, 10))
    page = province_client.get(LIST).content.decode()
    assert f'?owner={jember.pk}"' in page and f'?owner={banyuwangi.pk}"' in page
