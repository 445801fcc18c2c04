"""Reading what an export wrote, as the person who downloads it would: through the download view's own decryption."""

import csv
import io

import openpyxl

from agencies import exports
from agencies.models import Export


def plain_bytes(export: Export) -> bytes:
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, (export.status, export.error)
    return b"".join(exports.decrypted(exports.export_dir() / export.file_name))


def csv_rows(export: Export) -> list[list[str]]:
    text = plain_bytes(export).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_rows(export: Export, sheet: int = 0) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(plain_bytes(export)), read_only=True)
    return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def queued(django_capture_on_commit_callbacks, **request) -> Export:
    """Ask for an export as the admin's button does, and run what is queued on commit (the task, eagerly)."""
    with django_capture_on_commit_callbacks(execute=True):
        export = exports.export_request(**request)
    export.refresh_from_db()
    return export
