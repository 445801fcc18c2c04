"""Finding a person by name from any page: the header's box, a name typed as heard (a letter wrong), the list of
matches, the case. The name never shows in the address bar."""

import re

import pytest
from django.db.models import Count
from playwright.sync_api import expect

from cases.models import Case
from tests.browser import steps

ROLE = "kabupaten"
BANYUWANGI = "Dinas Sosial Kabupaten Banyuwangi"
# Every role that works or reads cases searches by name, each among the cases of its own scope (agencies.demo).
SEARCHERS = {
    "kabupaten": {"owner__name": BANYUWANGI},
    "lks": {"registered_by__name": "LKS Kelompok Kerja Bina Sehat"},
    "provinsi": {"owner__region__code__startswith": "33."},
    "auditor": {"owner__region__code__startswith": "33."},
}


def _someone_of(**scope) -> tuple[str, str]:
    """A demo person in `scope` whose names are long enough to misspell, no one else's name, and their case number."""
    shared = set(
        Case.objects.values("person__full_name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("person__full_name", flat=True)
    )
    for case in Case.objects.filter(**scope).select_related("person").order_by("number"):
        words = case.person.full_name.split()
        if case.person.full_name not in shared and len(words) >= 2 and all(len(word) >= 5 for word in words):
            return case.person.full_name, case.number
    raise AssertionError(f"the demo has no person in {scope} with two long names")


def _someone_of_banyuwangi() -> tuple[str, str]:
    return _someone_of(**SEARCHERS[ROLE])


def _misspelt(full_name: str) -> str:
    """The name as an officer might type it after hearing it: the last word's last letter wrong."""
    *first, last = full_name.split()
    return " ".join([*first, last[:-1] + ("y" if last[-1] != "y" else "i")])


@pytest.mark.parametrize("role", SEARCHERS)
def test_each_case_role_finds_a_person_by_a_misspelt_name_from_the_header(page, sign_in, role):
    full_name, number = _someone_of(**SEARCHERS[role])
    typed = _misspelt(full_name)
    sign_in(role)

    box = page.get_by_role("search").get_by_placeholder("Nama, nomor kasus atau NIK")
    box.fill(typed)
    page.locator("#header-search").get_by_role("button", name="Cari").click()
    page.wait_for_load_state()

    header, rows = steps.table_texts(page.locator("#result_list"))
    assert "NAMA" in [cell.upper() for cell in header]
    # The best match first: its number, and its name in the next column.
    assert rows and number in rows[0], rows[:3]
    assert full_name in rows[0][rows[0].index(number) + 1], rows[:3]
    assert typed.split()[-1] not in page.url and full_name.split()[-1] not in page.url
    steps.shot(page, role, "search-by-name", phone=True)

    steps.open_row(page, number)
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    steps.expect_field(page, "Nama", full_name)


def test_district_staff_pick_a_case_by_a_misspelt_name_when_enrolling(page, sign_in):
    full_name, number = _someone_of_banyuwangi()
    sign_in(ROLE)
    steps.add_from_home(page, "Pendaftaran peserta")

    steps.choose_autocomplete(page, "Kasus", _misspelt(full_name), re.compile(re.escape(f"{number} · {full_name}")))

    expect(page.locator(".field-case .select2-selection__rendered")).to_contain_text(number)
