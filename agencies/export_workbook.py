"""An export's workbook (XLSX) written into its encrypting stream, with nothing of it on disk in clear.

openpyxl's write-only workbook keeps memory flat by spooling each sheet's XML to a temporary file, which it zips
into the workbook when saved: a case list (names, case numbers) would lie on disk unencrypted while it is written,
and after a worker died until something deleted it. Here each sheet's XML is written by openpyxl's own sheet
writer straight into its entry of the zip archive, deflated into the encrypting stream as rows come: memory stays
that of a row and the compressor's window, and the disk only ever sees ciphertext. The workbook's other parts
(styles, the workbook, relations, content types) are then written by openpyxl's own ExcelWriter, told that the
sheets are already in.

This leans on three private parts of openpyxl 3.1 (pinned in requirements.txt): `WorksheetWriter(sheet, out=…)`
(what a write-only sheet writes through), `ExcelWriter.write_worksheet` (overridden below) and a sheet's `_id`
(its number in its part's name). tests/agencies/test_exports_xlsx.py checks that our file's parts are byte for byte
those openpyxl's own `save` writes for the same rows, so an upgrade that changes any of them fails there.
"""

import datetime
import zipfile
from collections.abc import Callable, Iterable
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

# A sheet: its title, its header, and its rows in chunks.
Sheet = tuple[str, list, Iterable[list[list]]]


class _SheetsAlreadyIn(ExcelWriter):
    """openpyxl's writer of a workbook's parts, for a workbook whose sheets' XML is already in the archive: it
    records each sheet (its drawing, relations and content type) as its own `write_worksheet` does after copying
    the spooled XML in, and copies nothing."""

    def write_worksheet(self, ws):
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        ws._rels = ws._writer._rels
        self.manifest.append(ws)


def write_workbook(out: BinaryIO, sheets: Iterable[Sheet], cell: Callable = lambda value: value) -> int:
    """Write `sheets` as an XLSX workbook into `out` (a stream that need not be seekable), each value as `cell`
    makes it; returns how many rows were written under the headers, all sheets together."""
    workbook = Workbook(write_only=True)
    count = 0
    # `out` is not seekable: zipfile writes each entry's sizes after its data (a data descriptor), and one entry
    # is open at a time, which is how the sheets come.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (title, header, chunks) in enumerate(sheets, 1):
            sheet = workbook.create_sheet(title=title)
            sheet._id = number  # the number ExcelWriter gives it again: sheets are numbered in order from 1
            with archive.open(sheet.path.removeprefix("/"), "w") as entry:
                sheet._writer = WorksheetWriter(sheet, out=entry)
                sheet._writer.write_top()
                sheet.append([cell(value) for value in header])
                for chunk in chunks:
                    for row in chunk:
                        sheet.append([cell(value) for value in row])
                    count += len(chunk)
                sheet.close()
        if not workbook.worksheets:
            raise ValueError("a workbook needs a sheet")
        # As openpyxl's save_workbook stamps it.
        workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _SheetsAlreadyIn(workbook, archive).write_data()
    return count
