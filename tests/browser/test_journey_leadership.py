"""Leadership (Kemensos) read every program's report: small counts are hidden, no figure beside a hidden one gives
it away (a rate, a complement, a total), and no person is named anywhere on the way."""

import re

from playwright.sync_api import Page, expect

from cases.models import Person
from tests.browser import steps

SHOWN = re.compile(r"\d[\d.]*%?")
NO_FIGURE = "-"  # a rate with nothing to divide by
ENROLLED, TRAINED, COMPLETION, FOLLOWED_UP, LEFT, STILL_THERE, LEFT_RATE = range(1, 8)
COUNTS = (ENROLLED, TRAINED, FOLLOWED_UP, LEFT, STILL_THERE)


def hidden(cell: str) -> bool:
    return cell != NO_FIGURE and not SHOWN.fullmatch(cell)


def report_rows(page: Page, heading: str) -> tuple[list[list[str]], list[str] | None]:
    """The figure rows of one of the report's tables ("No enrollments yet" is none), and its total row if any."""
    table = page.locator("h3", has_text=heading).locator("xpath=following-sibling::table[1]")
    rows = [row for row in steps.table_texts(table)[1] if len(row) == 8]
    if rows and rows[-1][0].lower() == "jumlah":
        return rows[:-1], rows[-1]
    return rows, None


def give_aways(rows: list[list[str]], total: list[str] | None) -> list[str]:
    """Every figure shown from which a hidden count can be worked out, said as the reader would find it."""
    found = []
    for row in rows:
        label = row[0]
        for column in COUNTS:
            if SHOWN.fullmatch(row[column]) and 0 < int(row[column].replace(".", "")) < 5:
                found.append(f"{label}: a count below 5 shown ({row[column]})")
        if SHOWN.fullmatch(row[COMPLETION]) and (hidden(row[ENROLLED]) or hidden(row[TRAINED])):
            found.append(f"{label}: completion {row[COMPLETION]} beside a hidden count")
        if SHOWN.fullmatch(row[LEFT_RATE]) and (hidden(row[FOLLOWED_UP]) or hidden(row[LEFT])):
            found.append(f"{label}: left the site {row[LEFT_RATE]} beside a hidden count")
        # followed up = left the site + still there: one hidden among three shown is a subtraction away.
        if [hidden(row[c]) for c in (FOLLOWED_UP, LEFT, STILL_THERE)].count(True) == 1:
            found.append(f"{label}: followed up {row[FOLLOWED_UP]}, left {row[LEFT]}, still there {row[STILL_THERE]}")
    if total is not None:
        for column in COUNTS:
            cells = [row[column] for row in rows]
            if SHOWN.fullmatch(total[column]) and [hidden(cell) for cell in cells].count(True) == 1:
                found.append(f"column {column}: the total {total[column]} minus the rows shown gives the hidden one")
    return found


def test_leadership_read_program_reports_with_small_counts_hidden_and_no_person_named(page, sign_in):
    names = list(Person.objects.values_list("full_name", flat=True))
    assert names, "the demo's persons, whose names must appear on no report"
    sign_in("pimpinan")
    steps.open_list(page, "Program")
    programs = page.locator("#result_list tbody tr th a").all_text_contents()
    assert len(programs) == 5, programs
    leaks, hidden_seen = [], 0
    for number, program in enumerate(programs, start=1):
        page.locator("#result_list").get_by_role("link", name=program, exact=True).click()
        steps.object_tool(page, "Laporan")
        expect(page.locator("#content")).to_contain_text("Per angkatan")
        (batches, total), (sites, _) = report_rows(page, "Per angkatan"), report_rows(page, "Per lokasi asal")
        leaks += [f"{program} per batch: {leak}" for leak in give_aways(batches, total)]
        leaks += [f"{program} per site: {leak}" for leak in give_aways(sites, total)]
        cells = [cell for row in [*batches, *sites] for cell in row[1:]]
        if any(hidden(cell) for cell in cells):
            hidden_seen += 1
            expect(page.locator("#content")).to_contain_text(re.compile(r"di bawah 5|<5"))
        text = page.locator("body").inner_text()
        assert not [name for name in names if name in text], f"a person is named on the report of {program}"
        assert not re.search(r"\d{2}\.\d{2}-\d{4}-\d{5}|\b\d{16}\b", text), f"a case number or NIK on {program}"
        steps.shot(page, "pimpinan", f"program-report-{number}")
        page.go_back()
        page.go_back()
    assert hidden_seen, "the Banyuwangi report has sites of 5 or 6 people: leadership must see hidden small counts"
    assert not leaks, "\n".join(leaks)
