"""Steps a person takes in the admin, shared by the journeys: each one clicks what is on the page, as a person does.

Only links and buttons that are visible are used (never page.goto to an inner page): a journey that passes proves
that the way through the pages exists. Locators are by role and visible Indonesian text.
"""

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}


def model_row(page: Page, model: str) -> Locator:
    """The row of a model in the home page's list (or the side menu of an inner page), by its Indonesian name."""
    header = page.get_by_role("rowheader", name=model, exact=True)
    return page.get_by_role("row").filter(has=header).first


def open_list(page: Page, model: str) -> None:
    """Open a model's list from the home page or the side menu, e.g. open_list(page, "Kasus")."""
    model_row(page, model).get_by_role("link", name=model, exact=True).click()
    page.wait_for_load_state()


def add_from_home(page: Page, model: str) -> None:
    """Follow the "Tambah" link beside a model on the home page (or in the side menu)."""
    model_row(page, model).get_by_role("link", name="Tambah").click()
    page.wait_for_load_state()


def open_row(page: Page, text: str) -> None:
    """In a list, open the object of the first row that shows `text` (its first link is the object's page)."""
    page.locator("#result_list tbody tr").filter(has_text=text).first.get_by_role("link").first.click()
    page.wait_for_load_state()


def search_list(page: Page, term: str) -> None:
    """Type in a list's search box and press its button."""
    page.locator("#changelist-search").get_by_role("textbox").fill(term)
    page.locator("#changelist-search").get_by_role("button").click()
    page.wait_for_load_state()


def filter_list(page: Page, choice: str) -> None:
    """Pick a choice in a list's side filter, e.g. filter_list(page, "Menunggu tanggapan")."""
    page.locator("#changelist-filter").get_by_role("link", name=choice, exact=True).click()
    page.wait_for_load_state()


def object_tool(page: Page, name: str) -> None:
    """Press one of the buttons at the top right of an object page ("Pindahkan tahap", "Rujuk", …)."""
    page.locator(".object-tools").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def press(page: Page, name: str) -> None:
    """Press a form's button by its visible text ("Simpan", "Simpan dan terus mengedit", …)."""
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def expect_message(page: Page, text: str | re.Pattern) -> Locator:
    """The message shown at the top of the page after an action (success, warning or error) reads `text`."""
    message = page.locator("ul.messagelist li").filter(has_text=text)
    expect(message.first).to_be_visible()
    return message.first


def expect_field(page: Page, label: str, value: str | re.Pattern) -> None:
    """A read-only field of an object page (label on the left) shows `value`."""
    row = page.locator(".form-row").filter(has=page.locator("label", has_text=re.compile(rf"^{re.escape(label)}")))
    expect(row.first).to_contain_text(value)


def choose_autocomplete(page: Page, label: str | re.Pattern, typed: str, option: str | re.Pattern) -> None:
    """Pick in an autocomplete box (the admin's select2): open it, type, and click the option that shows."""
    row = page.locator(".form-row").filter(has=page.locator("label", has_text=label)).first
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(typed)
    page.locator(".select2-results__option").filter(has_text=option).first.click()


def pick_date_in_calendar(page: Page, label: str, day: int) -> None:
    """Fill a date box from its calendar (the admin's date picker): open the calendar beside the box labelled
    `label` and click `day` of the month it shows (the box's month, or this month when the box is empty)."""
    row = page.locator(".form-row").filter(has=page.locator("label", has_text=label)).first
    row.locator("input.vDateField").fill("")
    row.locator(".datetimeshortcuts a").filter(has=page.locator(".date-icon")).click()
    calendar = page.locator(".calendarbox:visible")
    calendar.locator("td:not(.nonday) a").filter(has_text=re.compile(rf"^{day}$")).click()


def shot(page: Page, role: str, step: str, *, phone: bool = False) -> Path:
    """A screenshot of the whole page as tests/browser/artifacts/journey-<role>-<step>.png (not committed).

    With phone=True the page is shown at a phone's width (390 × 844) for the shot, then set back.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"journey-{role}-{step}.png"
    if phone:
        before = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(before)
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


def run_action(page: Page, row_text: str, action: str) -> None:
    """In a list, tick the row showing `row_text`, choose `action` in the "Aksi" menu and press its button."""
    page.locator("#result_list tbody tr").filter(has_text=row_text).first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action)
    page.locator("#changelist-form .actions").get_by_role("button").click()
    page.wait_for_load_state()


def go_home(page: Page) -> None:
    """Back to the home page by the breadcrumb's first link ("Beranda"), as a person does from any inner page."""
    page.locator(".breadcrumbs").get_by_role("link").first.click()
    page.wait_for_load_state()


def rupiah_value(text: str) -> int:
    """The whole Rupiah a text such as "Rp1.200.000" shows (the first amount in it)."""
    found = re.search(r"Rp\s?(\d{1,3}(?:\.\d{3})*)", text)
    assert found, f"no Rupiah amount in {text!r}"
    return int(found.group(1).replace(".", ""))


def rupiah_text(amount: int) -> str:
    """`1200000` → "Rp1.200.000", as the pages show money."""
    return "Rp" + f"{amount:,}".replace(",", ".")


def table_texts(table: Locator) -> tuple[list[str], list[list[str]]]:
    """A table as read: its header cells and the cells of each body row, trimmed."""
    # Text content, not inner text: a header styled in capitals still reads as written.
    header = [" ".join(cell.split()) for cell in table.locator("thead th").all_text_contents()]
    rows = [
        [" ".join(cell.split()) for cell in row.locator("th, td").all_text_contents()]
        for row in table.locator("tbody tr").all()
    ]
    return header, rows


def run_action_on(page: Page, row_texts: list[str], action: str) -> None:
    """In a list, tick every row showing one of `row_texts`, choose `action` in "Aksi" and press its button."""
    for text in row_texts:
        # By the row's link, not its text: "Pencairan #4" must not tick "Pencairan #49".
        row = page.locator("#result_list tbody tr").filter(has=page.get_by_role("link", name=text, exact=True))
        row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action)
    page.locator("#changelist-form .actions").get_by_role("button").click()
    page.wait_for_load_state()


def open_object(page: Page, name: str) -> None:
    """In a list, open the object whose link reads exactly `name` (e.g. "Pencairan #7", never "Pencairan #70")."""
    page.locator("#result_list").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


# Dates on pages read like "4 Des 2026" (Django's Indonesian short month names), never as ISO or numbers.
MONTHS_ID = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def as_read(day) -> str:
    """A date as a page shows it in Indonesian: date(2026, 12, 4) → "4 Des 2026"."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def expect_no_iso_dates(page: Page) -> None:
    """Nothing the person reads on the page (headings, breadcrumbs, fields) is an ISO date like 2026-12-08."""
    expect(page.locator("#container")).not_to_contain_text(ISO_DATE)


def work_line(page: Page, label: str) -> Locator:
    """A line of the home's "Pekerjaan saya" by its Indonesian label, e.g. "Rujukan untuk kantor saya"."""
    label_cell = page.locator(".label").filter(has_text=re.compile(rf"^{re.escape(label)}$"))
    return page.locator("#my-work ul.work-lines > li").filter(has=label_cell).first


def work_count(page: Page, label: str) -> int:
    """The number a line of "Pekerjaan saya" reads (a capped one, "100+", reads as 100)."""
    return int(work_line(page, label).locator(".number").first.inner_text().strip().rstrip("+"))


def open_work(page: Page, label: str) -> None:
    """Follow a count of "Pekerjaan saya" to the list of its rows."""
    work_line(page, label).locator("a.work-count").click()
    page.wait_for_load_state()


def listed_rows(page: Page) -> Locator:
    """The rows of a list page."""
    return page.locator("#result_list tbody tr")
