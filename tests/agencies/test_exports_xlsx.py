"""A case list as a workbook (issue 17 §5): nothing of it is ever on disk in clear, not even while it is written; the
workbook opens with its Indonesian headers and its rows; and its parts are those openpyxl itself saves, which pins the
private parts of openpyxl that agencies.export_workbook leans on."""

import datetime
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from agencies import exports
from agencies.export_workbook import write_workbook
from cases.exports import CaseListExport
from tests.agencies.export_files import queued, xlsx_rows
from tests.cases.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

HEADER = ["Nomor kasus", "Nama", "Nama panggilan", "Tahap", "Kelompok sasaran", "Lokasi asal", "Kantor pemilik"]


@pytest.fixture
def directories(settings, tmp_path, monkeypatch):
    """The export directory, and the temporary directory every library's temporary files go to, both this test's."""
    settings.EXPORT_DIR = str(tmp_path / "exports")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return [Path(settings.EXPORT_DIR), temporary]


def _files_under(directories):
    return [Path(root) / name for d in directories for root, _, names in os.walk(d) for name in names]


def test_no_file_ever_holds_a_name_or_case_number_in_clear_while_a_workbook_is_written(
    directories, staff, semarang, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # given 300 cases, written 20 at a time: far more than any writer's buffer before the file is whole
    cases = [
        CaseFactory(owner=semarang, person=PersonFactory(full_name=f"Sri Wahyuni Rahayu {n:03}", known_as="Ayu"))
        for n in range(300)
    ]
    secrets = [b"Sri Wahyuni", b"Rahayu", *(case.number.encode() for case in cases)]
    settings.EXPORT_CHUNK_SIZE = 20
    looks = []  # the names of the files read at each look
    in_clear = []  # (file, a secret it held) at any look

    def look():
        seen = []
        for path in _files_under(directories):
            content = path.read_bytes()
            in_clear.extend((path.name, secret) for secret in secrets if secret in content)
            seen.append(path.name)
        looks.append(seen)

    # when, between every two chunks (and before the file is sealed), every file on disk is read
    chunks = CaseListExport.chunks

    def chunks_looked_at(self, *args, **kwargs):
        for chunk in chunks(self, *args, **kwargs):
            yield chunk
            look()

    close = exports.EncryptingWriter.close

    def close_looked_at(self):
        if not self.closed:
            look()
        close(self)

    monkeypatch.setattr(CaseListExport, "chunks", chunks_looked_at)
    monkeypatch.setattr(exports.EncryptingWriter, "close", close_looked_at)
    export = queued(django_capture_on_commit_callbacks, actor=staff, kind="cases.case_list", format="xlsx", filters={})

    # then no file held a name or a case number at any of those moments (15 chunks, and the close)
    assert in_clear[:3] == []
    assert len(looks) == 16
    assert all(export.file_name in seen for seen in looks)  # the file being written was among them
    assert _files_under(directories) == [exports.export_dir() / export.file_name]
    # and the workbook opens, with the Indonesian headers and every row in order
    rows = xlsx_rows(export)
    assert rows[0][: len(HEADER)] == HEADER
    assert [row[0] for row in rows[1:]] == [case.number for case in cases]
    assert [row[1] for row in rows[1:]] == [f"Sri Wahyuni Rahayu {n:03}" for n in range(300)]
    assert export.row_count == 300


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_streamed_workbook_has_the_parts_openpyxl_itself_saves_for_the_same_rows():
    sheets = [
        ("daftar-kasus", ["Nomor kasus", "Nama"], [[["KS-1", "Sri"], ["KS-2", "'=1+1"]], [["KS-3", None]]]),
        ("angkatan", ["angkatan", "lulus"], [[["Batch 1", 12], ["Batch 2", 0.5]], [["catatan"]]]),
    ]
    # ours: written into a stream that cannot seek, as the encrypting writer is
    ours = io.BytesIO()
    unseekable = io.BufferedWriter(_Unseekable(ours))
    assert write_workbook(unseekable, sheets) == 6
    unseekable.flush()
    # openpyxl's own: a write-only workbook saved
    theirs = io.BytesIO()
    workbook = openpyxl.Workbook(write_only=True)
    for title, header, chunks in sheets:
        sheet = workbook.create_sheet(title=title)
        for row in [header, *(row for chunk in chunks for row in chunk)]:
            sheet.append(row)
    workbook.save(theirs)

    ours_parts, theirs_parts = _parts(ours.getvalue()), _parts(theirs.getvalue())
    assert sorted(ours_parts) == sorted(theirs_parts)
    moments = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*<")
    for name, content in theirs_parts.items():
        assert moments.sub(b"", ours_parts[name]) == moments.sub(b"", content), name
    book = openpyxl.load_workbook(io.BytesIO(ours.getvalue()))
    assert book.sheetnames == ["daftar-kasus", "angkatan"]
    assert [list(r) for r in book["angkatan"].iter_rows(values_only=True)][1] == ["Batch 1", 12]


class _Unseekable(io.RawIOBase):
    def __init__(self, into: io.BytesIO):
        super().__init__()
        self._into = into

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._into.write(data)


def test_the_purge_deletes_sheets_an_earlier_version_left_in_clear(directories, settings):
    spools = exports.export_dir() / "work"
    spools.mkdir()
    left = spools / "12-1-1.xml"
    left.write_text("<row><c><is><t>Sri Wahyuni</t></is></c></row>")
    two_hours_ago = (datetime.datetime.now() - datetime.timedelta(hours=2)).timestamp()
    os.utime(left, (two_hours_ago, two_hours_ago))
    being_written = spools / "13-1-1.xml"
    being_written.write_text("<row>")

    exports.exports_purge()

    # the one left behind is gone; the one a worker of that version may still be writing during a deploy is not
    assert not left.exists() and being_written.exists()
    os.utime(being_written, (two_hours_ago, two_hours_ago))
    exports.exports_purge()
    assert not spools.exists()


def test_sheets_whose_titles_begin_alike_get_names_of_their_own_within_31_characters():
    title = "Penerima manfaat menurut tahap dan kelompok sasaran"

    names = list(exports._sheet_titles([f"{title}: Jawa Tengah", f"{title}: Jawa Timur", "", "Ringkasan"]))

    assert names == [
        "penerima-manfaat-menurut-tahap-",
        "penerima-manfaat-menurut-taha-2",
        "sheet3",
        "ringkasan",
    ]
