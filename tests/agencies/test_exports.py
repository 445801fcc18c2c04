"""Exports as background jobs (issue 17 §5): the file is encrypted at rest, free of spreadsheet formulas, read in
keyset chunks, downloaded by the person who asked only through a fresh signed link, logged with its filter and
count, announced by an email without personal data, and deleted after its days."""

import datetime
import re
import time

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies import exports
from agencies.models import AuditEvent, Export, Notification, Role
from cases.models import Case
from tests.agencies.export_files import csv_rows, plain_bytes, queued, xlsx_rows
from tests.cases.factories import CaseFactory, PersonFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

NASTY = ['=HYPERLINK("http://x")', "+62 812", "-1+1", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


def case_list(capture, actor, fmt="csv", **filters) -> Export:
    return queued(capture, actor=actor, kind="cases.case_list", format=fmt, filters=filters)


def test_the_file_on_disk_is_not_plaintext_and_decrypts_only_when_whole(
    staff, semarang, django_capture_on_commit_callbacks
):
    case = CaseFactory(owner=semarang, person=PersonFactory(full_name="Sri Wahyuni Rahayu"))

    export = case_list(django_capture_on_commit_callbacks, staff)

    stored = (exports.export_dir() / export.file_name).read_bytes()
    assert b"Sri Wahyuni" not in stored and case.number.encode() not in stored
    assert b"Nomor kasus" not in stored
    assert b"Sri Wahyuni Rahayu" in plain_bytes(export)
    assert export.file_size == len(stored)
    # a file cut short (a worker killed mid-write) or changed does not decrypt
    path = exports.export_dir() / export.file_name
    path.write_bytes(stored[:-5])
    with pytest.raises(exports.DamagedFile):
        b"".join(exports.decrypted(path))
    path.write_bytes(stored[:-20] + bytes(20))
    with pytest.raises(exports.DamagedFile):
        b"".join(exports.decrypted(path))
    # and nothing else of it lies about
    assert [p.name for p in exports.export_dir().iterdir()] == [export.file_name]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cells_a_spreadsheet_would_read_as_formulas_are_neutralized(
    fmt, staff, semarang, django_capture_on_commit_callbacks
):
    for name in NASTY:
        CaseFactory(owner=semarang, person=PersonFactory(full_name=name, known_as="Ayu"))

    export = case_list(django_capture_on_commit_callbacks, staff, fmt)

    rows = csv_rows(export) if fmt == "csv" else xlsx_rows(export)
    names = [row[1].replace("\n", "\r") for row in rows[1:]]  # XML reads a lone CR as a line feed
    assert names == ["'" + name for name in NASTY]
    assert [row[2] for row in rows[1:]] == ["Ayu"] * len(NASTY)


def test_a_tiny_chunk_gives_the_same_file_one_keyset_query_per_chunk(
    staff, semarang, settings, django_capture_on_commit_callbacks
):
    for _ in range(7):
        CaseFactory(owner=semarang)
    settings.EXPORT_CHUNK_SIZE = 2000
    whole = csv_rows(case_list(django_capture_on_commit_callbacks, staff))

    settings.EXPORT_CHUNK_SIZE = 2
    with CaptureQueriesContext(connection) as queries:
        chunked = case_list(django_capture_on_commit_callbacks, staff)
    reads = [q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"] and "LIMIT 2" in q["sql"]]

    assert csv_rows(chunked) == whole
    assert len(whole) == 8
    # 7 rows in chunks of 2: 4 reads, each after the last key seen, by key, limited; no cursor
    assert len(reads) == 4
    assert all(sql.endswith("ORDER BY 1 ASC LIMIT 2") for sql in reads)  # 1: the first column, the key
    assert all('"cases_case"."id" >' in sql for sql in reads[1:])
    assert not any("DECLARE" in q["sql"] for q in queries)


@pytest.mark.django_db(transaction=True)
def test_each_keyset_page_is_read_without_parallel_workers_for_that_page_alone(target_groups, semarang):
    for _ in range(3):
        CaseFactory(owner=semarang)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (before,) = cursor.fetchone()
        with CaptureQueriesContext(connection) as queries:
            pages = list(exports.keyset_chunks(Case.objects.all(), ["number"], size=2))
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (after,) = cursor.fetchone()

    assert [len(page) for page in pages] == [2, 1]
    sql = [q["sql"] for q in queries]
    # each page: the setting, then its read, in one transaction that ends with it
    assert sql.count("SET LOCAL max_parallel_workers_per_gather = 0") == 2
    reads = [i for i, q in enumerate(sql) if 'FROM "cases_case"' in q]
    assert all(sql[i - 1] == "SET LOCAL max_parallel_workers_per_gather = 0" for i in reads)
    assert after == before != "0"


def _other_user_client(client, member):
    client.force_login(member(Role.DISTRICT_STAFF))
    return client


def test_the_download_is_for_the_person_who_asked_while_the_link_is_fresh(
    staff, semarang, member, client, settings, django_capture_on_commit_callbacks
):
    CaseFactory(owner=semarang, person=PersonFactory(full_name="Sri Wahyuni"))
    export = case_list(django_capture_on_commit_callbacks, staff)
    link = exports.download_link(export).removeprefix(settings.SITE_URL)

    # the one who asked gets the decrypted file as an attachment
    client.force_login(staff)
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="daftar-kasus-{export.pk}.csv"'
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Sri Wahyuni" in body and body.startswith("Nomor kasus,Nama,")
    # and the download is in the trail, with the filter and the count
    (event,) = AuditEvent.objects.filter(action="agencies.export.downloaded")
    assert (event.actor_user_id, event.target_id, event.data["rows"]) == (staff.pk, str(export.pk), 1)
    assert event.data["filters"] == {}

    # a colleague of the same office with the same link: not found
    client.force_login(member(Role.DISTRICT_STAFF, agency=semarang))
    assert client.get(link).status_code == 404
    # a link whose signature was changed: not found
    client.force_login(staff)
    assert client.get(link.replace(":", ":x", 1)).status_code == 404
    # a link made longer ago than EXPORT_LINK_MAX_AGE: not found
    settings.EXPORT_LINK_MAX_AGE = 3600
    old = signing.TimestampSigner(salt=exports.LINK_SALT)
    old.timestamp = lambda: signing.b62_encode(int(time.time()) - 3601)
    stale = reverse("admin:agencies_export_download", args=[old.sign(str(export.pk))])
    assert client.get(stale).status_code == 404
    # signed out: to the sign-in page, not the file
    client.logout()
    assert client.get(link).status_code == 302


def test_my_exports_lists_mine_only_with_state_in_words(
    staff, semarang, member, signed_in, django_capture_on_commit_callbacks
):
    CaseFactory(owner=semarang)
    export = case_list(django_capture_on_commit_callbacks, staff)
    colleague = member(Role.DISTRICT_STAFF, agency=semarang)
    case_list(django_capture_on_commit_callbacks, colleague, "xlsx")

    page = signed_in(staff).get("/admin/agencies/export/").content.decode()

    assert "<h1>Ekspor saya</h1>" in page
    assert "Siap diunduh" in page and "Daftar kasus" in page
    assert page.count('class="button" href="/admin/agencies/export/download/') == 1
    assert "XLSX" not in page  # the colleague's export
    assert exports.expiry_label(export) in page
    assert re.search(r"\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}", page)


def test_an_export_page_is_for_the_person_who_asked_and_offers_no_save(
    staff, semarang, member, signed_in, django_capture_on_commit_callbacks
):
    export = case_list(django_capture_on_commit_callbacks, staff)
    page = f"/admin/agencies/export/{export.pk}/change/"

    mine = signed_in(staff).get(page)
    colleagues = signed_in(member(Role.DISTRICT_STAFF, agency=semarang)).get(page)

    assert mine.status_code == 200 and 'name="_save"' not in mine.content.decode()
    assert colleagues.status_code == 302  # the admin's answer for a row it does not show


def test_the_case_list_button_queues_the_list_with_its_filters_and_lands_on_my_exports(
    staff, semarang, signed_in, django_capture_on_commit_callbacks
):
    planned = CaseFactory(owner=semarang, stage=Case.Stage.PLANNED)
    CaseFactory(owner=semarang)
    client = signed_in(staff)
    page = client.get("/admin/cases/case/?stage__exact=planned").content.decode()
    assert "Ekspor daftar ini" in page
    assert '<input type="hidden" name="stage__exact" value="planned">' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/agencies/export/request/",
            {"kind": "cases.case_list", "format": "csv", "stage__exact": "planned", "next": "/admin/cases/case/"},
            follow=True,
        )

    assert response.redirect_chain[-1][0] == "/admin/agencies/export/"
    assert "Ekspor Anda sedang disiapkan." in response.content.decode()
    export = Export.objects.get()
    assert export.filters == {"stage__exact": "planned"}
    assert [row[0] for row in csv_rows(export)[1:]] == [planned.number]


def test_a_searched_list_is_not_exported(staff, signed_in):
    response = signed_in(staff).post(
        "/admin/agencies/export/request/",
        {"kind": "cases.case_list", "format": "csv", "s": "k3y", "next": "/admin/cases/case/"},
        follow=True,
    )

    assert "Daftar hasil pencarian tidak dapat diekspor" in response.content.decode()
    assert not Export.objects.exists()


def test_a_partner_sees_no_export_button_and_cannot_post_one(member, signed_in):
    partner = member(Role.PARTNER_TRAINER)
    client = signed_in(partner)

    response = client.post("/admin/agencies/export/request/", {"kind": "cases.case_list", "format": "csv"}, follow=True)

    assert "Anda tidak boleh mengekspor ini." in response.content.decode()
    assert not Export.objects.exists()


def test_the_program_report_downloads_with_its_suppressed_figures_as_pdf_xlsx_and_csv(
    member, django_capture_on_commit_callbacks
):
    program = ProgramFactory(name="Pelatihan Wonosobo")
    leadership = member(Role.LEADERSHIP_VIEWER)

    files = {
        fmt: queued(
            django_capture_on_commit_callbacks,
            actor=leadership,
            kind="programs.program_report",
            format=fmt,
            filters={"program": str(program.pk)},
        )
        for fmt in ("pdf", "xlsx", "csv")
    }

    assert plain_bytes(files["pdf"]).startswith(b"%PDF-")
    rows = csv_rows(files["csv"])
    assert rows[0] == ["Laporan program: Pelatihan Wonosobo"]
    assert ["Per angkatan"] in rows and ["Per lokasi asal"] in rows
    assert xlsx_rows(files["xlsx"])[0][:3] == ["angkatan", "peserta terdaftar", "lulus"]
    assert all(f.row_count == 1 for f in files.values())  # the total row; no batch has enrollments


def test_the_ready_email_has_the_link_and_no_personal_data(
    staff, semarang, mailoutbox, settings, django_capture_on_commit_callbacks
):
    person = PersonFactory(full_name="Sri Wahyuni Rahayu", known_as="Yuyun")
    case = CaseFactory(owner=semarang, person=person)

    export = case_list(django_capture_on_commit_callbacks, staff)

    (email,) = mailoutbox
    assert email.to == [staff.email]
    assert email.subject == "Ekspor Anda sudah siap: Daftar kasus"
    assert "Daftar kasus, CSV, 1 baris" in email.body
    assert exports.download_link(export).rsplit(":", 1)[0] in email.body
    for value in (person.full_name, person.known_as, case.number):
        assert value not in email.body and value not in email.subject
    assert Notification.objects.get().status == Notification.Status.SENT


def test_expired_files_are_purged_and_the_row_says_so(staff, semarang, django_capture_on_commit_callbacks):
    CaseFactory(owner=semarang)
    old = case_list(django_capture_on_commit_callbacks, staff)
    fresh = case_list(django_capture_on_commit_callbacks, staff)
    old_path = exports.export_dir() / old.file_name
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert exports.exports_purge() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.file_name, old.file_size) == (Export.Status.EXPIRED, "", None)
    assert not old_path.exists()
    assert fresh.status == Export.Status.DONE and (exports.export_dir() / fresh.file_name).exists()
    assert exports.exports_purge() == 0


def test_the_purge_is_a_beat_schedule_in_words():
    from django_celery_beat.models import PeriodicTask

    from agencies import schedules

    task = PeriodicTask.objects.get(task="agencies.tasks.exports_purge_task")
    assert schedules.task_label(task) == "Hapus file ekspor yang sudah lewat masa simpannya"


def test_a_run_delivered_again_after_it_finished_changes_nothing(staff, semarang, django_capture_on_commit_callbacks):
    CaseFactory(owner=semarang)
    export = case_list(django_capture_on_commit_callbacks, staff)

    again = exports.export_run(export.pk)

    assert (again.status, again.attempts, again.file_name) == (Export.Status.DONE, 1, export.file_name)
    assert AuditEvent.objects.filter(action="agencies.export.finished").count() == 1


def test_a_run_left_running_by_a_dead_worker_starts_over_and_only_the_new_attempt_finishes(
    staff, semarang, django_capture_on_commit_callbacks
):
    CaseFactory(owner=semarang)
    # given an export whose first attempt died after writing half a file
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.export_request(actor=staff, kind="cases.case_list", format="csv", filters={})
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, attempts=1)
    half = exports.export_dir() / f"{export.pk}-1.csv.enc"
    half.write_bytes(b"RSEXP1\nhalf a file")

    # when the task is delivered again
    done = exports.export_run(export.pk)

    # then it wrote the file over as attempt 2, and the half file is gone
    assert (done.status, done.attempts, done.file_name) == (Export.Status.DONE, 2, f"{export.pk}-2.csv.enc")
    assert not half.exists()
    assert len(csv_rows(done)) == 2
