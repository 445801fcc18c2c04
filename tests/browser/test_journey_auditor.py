"""The auditor of Jawa Tengah finds one case's trail: a case number read in the case list, searched in the audit
events, whose rows say in Indonesian what was done to that case, by whom and when (never a raw code)."""

import re

from playwright.sync_api import expect

from tests.browser import steps

RAW_CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_]+\b")  # e.g. cases.case.transitioned
CASE_NUMBER = re.compile(r"\d{2}\.\d{2}-\d{4}-\d{5}")


def test_auditor_finds_the_trail_of_one_case_in_indonesian(page, sign_in):
    sign_in("auditor")
    steps.open_list(page, "Kasus")
    number = page.locator("#result_list tbody tr").first.locator("th, td").filter(has_text=CASE_NUMBER).first
    case = CASE_NUMBER.search(number.inner_text()).group()
    steps.open_object(page, case)
    expect(page.locator("#content")).to_contain_text(case)  # this look is itself in the trail

    steps.go_home(page)
    steps.open_list(page, "Catatan audit")
    steps.search_list(page, case)
    steps.shot(page, "auditor", "case-trail")
    header, rows = steps.table_texts(page.locator("#result_list"))
    assert rows, f"searching the audit events for {case} finds nothing"
    assert not re.search(r"target|type|action|user", " ".join(header), re.I), f"English column names: {header}"
    page_text = page.locator("#content").inner_text()
    assert not RAW_CODE.search(page_text), f"raw action codes shown: {RAW_CODE.findall(page_text)[:3]}"
    for row in rows:
        assert case in " ".join(row), f"a row of another case in the trail of {case}: {row}"
    assert any("auditor" in " ".join(row) for row in rows), "the auditor's own look at the case is not in its trail"
