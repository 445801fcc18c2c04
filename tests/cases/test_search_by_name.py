"""Finding a person by name: one box, spelling forgiven, through the access rule, and never a name in a URL."""

import json

import pytest
from django.db import connection

from agencies.models import Role
from cases import names
from cases.models import Case, Person
from cases.services import person_update
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import DistrictOfficeFactory, IntakeFactory

pytestmark = pytest.mark.django_db

SEARCH = "/admin/cases/case/search/"
PICKER = "/admin/autocomplete/"


def _registered(staff, full_name, known_as=""):
    return IntakeFactory(actor=staff, full_name=full_name, known_as=known_as).case


def _found(client, term) -> list[str]:
    """The case numbers the list shows after `term` is typed into the search box."""
    response = client.post(SEARCH, {"q": term}, follow=True)
    assert response.status_code == 200
    return [case.number for case in response.context["cl"].result_list]


@pytest.fixture
def aminah(staff):
    return _registered(staff, "Siti Aminah")


@pytest.fixture
def lestari(staff):
    return _registered(staff, "Dewi Lestari", known_as="Ayu")


# What a search finds


def test_a_misspelt_name_finds_the_person(signed_in, staff, aminah, lestari):
    assert _found(signed_in(staff), "Sity Aminh") == [aminah.number]


def test_a_nickname_finds_the_person(signed_in, staff, aminah, lestari):
    assert _found(signed_in(staff), "ayu") == [lestari.number]


def test_the_old_spelling_finds_todays_and_back(signed_in, staff):
    old = _registered(staff, "Soekarti Djojo")
    new = _registered(staff, "Sukarti Joyo")
    client = signed_in(staff)

    assert set(_found(client, "sukarti joyo")) == {old.number, new.number}
    assert set(_found(client, "Soekarti Djojo")) == {old.number, new.number}


def test_the_best_match_comes_first(signed_in, staff):
    aminah = _registered(staff, "Siti Aminah")
    aminatun = _registered(staff, "Siti Aminatun")  # the newer one, but the worse match

    assert _found(signed_in(staff), "Sity Aminah") == [aminah.number, aminatun.number]


def test_every_word_typed_must_match(signed_in, staff, aminah):
    rahmawati = _registered(staff, "Siti Rahmawati")

    assert _found(signed_in(staff), "siti rahma") == [rahmawati.number]
    assert set(_found(signed_in(staff), "siti")) == {aminah.number, rahmawati.number}


def test_an_unlike_name_finds_nobody(signed_in, staff, aminah, lestari):
    assert _found(signed_in(staff), "Sari") == []


def test_a_renamed_person_is_found_by_the_new_name(signed_in, staff, aminah):
    person_update(actor=staff, person=aminah.person, full_name="Siti Aminah Rahayu")

    assert Person.objects.get(pk=aminah.person_id).name_key == "siti aminah rahayu "
    assert _found(signed_in(staff), "aminah rahayu") == [aminah.number]


def test_numbers_and_niks_are_still_searched_as_before(signed_in, staff, aminah, lestari):
    assert _found(signed_in(staff), aminah.number) == [aminah.number]


# Through the access rule


def test_a_person_of_another_district_is_not_found(signed_in, staff, aminah):
    kudus = DistrictOfficeFactory(name="Dinas Sosial Kabupaten Kudus")
    elsewhere = MembershipFactory(role=Role.DISTRICT_STAFF, agency=kudus).user
    theirs = _registered(elsewhere, "Siti Aminah")

    assert _found(signed_in(staff), "siti aminah") == [aminah.number]
    assert _found(signed_in(elsewhere), "siti aminah") == [theirs.number]


# Never in a URL


def test_a_searched_name_stays_out_of_every_url(signed_in, staff, aminah):
    client = signed_in(staff)

    response = client.post(SEARCH, {"q": "Siti Aminah"}, follow=True)

    assert all("Siti" not in url and "Aminah" not in url for url, _status in response.redirect_chain)
    assert "Aminah" in response.content.decode()  # shown on the page, from the session, not from the address


def test_the_header_box_posts_to_the_search(signed_in, staff):
    page = signed_in(staff).get("/admin/").content.decode()

    assert f'<form id="header-search" method="post" action="{SEARCH}"' in page


def test_whoever_sees_no_cases_gets_no_search_box(signed_in, member):
    leadership = member(Role.LEADERSHIP_VIEWER)

    assert 'id="header-search"' not in signed_in(leadership).get("/admin/").content.decode()


# The case pickers (enrolling): the same search, asked by POST


def _picked(client, term, method="post"):
    ask = {"term": term, "app_label": "programs", "model_name": "enrollment", "field_name": "case"}
    return getattr(client, method)(PICKER, ask)


def test_the_case_picker_finds_a_misspelt_name_and_shows_number_and_name(signed_in, staff, aminah, lestari):
    response = _picked(signed_in(staff), "Sity Aminah")

    assert response.status_code == 200
    assert json.loads(response.content)["results"] == [{"id": str(aminah.pk), "text": f"{aminah.number} · Siti Aminah"}]


def test_the_picker_does_not_answer_a_search_in_the_url(signed_in, staff, aminah):
    assert _picked(signed_in(staff), "Siti Aminah", method="get").status_code == 405


def test_the_pickers_ask_by_post(signed_in, staff):
    page = signed_in(staff).get("/admin/programs/enrollment/add/").content.decode()

    assert "agencies/posted_autocomplete.js" in page


# The same arithmetic in PostgreSQL and in Python (SQLite's fallback)

PAIRS = [
    ("sity", "siti aminah "),
    ("siti aminh", "siti aminah "),
    ("wulandri", "dewi wulandari "),
    ("amina siti", "siti aminah "),
    ("sari", "siti aminah "),
    ("a", "siti aminah "),
    ("dewi ayu", "dewi lestari ayu"),
    ("yoko", "yoko susilo "),
    ("", "siti "),
]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL's pg_trgm")
def test_the_python_word_similarity_is_pg_trgms():
    with connection.cursor() as cursor:
        for term, key in PAIRS:
            cursor.execute("SELECT word_similarity(%s, %s)", [term, key])
            assert names.word_similarity(term, key) == pytest.approx(cursor.fetchone()[0], abs=1e-6), (term, key)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_a_name_is_searched_on_the_trigram_index(staff, aminah):
    rows = names.resembling(Case.objects.all(), "siti aminah", "person__name_key")[:101]
    sql, params = rows.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table of a few rows would be read whole anyway
        cursor.execute("SET LOCAL enable_indexscan = off")  # nor walked whole along its primary key
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "person_name_trigrams" in plan


def test_the_key_is_the_names_in_todays_spelling():
    assert names.name_key("Soekarti DJOJO Tjahjani") == "sukarti yoyo cahyani"
