"""Reviewing a possible duplicate (issue 16 item 4): the list names both persons and their cases, the pair's page
shows them side by side with what differs marked, and only what the reader may see; "same person: merge" asks
first, naming the record kept; "not the same person" records it. Each answer goes through its service."""

import datetime

import pytest

from agencies.models import AuditEvent
from cases.models import Case, Person, PossibleDuplicate
from tests.cases.factories import CaseFactory, PersonFactory, PossibleDuplicateFactory
from tests.funding.pages import messages_of, visible_text
from tests.statements import statements

pytestmark = pytest.mark.django_db

LIST = "/admin/cases/possibleduplicate/"
NIK = "3374014501900001"


def page_of(duplicate) -> str:
    return f"{LIST}{duplicate.pk}/change/"


@pytest.fixture
def new(semarang):
    """The person flagged at intake: a planned case of Semarang's, no NIK, a nickname."""
    person = PersonFactory(
        full_name="Sulastri Wulandary", known_as="Tari", birth_year=1986, address="Jl. Argorejo 4", phone="081234567890"
    )
    CaseFactory(person=person, owner=semarang, stage=Case.Stage.PLANNED, number="33.74-2026-00101")
    return person


@pytest.fixture
def earlier(semarang):
    """The person registered before: a closed case of Semarang's, with a NIK and a birth date."""
    person = PersonFactory(
        full_name="Sulastri Wulandari",
        nik=NIK,
        birth_date=datetime.date(1986, 5, 5),
        birth_year=None,
        address="Jl. Argorejo 4",
    )
    CaseFactory(
        person=person,
        owner=semarang,
        stage=Case.Stage.CLOSED,
        close_reason=Case.CloseReason.LOST_CONTACT,
        number="33.74-2019-00007",
    )
    return person


@pytest.fixture
def pair(new, earlier):
    return PossibleDuplicateFactory(person=new, similar_to=earlier, score=95)


@pytest.fixture
def pair_across(new, banyuwangi):
    """`new` resembles a person whose case Banyuwangi owns: outside Semarang's staff's area."""
    stranger = PersonFactory(full_name="Sulastri Wulan", address="Jl. Gempol 9")
    CaseFactory(person=stranger, owner=banyuwangi, number="35.10-2026-00999")
    return PossibleDuplicateFactory(person=new, similar_to=stranger, score=88)


def read(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())


def compared(page: str) -> str:
    """The text of the side-by-side comparison only (not the menu, not the fields below it)."""
    return visible_text(page.split('<table class="pair">', 1)[1].split("</table>", 1)[0])


def row(text: str, label: str, until: str) -> str:
    """What the comparison shows on the row `label`, up to the next row's label."""
    return text.split(label, 1)[1].split(until, 1)[0].strip()


# The list


def test_the_list_names_both_persons_and_their_case_numbers(signed_in, staff, pair):
    text = read(signed_in(staff), f"{LIST}?status__exact=open")

    assert "Sulastri Wulandary (kasus 33.74-2026-00101)" in text
    assert "Sulastri Wulandari (kasus 33.74-2019-00007)" in text
    assert f"Peninjauan #{pair.pk}" in text
    assert "Orang #" not in text


def test_the_list_says_outside_your_area_instead_of_naming_a_person_out_of_scope(signed_in, staff, pair_across):
    text = read(signed_in(staff), LIST)

    assert "Sulastri Wulandary (kasus 33.74-2026-00101)" in text
    assert "di luar wilayah Anda" in text
    assert "Sulastri Wulan " not in text and "35.10-2026-00999" not in text


def test_the_list_reads_in_the_same_statements_however_many_pairs(signed_in, staff, semarang, pair):
    client = signed_in(staff)
    client.get(LIST)  # warm the per-process caches
    once = statements(lambda: client.get(LIST))
    for _ in range(5):
        a, b = PersonFactory(), PersonFactory()
        CaseFactory(person=a, owner=semarang), CaseFactory(person=b, owner=semarang)
        PossibleDuplicateFactory(person=a, similar_to=b)

    assert statements(lambda: client.get(LIST)) == once


def test_reading_the_list_is_logged(signed_in, staff, pair):
    read(signed_in(staff), LIST)

    assert AuditEvent.objects.filter(action="cases.possible_duplicate.listed", data__count=1).count() == 1


# The pair's page


def test_the_page_shows_both_persons_side_by_side_and_marks_what_differs(signed_in, staff, pair):
    response = signed_in(staff).get(page_of(pair))
    page = response.content.decode()
    text = compared(page)

    assert text.startswith("rincian Data baru ditandai saat pendaftaran Data sebelumnya dipertahankan bila")
    assert row(text, "Nama", "Nama panggilan") == "Sulastri Wulandary Sulastri Wulandari"
    assert row(text, "Nama panggilan", "NIK") == "Tari -"
    assert row(text, "NIK", "Jenis kelamin") == "- 3374**********01"
    assert row(text, "Tanggal atau tahun lahir", "Daerah asal") == "1986 5 Mei 1986"
    assert row(text, "Alamat", "Nomor telepon") == "Jl. Argorejo 4 Jl. Argorejo 4"
    assert "33.74-2026-00101" in text and "Direncanakan" in text
    assert "33.74-2019-00007" in text and "Ditutup" in text
    assert NIK not in page  # masked, never in full
    differing = [r.label for r in response.context["review"].rows if r.differs]
    assert differing == ["nama", "nama panggilan", "NIK", "tanggal atau tahun lahir", "nomor telepon"]
    assert page.count('class="differs"') == len(differing)


def test_the_page_offers_merge_and_not_the_same(signed_in, staff, pair):
    page = signed_in(staff).get(page_of(pair)).content.decode()

    assert f'href="{LIST}{pair.pk}/merge/"' in page
    assert f'action="{LIST}{pair.pk}/dismiss/"' in page
    text = visible_text(page)
    assert "Orang yang sama: gabungkan" in text and "Bukan orang yang sama" in text


def test_a_person_outside_the_readers_area_is_not_shown_and_the_pair_cannot_be_merged(signed_in, staff, pair_across):
    page = signed_in(staff).get(page_of(pair_across)).content.decode()
    text = visible_text(page)

    assert row(compared(page), "Nama", "Nama panggilan") == "Sulastri Wulandary di luar wilayah Anda"
    assert "Sulastri Wulan " not in text and "Jl. Gempol" not in text and "35.10-2026-00999" not in text
    assert "/merge/" not in page
    assert "Bukan orang yang sama" in text  # the pair is theirs to dismiss
    assert signed_in(staff).get(f"{LIST}{pair_across.pk}/merge/").status_code == 302


def test_an_outsider_finds_the_pair_as_if_it_did_not_exist(signed_in, outsider, pair):
    client = signed_in(outsider)

    assert client.get(page_of(pair)).status_code == client.get(f"{LIST}999999/change/").status_code == 302
    assert client.post(f"{LIST}{pair.pk}/dismiss/").status_code == 404
    assert client.post(f"{LIST}{pair.pk}/merge/").status_code == 404


def test_the_page_logs_the_read_of_each_person_shown(signed_in, staff, pair_across):
    signed_in(staff).get(page_of(pair_across))

    viewed = AuditEvent.objects.filter(action="cases.person.viewed").values_list("target_id", flat=True)
    assert list(viewed) == [str(pair_across.person_id)]


@pytest.mark.parametrize("more_cases", [0, 6])
def test_the_page_reads_in_a_fixed_number_of_statements(signed_in, staff, semarang, pair, more_cases):
    client = signed_in(staff)
    client.get(page_of(pair))  # warm the per-process caches
    for person in (pair.person, pair.similar_to):
        for _ in range(more_cases):
            CaseFactory(person=person, owner=semarang, stage=Case.Stage.CLOSED, close_reason="goals_met")

    assert statements(lambda: client.get(page_of(pair))) == 12  # 11, and the session's second-factor device


# Answering


def test_merging_asks_first_naming_the_record_kept(signed_in, staff, pair):
    text = read(signed_in(staff), f"{LIST}{pair.pk}/merge/")

    assert "Data sebelumnya, Sulastri Wulandari, dipertahankan." in text
    assert "Sulastri Wulandary" in text
    assert PossibleDuplicate.objects.get(pk=pair.pk).status == PossibleDuplicate.Status.OPEN


def test_confirming_the_merge_merges_into_the_earlier_record(signed_in, staff, pair, new, earlier):
    response = signed_in(staff).post(f"{LIST}{pair.pk}/merge/", follow=True)

    assert "Kedua data telah digabungkan menjadi satu." in messages_of(response)
    newest = Case.objects.get(number="33.74-2026-00101")
    assert response.redirect_chain == [(f"/admin/cases/case/{newest.pk}/change/", 302)]
    assert PossibleDuplicate.objects.get(pk=pair.pk).status == PossibleDuplicate.Status.MERGED
    assert Person.objects.get(pk=new.pk).merged_into_id == earlier.pk
    assert set(Case.objects.filter(person=earlier).values_list("number", flat=True)) == {
        "33.74-2026-00101",
        "33.74-2019-00007",
    }
    assert AuditEvent.objects.filter(action="cases.person.merged").count() == 1


def test_a_merge_the_service_refuses_says_why_on_the_confirmation(signed_in, staff, pair, earlier):
    Case.objects.filter(person=earlier).update(stage=Case.Stage.PLANNED, close_reason="")

    response = signed_in(staff).post(f"{LIST}{pair.pk}/merge/")

    assert response.status_code == 200
    assert "Kedua orang ini sama-sama memiliki kasus yang masih terbuka" in visible_text(response.content.decode())
    assert PossibleDuplicate.objects.get(pk=pair.pk).status == PossibleDuplicate.Status.OPEN


def test_not_the_same_person_records_the_pair_as_two_people(signed_in, staff, pair):
    response = signed_in(staff).post(f"{LIST}{pair.pk}/dismiss/", follow=True)

    assert "Tercatat: keduanya orang yang berbeda." in messages_of(response)
    assert PossibleDuplicate.objects.get(pk=pair.pk).status == PossibleDuplicate.Status.DISMISSED
    page = response.content.decode()
    assert "/merge/" not in page and "/dismiss/" not in page  # reviewed: nothing left to answer
