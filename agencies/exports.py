"""Exports as background jobs (issue 17 §5): a case list or a report asked for in the admin, written by a worker.

Apps to the right plug in through one seam, so `agencies` never imports them: `register` names a kind of export
(its label, formats, the roles that may ask for it, the filters it takes) and how it yields its contents, either a
header and rows in chunks (a list) or a few small tables (an aggregate report, already suppressed). Each app's
`exports.py` registers its kinds (found by agencies.apps, as `reminders.py` is).

`export_request` writes the row (queued) and queues `export_run` after commit. The run writes the file in constant
memory: rows are read in keyset chunks (`WHERE pk > last ORDER BY pk LIMIT n`: no server-side cursor, so PgBouncer
in transaction mode works), streamed through the csv module or openpyxl's sheet writer (agencies.export_workbook)
into an encrypting writer (AES-GCM in chunks, the STREAM construction: a file cut short or reordered does not
decrypt); nothing of a file is ever on disk in clear, not even a sheet on its way into a workbook. A worker that
dies mid-file leaves the row "running"; the task (acks late) is delivered again and starts the file over as a new
attempt, and only the latest attempt may mark the row done, so a half file is never served.

A file is downloaded through a short-lived signed link, by the person who asked only (anyone else: 404), decrypted
on the fly. Request, completion and each download are in the trail with the filters and the row count; the "ready"
email names the kind and the count, never a row. Files are deleted after EXPORT_KEEP_DAYS by beat.
"""

import contextlib
import csv
import datetime
import hashlib
import hmac
import io
import logging
import os
import struct
import time
from base64 import urlsafe_b64decode
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, audit, audit_labels, notifications, step_up
from .models import Export, User
from .rulebook import Grant

logger = logging.getLogger(__name__)

# Plaintext bytes per encrypted record of a file.
RECORD_SIZE = 64 * 1024
# An export still queued this long after it was asked for missed the broker: the hourly sweep queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=30)
LINK_SALT = "agencies.exports:download-link"
# A database restart or a dropped connection: the run is given back to the broker and starts over.
TRANSIENT = (OperationalError, InterfaceError)


# Kinds


@dataclass
class ExportTable:
    """One table of an aggregate report: figures already suppressed and formatted as the page shows them."""

    title: str
    header: list[str]
    rows: list[list]
    notes: list[str] = field(default_factory=list)


class ExportKind:
    """A kind of export. A list yields `header()` and `chunks(...)`; an aggregate report (`aggregate = True`) yields
    `tables(...)`. Both read through the access rule as `actor`, in the requester's language and office time zone."""

    code: str = ""
    label: Promise | str = ""
    formats: tuple[str, ...] = (Export.Format.CSV, Export.Format.XLSX)
    # The roles that may ask for it: a list of people only for roles that may see personal data.
    roles: frozenset[str] = frozenset()
    aggregate: bool = False
    # A list of people (case-level): asking for it and downloading it need the second factor given lately
    # (agencies.step_up, issue 18).
    step_up: bool = False
    # The filters it takes, by name: each a function from the given text to the value kept (ids and codes only),
    # raising ValueError for anything else. A search term is never one of them: it would be kept in clear.
    filters: Mapping[str, Callable[[str], object]] = {}
    # False for a kind whose file a service writes itself, in the request (`export_written`): never queued for
    # the worker, which would not know how to write it.
    queued: bool = True

    def clean_filters(self, actor, raw: Mapping) -> dict:
        """The filters as kept on the row; a ValidationError naming `filters` for an unknown or malformed one."""
        unknown = set(raw) - set(self.filters)
        if unknown:
            raise ValidationError(
                {"filters": _("This export cannot be filtered by %(names)s.") % {"names": ", ".join(sorted(unknown))}}
            )
        cleaned = {}
        for name, value in raw.items():
            if value in ("", None):
                continue
            try:
                cleaned[name] = self.filters[name](str(value))
            except (TypeError, ValueError):
                raise ValidationError({"filters": _("The filter %(name)s is not valid.") % {"name": name}}) from None
        return cleaned

    def header(self) -> list[str]:
        raise NotImplementedError

    def chunks(self, actor, filters: dict, *, size: int) -> Iterator[list[list]]:
        raise NotImplementedError

    def tables(self, actor, filters: dict) -> list[ExportTable]:
        raise NotImplementedError

    def left_out(self, actor, filters: dict) -> int:
        """How many rows a list left out that `actor` would otherwise have had (a person whose processing is
        restricted: cases.exports); recorded on the export and in its trail. Aggregates leave nobody out."""
        return 0

    def title(self, filters: dict) -> str:
        """How "Ekspor saya" and the email name it (no personal data)."""
        return str(self.label)


KINDS: dict[str, ExportKind] = {}


def kind_label(code: str) -> str:
    """What an export kind is called ("Daftar kasus"); a kind no longer registered by its code."""
    kind = KINDS.get(code)
    return str(kind.label) if kind is not None and kind.label else code


# The trail names an export's kind in words, as it names an email's.
audit_labels.VALUE_LABELS["agencies.Export.kind"] = kind_label

# How the trail names an export's filters (ids and codes only): by filter name, its words and how its value reads,
# registered by the app whose kind takes it. No value is looked up in the database: the trail's list shows many.
FILTER_LABELS: dict[str, tuple[object, Callable[[object], str]]] = {}


def register_filter_label(name: str, label, value: Callable[[object], str] = str) -> None:
    FILTER_LABELS[name] = (label, value)


def filters_label(filters) -> str:
    """An export's filters as a person reads them ("Periode dari: Jan 2025; Program: 3"); "—" for none."""
    if not isinstance(filters, Mapping):
        return str(filters)
    parts = []
    for name, value in filters.items():
        label, read = FILTER_LABELS.get(name, (name, str))
        parts.append(f"{label}: {read(value)}")
    return "; ".join(parts) or "—"


def month_label(key) -> str:
    """A filter's month ("2025-01") as the reader's month ("Jan 2025"); anything else as given."""
    try:
        year, month = str(key).split("-")
        return formats.date_format(datetime.date(int(year), int(month), 1), "M Y")
    except ValueError:
        return str(key)


audit_labels.VALUE_LABELS["agencies.Export.filters"] = filters_label
register_filter_label("period_from", gettext_lazy("Period from"), month_label)
register_filter_label("period_to", gettext_lazy("Period to"), month_label)
register_filter_label("province", gettext_lazy("Province"))
register_filter_label("district", gettext_lazy("Regency/city"))
register_filter_label("program", gettext_lazy("Program"))
register_filter_label("target_group", gettext_lazy("Target group"))


def register(kind: type[ExportKind] | ExportKind) -> type[ExportKind] | ExportKind:
    """Register a kind of export (usable as a class decorator)."""
    instance = kind() if isinstance(kind, type) else kind
    KINDS[instance.code] = instance
    return kind


def positive_id(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


def one_of(choices: Iterable[str]) -> Callable[[str], str]:
    allowed = {str(c) for c in choices}

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(value)
        return value

    return check


def grant_for(actor, kind: ExportKind) -> Grant | None:
    """The grant `actor` asks for `kind` under: the first whose role the kind admits."""
    return next((g for g in access.grants_of(actor) if g.role in kind.roles), None)


def may_ask(actor, code: str) -> bool:
    kind = KINDS.get(code)
    return kind is not None and grant_for(actor, kind) is not None


def kinds_for(actor) -> list[ExportKind]:
    return [kind for kind in KINDS.values() if grant_for(actor, kind) is not None]


def keyset_chunks(rows: QuerySet, columns: Iterable[str], *, size: int) -> Iterator[list[tuple]]:
    """`rows`' `columns` in chunks of `size`, by primary key: each chunk one `WHERE pk > last ORDER BY pk LIMIT size`
    query (its own short statement: no server-side cursor, no transaction held across chunks). The pk is not
    among the values yielded."""
    columns = list(columns)
    last = None
    while True:
        page = rows.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        with transaction.atomic(using=rows.db, savepoint=False), connections[rows.db].cursor() as cursor:
            # A page is a short `LIMIT` walk of the key's index, yet at a million rows PostgreSQL plans it with
            # parallel workers (Gather Merge), whose start on every page cost more than the page's read: half of
            # 100,000 cases' export. SET LOCAL ends with the page's transaction (PgBouncer's transaction mode too).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            found = list(page.values_list("pk", *columns)[:size])
        if not found:
            return
        last = found[-1][0]
        yield [row[1:] for row in found]
        if len(found) < size:
            return
        if settings.EXPORT_CHUNK_DELAY:
            time.sleep(settings.EXPORT_CHUNK_DELAY)


# Spreadsheet formula injection (OWASP "CSV injection"): a cell a spreadsheet would read as a formula is prefixed with
# an apostrophe, so it is shown as the text it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralized(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Encryption at rest: AES-256-GCM in records (the STREAM construction). The key is derived from FIELD_ENCRYPTION_KEY
# for this purpose; the file names its key by an id, so a file written before a key rotation still decrypts while the
# old key is among FIELD_ENCRYPTION_KEY_FALLBACKS.
MAGIC = b"RSEXP1\n"
_HEADER = len(MAGIC) + 8 + 7  # magic, key id, nonce prefix
_RECORD = struct.Struct(">BI")  # last-record flag, ciphertext length


def _file_key(root_key: str) -> tuple[bytes, bytes]:
    key = hmac.new(urlsafe_b64decode(root_key), b"export-file", hashlib.sha256).digest()
    return key, hmac.new(key, b"key-id", hashlib.sha256).digest()[:8]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A binary stream that writes what it is given to `path`, encrypted, a record of RECORD_SIZE bytes at a time.

    `close()` writes the last record, which marks the file complete; `abort()` leaves it unmarked (and deletes it).
    A file without its last record never decrypts: a worker killed mid-file leaves nothing readable."""

    def __init__(self, path: Path):
        super().__init__()
        key, key_id = _file_key(settings.FIELD_ENCRYPTION_KEY)
        self._aead = AESGCM(key)
        self._prefix = os.urandom(7)
        self._path = path
        self._file = open(path, "xb")  # noqa: SIM115 — closed by close() or abort()
        os.chmod(path, 0o600)
        self._header = MAGIC + key_id + self._prefix
        self._file.write(self._header)
        self._buffer = bytearray()
        self._counter = 0
        self.size = len(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) >= RECORD_SIZE:
            self._seal(bytes(self._buffer[:RECORD_SIZE]), last=False)
            del self._buffer[:RECORD_SIZE]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, self._header)
        self._counter += 1
        self._file.write(_RECORD.pack(int(last), len(sealed)) + sealed)
        self.size += _RECORD.size + len(sealed)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        super().close()

    def abort(self) -> None:
        if not self.closed:
            self._file.close()
            self._path.unlink(missing_ok=True)
        super().close()


def _keys_by_id() -> dict[bytes, bytes]:
    found = {}
    for root in [settings.FIELD_ENCRYPTION_KEY, *settings.FIELD_ENCRYPTION_KEY_FALLBACKS]:
        key, key_id = _file_key(root)
        found.setdefault(key_id, key)
    return found


class DamagedFile(Exception):
    """The file does not decrypt: another key, cut short, or changed."""


def decrypted(path: Path) -> Iterator[bytes]:
    """The plaintext of an export file, a record at a time; DamagedFile when a record fails or the last is missing."""
    with open(path, "rb") as f:
        header = f.read(_HEADER)
        if len(header) != _HEADER or not header.startswith(MAGIC):
            raise DamagedFile("not an export file")
        key = _keys_by_id().get(header[len(MAGIC) : len(MAGIC) + 8])
        if key is None:
            raise DamagedFile("written with a key no longer configured")
        aead, prefix, counter = AESGCM(key), header[-7:], 0
        while True:
            head = f.read(_RECORD.size)
            if len(head) != _RECORD.size:
                raise DamagedFile("cut short")
            last, length = _RECORD.unpack(head)
            sealed = f.read(length)
            try:
                plain = aead.decrypt(_nonce(prefix, counter, bool(last)), sealed, header)
            except InvalidTag:
                raise DamagedFile("changed or reordered") from None
            counter += 1
            if plain:
                yield plain
            if last:
                if f.read(1):
                    raise DamagedFile("data after the last record")
                return


# Writing a file


def export_dir() -> Path:
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _discard_files(export_id: int) -> None:
    for path in export_dir().glob(f"{export_id}-*"):
        path.unlink(missing_ok=True)


def _write_csv(out: EncryptingWriter, header: list[str], chunks: Iterable[list[list]]) -> int:
    # UTF-8 with a byte-order mark: how Excel recognises UTF-8 (names with diacritics) in a CSV.
    text = io.TextIOWrapper(io.BufferedWriter(out, RECORD_SIZE), encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([neutralized(h) for h in header])
    count = 0
    for chunk in chunks:
        writer.writerows([[neutralized(value) for value in row] for row in chunk])
        count += len(chunk)
    text.flush()
    text.detach().flush()
    return count


def _xlsx_cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = neutralized(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _sheet_titles(titles: Iterable[str]) -> Iterator[str]:
    """Sheet names as a spreadsheet takes them: at most 31 characters, each its own (case aside). openpyxl makes a
    repeated name its own by adding a digit, past 31 characters: Excel then refuses the file."""
    taken = set()
    for number, title in enumerate(titles, 1):
        base = slugify(title)[:31] or f"sheet{number}"
        name, again = base, 1
        while name.lower() in taken:
            again += 1
            name = f"{base[: 31 - len(str(again)) - 1]}-{again}"
        taken.add(name.lower())
        yield name


def _write_xlsx(out: EncryptingWriter, sheets: Iterable[tuple[str, list[str], Iterable[list[list]]]]) -> int:
    # Each sheet streamed into the zip inside the encrypting stream: nothing on disk in clear (export_workbook).
    from .export_workbook import write_workbook

    sheets = list(sheets)
    titles = _sheet_titles(sheet[0] for sheet in sheets)
    titled = [(title, header, chunks) for title, (_title, header, chunks) in zip(titles, sheets, strict=True)]
    return write_workbook(out, titled, cell=_xlsx_cell)


def _write_pdf(out: EncryptingWriter, title: str, tables: list[ExportTable]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story = [Paragraph(title, styles["Title"])]
    for table in tables:
        story.append(Paragraph(table.title, styles["Heading2"]))
        grid = Table([table.header, *table.rows], repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3")),
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ]
            )
        )
        story.append(grid)
        story.extend(Paragraph(note, styles["Normal"]) for note in table.notes)
        story.append(Spacer(1, 12))
    buffered = io.BufferedWriter(out, RECORD_SIZE)
    SimpleDocTemplate(buffered, pagesize=landscape(A4), title=title).build(story)
    buffered.flush()


def _table_chunks(table: ExportTable) -> Iterator[list[list]]:
    title_rows = [[table.title]] if table.title else []
    yield [*title_rows, table.header, *table.rows, *([note] for note in table.notes), []]


def _write(export: Export, kind: ExportKind, actor: User, out: EncryptingWriter) -> int:
    filters = export.filters
    size = settings.EXPORT_CHUNK_SIZE
    if kind.aggregate:
        tables = kind.tables(actor, filters)
        count = sum(len(table.rows) for table in tables)
        if export.format == Export.Format.PDF:
            _write_pdf(out, kind.title(filters), tables)
        elif export.format == Export.Format.XLSX:
            _write_xlsx(out, [(t.title, t.header, [t.rows, *([n] for n in t.notes)]) for t in tables])
        else:
            _write_csv(out, [kind.title(filters)], (chunk for t in tables for chunk in _table_chunks(t)))
        return count
    chunks = kind.chunks(actor, filters, size=size)
    if export.format == Export.Format.XLSX:
        return _write_xlsx(out, [(kind.title(filters), kind.header(), chunks)])
    return _write_csv(out, kind.header(), chunks)


# Services


def _audit_data(export: Export, **more) -> dict:
    return {"kind": export.kind, "format": export.format, "filters": export.filters, **more}


@transaction.atomic
def export_request(*, actor: User, kind: str, format: str, filters: Mapping) -> Export:  # noqa: A002
    """Queue an export of `kind` in `format` with `filters` for `actor`. ValidationError for an unknown kind, format
    or filter; PermissionDenied when no role of `actor` may ask for this kind."""
    found = KINDS.get(kind)
    if found is None or not found.queued:
        raise ValidationError({"kind": _("There is no such kind of export.")})
    if format not in found.formats:
        raise ValidationError({"format": _("This export cannot be written as %(format)s.") % {"format": format}})
    grant = grant_for(actor, found)
    if grant is None:
        raise PermissionDenied(_("Your role may not export this."))
    if found.step_up:
        step_up.require(actor)
    cleaned = found.clean_filters(actor, filters)
    export = Export.objects.create(
        requested_by=actor, agency=grant.agency, kind=found.code, format=format, filters=cleaned
    )
    audit.record(
        actor, "agencies.export.requested", export, _audit_data(export), agency=grant.agency, acting_for=grant.agency
    )
    transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def export_written(
    *,
    actor: User,
    agency,
    kind: str,
    format: str,
    filters: Mapping,
    write: Callable[[io.RawIOBase], int],  # noqa: A002
) -> Export:
    """A file of `kind` written now, in the caller's transaction, by `write(out)` (which returns its row count):
    for a service whose file is small enough to write while the person waits (a subject-access bundle). The file
    is encrypted and kept like any export (its row is done at once, purged after EXPORT_KEEP_DAYS, downloaded by
    whoever asked only); the request and its completion are in the trail. The caller decides who may ask."""
    found = KINDS[kind]
    export = Export.objects.create(
        requested_by=actor, agency=agency, kind=found.code, format=format, filters=dict(filters)
    )
    audit.record(actor, "agencies.export.requested", export, _audit_data(export), agency=agency, acting_for=agency)
    path = export_dir() / f"{export.pk}-1.{format}.enc"
    out = EncryptingWriter(path)
    # A failing `write` leaves no file (and its exception rolls the row back). A rollback after a good write leaves
    # an encrypted file no row names, which no link can serve (the number is never given again).
    try:
        count = write(out)
        out.close()
    except BaseException:
        out.abort()
        raise
    now = timezone.now()
    export.status, export.attempts, export.started_at, export.finished_at = Export.Status.DONE, 1, now, now
    export.expires_at = now + datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    export.row_count, export.file_name, export.file_size = count, path.name, out.size
    export.save(
        update_fields=[
            "status",
            "attempts",
            "started_at",
            "finished_at",
            "expires_at",
            "row_count",
            "file_name",
            "file_size",
            "updated_at",
        ]
    )
    audit.record(
        actor, "agencies.export.finished", export, _audit_data(export, rows=count), agency=agency, acting_for=agency
    )
    return export


def _enqueue(export_id: int) -> None:
    from .tasks import export_run_task

    try:
        export_run_task.apply_async((export_id,), retry=False)
    except Exception:  # noqa: BLE001 — any broker fault: the row waits, queued, for the hourly sweep
        logger.warning("Broker unavailable: export %d left for the sweep.", export_id)


def _locked(export_id: int) -> Export | None:
    return Export.objects.select_for_update().filter(pk=export_id).first()


def export_run(export_id: int) -> Export | None:
    """Write export `export_id`'s file and mark it done (and send the "ready" email). A row already done, failed or
    expired is left alone; a row left running by a worker that died is started over, as a new attempt."""
    with transaction.atomic():
        export = _locked(export_id)
        if export is None or export.status not in (Export.Status.QUEUED, Export.Status.RUNNING):
            return export
        export.status, export.started_at = Export.Status.RUNNING, timezone.now()
        export.attempts += 1
        export.row_count, export.error = None, ""
        export.save(update_fields=["status", "started_at", "attempts", "row_count", "error", "updated_at"])
    attempt = export.attempts
    # What an earlier attempt left (a worker killed mid-file): started over, never continued.
    _discard_files(export.pk)
    kind = KINDS.get(export.kind)
    actor = User.objects.get(pk=export.requested_by_id)
    name = f"{export.pk}-{attempt}.{export.format}.enc"
    path = export_dir() / name
    out = None
    try:
        if kind is None:
            raise LookupError("unknown export kind")
        out = EncryptingWriter(path)
        with (
            translation.override(actor.language or settings.LANGUAGE_CODE),
            timezone.override(notifications.zone_of(export.agency)),
        ):
            count = _write(export, kind, actor, out)
            left_out = 0 if kind.aggregate else kind.left_out(actor, export.filters)
        out.close()
    except TRANSIENT:
        if out is not None:
            out.abort()
        _discard_files(export.pk)
        raise  # the task is retried, and the retry starts the file over
    except Exception as exc:  # noqa: BLE001 — whatever broke, the row says failed; the class only (no row's text)
        if out is not None:
            out.abort()
        _discard_files(export.pk)
        logger.warning("Export %d failed: %s", export.pk, type(exc).__name__)
        return _finish_failed(export.pk, attempt, type(exc).__name__)
    return _finish_done(export.pk, attempt, path, count, out.size, kind, left_out)


@transaction.atomic
def _finish_done(
    export_id: int, attempt: int, path: Path, count: int, size: int, kind: ExportKind, left_out: int = 0
) -> Export | None:
    export = _locked(export_id)
    if export is None or export.attempts != attempt or export.status != Export.Status.RUNNING:
        # A newer attempt took over (this one's message was delivered again while it ran): its file is the one.
        path.unlink(missing_ok=True)
        return export
    now = timezone.now()
    export.status, export.finished_at = Export.Status.DONE, now
    export.expires_at = now + datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    export.row_count, export.file_name, export.file_size = count, path.name, size
    export.excluded_count = left_out or None
    export.save(
        update_fields=[
            "status",
            "finished_at",
            "expires_at",
            "row_count",
            "excluded_count",
            "file_name",
            "file_size",
            "updated_at",
        ]
    )
    actor = export.requested_by
    audit.record(
        actor,
        "agencies.export.finished",
        export,
        _audit_data(export, rows=count, **({"excluded_count": left_out} if left_out else {})),
        agency=export.agency,
        acting_for=export.agency,
    )
    _notify_ready(export, kind)
    return export


@transaction.atomic
def _finish_failed(export_id: int, attempt: int, error: str) -> Export | None:
    export = _locked(export_id)
    if export is None or export.attempts != attempt or export.status != Export.Status.RUNNING:
        return export
    export.status, export.finished_at, export.error = Export.Status.FAILED, timezone.now(), error[:200]
    export.save(update_fields=["status", "finished_at", "error", "updated_at"])
    audit.record(
        export.requested_by,
        "agencies.export.failed",
        export,
        _audit_data(export),
        agency=export.agency,
        acting_for=export.agency,
    )
    return export


# The "ready" email: the kind and the count, and a link; never a row of the file.
EXPORT_READY = notifications.register_kind(
    "export_ready", gettext_lazy("Your export is ready"), "agencies/exports/notifications/export_ready"
)
notifications.PERIOD_WORDS.setdefault(Export.Status.DONE.value, Export.Status.DONE.label)


def _notify_ready(export: Export, kind: ExportKind) -> None:
    notifications.notify(
        [
            notifications.Draft(
                recipient=export.requested_by,
                agency=export.agency,
                kind=EXPORT_READY.code,
                subject=f"agencies.export:{export.pk}",
                period=Export.Status.DONE.value,
                context={
                    "title": kind.title(export.filters),
                    "format": export.get_format_display(),
                    "rows": export.row_count,
                    "url": download_link(export),
                    "link_hours": settings.EXPORT_LINK_MAX_AGE // 3600,
                    "expires_at": export.expires_at,
                    "list_url": settings.SITE_URL + reverse("admin:agencies_export_changelist"),
                },
            )
        ]
    )


# Downloading


def download_token(export: Export) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(export.pk))


def download_link(export: Export) -> str:
    """An absolute link to the file; it works for EXPORT_LINK_MAX_AGE seconds, for the person who asked only."""
    return settings.SITE_URL + reverse("admin:agencies_export_download", args=[download_token(export)])


def exports_of(actor) -> QuerySet[Export]:
    """The exports `actor` asked for: nobody else's, whatever their role."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        return Export.objects.none()
    return Export.objects.filter(requested_by=actor)


def export_for_download(actor, token: str) -> Export:
    """The done export a link was made for, if `actor` asked for it and the link is fresh; Http404 otherwise."""
    try:
        pk = signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=settings.EXPORT_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired too
        raise Http404(access.NOT_FOUND) from None
    export = exports_of(actor).filter(pk=pk, status=Export.Status.DONE).first()
    if export is None or not export.file_name or not (export_dir() / export.file_name).is_file():
        raise Http404(access.NOT_FOUND)
    return export


def file_name_for(export: Export) -> str:
    """The name the browser saves it under: the kind and the row's number (no person, no date)."""
    kind = KINDS.get(export.kind)
    label = kind.title(export.filters) if kind else export.kind
    return f"{slugify(label) or 'ekspor'}-{export.pk}.{export.format}"


def export_downloaded(actor, export: Export) -> Iterator[bytes]:
    """Log the download and return the file's plaintext, decrypted a record at a time as it is sent. A list of
    people asks for the second factor again (StepUpRequired) when it was not given lately."""
    kind = KINDS.get(export.kind)
    if kind is None or kind.step_up:
        step_up.require(actor)
    audit.record(
        actor, "agencies.export.downloaded", export, _audit_data(export, rows=export.row_count), agency=export.agency
    )
    return decrypted(export_dir() / export.file_name)


CONTENT_TYPES = {
    Export.Format.CSV: "text/csv; charset=utf-8",
    Export.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Export.Format.PDF: "application/pdf",
}


# Purging


def exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports past their days (status expired), and give up on exports left unfinished for as
    long (failed); returns how many rows changed."""
    now = now or timezone.now()
    keep = datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    due = Export.objects.filter(status=Export.Status.DONE, expires_at__lte=now)
    abandoned = Export.objects.filter(
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING], created_at__lte=now - keep
    )
    changed = 0
    for export_id in [*due.values_list("pk", flat=True), *abandoned.values_list("pk", flat=True)]:
        with transaction.atomic():
            export = _locked(export_id)
            if export.status == Export.Status.DONE and export.expires_at <= now:
                export.status = Export.Status.EXPIRED
            elif export.status in (Export.Status.QUEUED, Export.Status.RUNNING) and export.created_at <= now - keep:
                export.status, export.error = Export.Status.FAILED, "abandoned"
            else:
                continue
            _discard_files(export.pk)
            export.file_name, export.file_size = "", None
            export.save(update_fields=["status", "error", "file_name", "file_size", "updated_at"])
            changed += 1
    _delete_old_spools(now)
    return changed


# An earlier version spooled a workbook's sheets in clear to files here before being zipped (openpyxl's
# write-only sheet); a worker that died mid-file left one behind. Nothing writes here any more: what is left, and
# not being written by a worker of the old version during a deploy (an hour untouched), is deleted.
LEGACY_SPOOL_DIR = "work"
LEGACY_SPOOL_IDLE = datetime.timedelta(hours=1)


def _delete_old_spools(now: datetime.datetime) -> None:
    directory = export_dir() / LEGACY_SPOOL_DIR
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime <= (now - LEGACY_SPOOL_IDLE).timestamp():
                path.unlink()
    with contextlib.suppress(OSError):  # not empty yet: a spool still being written
        directory.rmdir()


def exports_requeue(*, now: datetime.datetime | None = None) -> int:
    """Queue again the exports still waiting long after they were asked for (the broker was down then)."""
    now = now or timezone.now()
    keep = datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    waiting = Export.objects.filter(
        status=Export.Status.QUEUED, created_at__lte=now - REQUEUE_AFTER, created_at__gt=now - keep
    ).values_list("pk", flat=True)
    ids = list(waiting)
    for export_id in ids:
        _enqueue(export_id)
    return len(ids)


# How the pages say it


def status_label(export: Export) -> str:
    return str(export.get_status_display())


def expiry_label(export: Export) -> str:
    if export.status != Export.Status.DONE or export.expires_at is None:
        return "—"
    return formats.date_format(timezone.localtime(export.expires_at), "DATE_FORMAT")


# Retention (issue 18 item 9): a file written before someone in it was pseudonymized still names her until it
# expires; the retention job deletes such files at once. Aggregate reports (already suppressed) name no one.


def _live_lists() -> QuerySet[Export]:
    aggregate = [code for code, kind in KINDS.items() if kind.aggregate]
    return Export.objects.filter(status=Export.Status.DONE).exclude(file_name="").exclude(kind__in=aggregate)


def oldest_live_list_export() -> datetime.datetime | None:
    """When the oldest export file that may list people still kept began to be written (None: there is none)."""
    return _live_lists().order_by("started_at").values_list("started_at", flat=True).first()


def _cells(export: Export) -> Iterator[str]:
    """Every cell of an export's file, as text (a spreadsheet's formula guard taken off)."""
    data = b"".join(decrypted(export_dir() / export.file_name))
    if export.format == Export.Format.CSV:
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            yield from (cell.removeprefix("'") for cell in row)
    elif export.format == Export.Format.XLSX:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield from (str(cell).removeprefix("'") for cell in row if cell is not None)
        workbook.close()
    else:
        yield from ()  # a list written as PDF cannot be read back here: the caller deletes it to be safe


def exports_delete_mentioning(written_before: Mapping[str, datetime.datetime]) -> int:
    """Delete the files of kept list exports with a cell equal to a key of `written_before` (a case number) and
    begun before that key's moment (when her data was pseudonymized); returns how many. The rows say expired."""
    deleted = 0
    for export in _live_lists().order_by("pk"):
        path = export_dir() / export.file_name
        if export.format == Export.Format.PDF:
            names = True
        else:
            try:
                names = any(
                    (moment := written_before.get(cell)) is not None and export.started_at <= moment
                    for cell in _cells(export)
                )
            except (DamagedFile, OSError):
                names = path.exists()  # unreadable yet present: it may name her, so it goes
        if not names:
            continue
        with transaction.atomic():
            locked = _locked(export.pk)
            if locked is None or locked.status != Export.Status.DONE:
                continue
            _discard_files(locked.pk)
            locked.status, locked.file_name, locked.file_size = Export.Status.EXPIRED, "", None
            locked.save(update_fields=["status", "file_name", "file_size", "updated_at"])
            audit.record_system(
                "agencies.export.deleted_by_retention", locked, _audit_data(locked), agency_id=locked.agency_id
            )
        deleted += 1
    return deleted
