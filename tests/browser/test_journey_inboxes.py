"""The inboxes of "Pekerjaan saya" (issue 16 item 4), each worked from the home page by clicking:

- Banyuwangi's district staff decline Bina Sehat's referral, first without a reason (refused on the field), then
  with one; Bina Sehat's caseworker finds the answer and its reason on their own home, in the list and on the case;
- the district staff review the two possible duplicates of the demo with both persons side by side: two different
  women (not the same person), and a woman who came back years later (the same person: merged, after a page that
  says which record is kept);
- the finance approver approves two selected disbursements after a page that reads their count and total.
"""

import re

from playwright.sync_api import Page, expect

from tests.browser import steps

REASON = "Kuota UEP tahun ini sudah penuh; ajukan kembali pada Januari."
BINA_SEHAT = "LKS Kelompok Kerja Bina Sehat"
DUPLICATES = "Kemungkinan data ganda untuk diperiksa"


def compared(page: Page, label: str):
    """The row of the side-by-side comparison whose label reads `label`."""
    header = page.locator("th", has_text=re.compile(rf"^{re.escape(label)}$"))  # its text, without the ≠ mark
    return page.locator("table.pair tbody tr").filter(has=header)


def test_district_staff_decline_a_referral_with_a_reason_and_the_caseworker_reads_the_answer(
    page, sign_in, sign_in_elsewhere
):
    sign_in("kabupaten")
    steps.open_work(page, "Rujukan untuk kantor saya")
    steps.open_row(page, BINA_SEHAT)
    steps.expect_field(page, "Status", "Menunggu tanggapan")
    number = page.locator(".field-case_number .readonly").inner_text().strip()

    steps.object_tool(page, "Tolak")
    steps.press(page, "Tolak")  # without a reason
    refused = page.locator(".form-row.errors")
    expect(refused).to_contain_text("Alasan penolakan")
    expect(refused).to_contain_text("Bidang ini harus diisi.")
    page.get_by_label("alasan penolakan").fill(REASON)
    steps.shot(page, "kabupaten", "decline")
    steps.press(page, "Tolak")
    steps.expect_message(page, "Rujukan telah ditolak.")
    steps.expect_field(page, "Status", "Ditolak")
    steps.expect_field(page, "Alasan penolakan", REASON)

    # Bina Sehat's caseworker, at their own computer, finds the answer on their home.
    lks = sign_in_elsewhere("lks")
    assert steps.work_count(lks, "Tanggapan atas rujukan kantor saya, 7 hari terakhir") == 1
    steps.open_work(lks, "Tanggapan atas rujukan kantor saya, 7 hari terakhir")
    answered = steps.listed_rows(lks)
    expect(answered).to_have_count(1)
    expect(answered.first).to_contain_text(number)
    expect(answered.first).to_contain_text("Ditolak")
    expect(answered.first).to_contain_text(REASON)
    steps.open_row(lks, number)
    steps.object_tool(lks, "Buka kasus")
    expect(lks.get_by_role("heading", name=number)).to_be_visible()
    told = lks.locator("#timeline li").filter(has_text="Dinas Sosial Kabupaten Banyuwangi")
    expect(told.first).to_contain_text("Status: Ditolak")
    expect(told.first).to_contain_text(f"Alasan penolakan: {REASON}")


def test_district_staff_review_possible_duplicates_side_by_side_and_dismiss_one_and_merge_the_other(page, sign_in):
    sign_in("kabupaten")
    assert steps.work_count(page, DUPLICATES) == 2
    steps.open_work(page, DUPLICATES)
    pairs = steps.listed_rows(page)
    expect(pairs).to_have_count(2)
    expect(pairs.filter(has_text="Dewi Lestiani (kasus 35.10-")).to_contain_text("Dewi Lestari (kasus 35.10-")
    steps.shot(page, "kabupaten", "duplicates")

    # Two women of similar names and ages: read side by side, they are two people.
    steps.open_row(page, "Dewi Lestiani")
    expect(compared(page, "Nama")).to_contain_text("Dewi Lestiani")
    expect(compared(page, "Nama")).to_contain_text("Dewi Lestari")
    expect(compared(page, "Nama")).to_have_class("differs")
    expect(compared(page, "Alamat")).to_contain_text("Dusun Sumberjo, Tegaldlimo")
    expect(compared(page, "Alamat")).to_contain_text("Jl. Kalibaru 12, Glenmore")
    expect(compared(page, "Jenis kelamin")).not_to_have_class("differs")
    steps.shot(page, "kabupaten", "duplicate")
    steps.shot(page, "kabupaten", "duplicate-phone", phone=True)
    page.get_by_role("button", name="Bukan orang yang sama").click()
    page.wait_for_load_state()
    steps.expect_message(page, "Tercatat: keduanya orang yang berbeda.")
    steps.expect_field(page, "Status", "Bukan orang yang sama")
    expect(page.get_by_role("button", name="Bukan orang yang sama")).to_have_count(0)

    # A woman who came back years after her case was closed: the same person.
    steps.go_home(page)
    assert steps.work_count(page, DUPLICATES) == 1
    steps.open_work(page, DUPLICATES)
    steps.open_row(page, "Sulastri Wulandary")
    expect(compared(page, "Kasus")).to_contain_text("Ditutup")
    expect(compared(page, "Nama panggilan")).to_contain_text("Tari")
    page.get_by_role("link", name="Orang yang sama: gabungkan").click()
    page.wait_for_load_state()
    expect(page.locator("#content")).to_contain_text("Data sebelumnya, Sulastri Wulandari, dipertahankan.")
    steps.shot(page, "kabupaten", "merge")
    steps.shot(page, "kabupaten", "merge-phone", phone=True)
    steps.press(page, "Ya, gabungkan ke data sebelumnya")
    steps.expect_message(page, "Kedua data telah digabungkan menjadi satu.")
    # On to the case she came back with, now of the kept record: her earlier, closed case is hers too.
    steps.expect_field(page, "Nama", "Sulastri Wulandari")
    steps.expect_field(page, "Tahap:", "Terdaftar")
    steps.go_home(page)
    expect(steps.work_line(page, DUPLICATES)).to_have_count(0)  # nothing left to review


def test_the_finance_approver_approves_two_selected_disbursements_after_reading_their_count_and_total(page, sign_in):
    sign_in("keuangan")
    label = "Pencairan menunggu persetujuan saya"
    waiting = steps.work_count(page, label)
    steps.open_work(page, label)
    header, rows = steps.table_texts(page.locator("#result_list"))
    name, amount = header.index("Pencairan"), header.index("Jumlah")
    (first, first_amount), (second, second_amount) = [(row[name], steps.rupiah_value(row[amount])) for row in rows[:2]]

    steps.run_action_on(page, [first, second], "Setujui pencairan yang dipilih")
    total = steps.rupiah_text(first_amount + second_amount)
    expect(page.locator("#content")).to_contain_text(f"Anda akan menyetujui 2 pencairan, seluruhnya {total}:")
    expect(page.locator("#content table tfoot")).to_contain_text(total)
    steps.shot(page, "keuangan", "approve-two")
    steps.shot(page, "keuangan", "approve-two-phone", phone=True)
    page.get_by_role("button", name=f"Ya, setujui {total}").click()
    page.wait_for_load_state()
    steps.expect_message(page, f"2 pencairan disetujui, seluruhnya {total}.")

    steps.go_home(page)
    assert steps.work_count(page, label) == waiting - 2
