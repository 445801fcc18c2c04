"""The finance approver of Banyuwangi approves two requested disbursements after reading their total, rejects a
third with a reason from its own page, and prints the receipt of a paid one: all by clicking, read in Indonesian."""

import re

from playwright.sync_api import Page, expect

from tests.browser import steps

APPROVE = "Setujui pencairan yang dipilih"


def requested_disbursements(page: Page) -> list[tuple[str, str, int]]:
    """The (disbursement, case number, amount) of each row of the list as shown."""
    header, rows = steps.table_texts(page.locator("#result_list"))
    name, case, amount = header.index("Pencairan"), header.index("Kasus"), header.index("Jumlah")
    return [(row[name], row[case], steps.rupiah_value(row[amount])) for row in rows]


def test_finance_approver_approves_two_after_reading_their_total_rejects_one_and_prints_a_receipt(page, sign_in):
    sign_in("keuangan")
    steps.open_list(page, "Pencairan")
    steps.shot(page, "keuangan", "list", phone=True)
    steps.filter_list(page, "Diajukan")
    waiting = requested_disbursements(page)
    assert len(waiting) >= 3, "the demo has 7 requests waiting for the finance approver"
    (first, _, first_amount), (second, _, second_amount), (third, third_case, _) = waiting[:3]

    # Two approved at once, after a page that names them and their total.
    steps.run_action_on(page, [first, second], APPROVE)
    total = steps.rupiah_text(first_amount + second_amount)
    confirmation = page.locator("#content")
    expect(confirmation).to_contain_text(first)
    expect(confirmation).to_contain_text(second)
    expect(page.locator("#content table tfoot")).to_contain_text(total)
    steps.shot(page, "keuangan", "approve-confirmation")
    steps.shot(page, "keuangan", "approve-confirmation-phone", phone=True)
    page.get_by_role("button", name=re.compile(rf"^Ya, setujui {re.escape(total)}$")).click()
    page.wait_for_load_state()
    steps.expect_message(page, "2 pencairan disetujui")
    steps.filter_list(page, "Disetujui")
    for approved in (first, second):
        expect(page.locator("#result_list").get_by_role("link", name=approved, exact=True)).to_be_visible()

    # The third is refused from its own page, with the reason the requester will read.
    steps.filter_list(page, "Diajukan")
    steps.open_object(page, third)
    expect(page.locator("#content")).to_contain_text(third_case)
    steps.object_tool(page, "Tolak")
    page.get_by_label("alasan penolakan").fill("Rekening penerima belum diverifikasi oleh bank.")
    steps.shot(page, "keuangan", "reject")
    steps.press(page, "Tolak")
    steps.expect_message(page, "Pencairan telah ditolak.")
    expect(page.locator("#content")).to_contain_text(third)
    steps.expect_field(page, "Status", "Ditolak")
    steps.expect_field(page, "Alasan penolakan", "Rekening penerima belum diverifikasi oleh bank.")

    # The receipt of a paid one: the amount in figures and in words, and the case it was paid for.
    steps.go_home(page)
    steps.open_list(page, "Pencairan")
    steps.filter_list(page, "Dibayar")
    paid, paid_case, paid_amount = requested_disbursements(page)[0]
    steps.open_object(page, paid)
    steps.object_tool(page, "Kuitansi")
    receipt = page.locator("#content")
    expect(receipt).to_contain_text("Kuitansi")
    expect(receipt).to_contain_text(paid_case)
    expect(receipt).to_contain_text(steps.rupiah_text(paid_amount))
    in_words = {5_000_000: "Lima juta rupiah", 600_000: "Enam ratus ribu rupiah"}.get(paid_amount, " rupiah")
    expect(receipt).to_contain_text(in_words)
    # Printing itself is the browser's dialog: what the person needs is the button that opens it.
    printing = receipt.get_by_role("button", name="Cetak").or_(receipt.get_by_role("link", name="Cetak"))
    expect(printing).to_be_visible()
    steps.shot(page, "keuangan", "receipt")
