"""An NGO's intake sheet (pendataan), from the API or a CSV/XLSX upload: rows checked for shape, registered
set-based by `case_register_many`, and a result per row, with the rows in error offered back as a file."""

import csv
import datetime
import functools
import io
import re

from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

from agencies.api import strict
from agencies.api.strict import RejectUnknownFields
from agencies.models import Agency

from ..models import Site
from ..services import PERSON_EDITABLE
from . import references
from .input import IntakeInputSerializer
from .services import RowResult, case_register_many

MAX_BULK_ROWS = 1000


class _SheetRowField(serializers.DictField):
    """An object of a sheet, kept as it is: its values are checked by `register`. DictField would run each value
    through a field that returns it unchanged, 15,000 calls for a sheet of 1,000 rows."""

    def run_child_validation(self, data):
        return {str(key): value for key, value in data.items()}


class BulkIntakeInputSerializer(RejectUnknownFields, serializers.Serializer):
    rows = serializers.ListField(
        child=_SheetRowField(),
        allow_empty=False,
        max_length=MAX_BULK_ROWS,
        help_text=_("Intake rows, each with your own `external_id`: resending a row is safe."),
    )


# A row: its own id, the person as an edit names them (where they are now is the row's `site`), the case's group.
COLUMNS = ["external_id", *(f for f in PERSON_EDITABLE if f != "current_site"), "site", "target_group"]


# The headers staff write in their own sheets, beside the API's field names (both are read). A file format, so
# they are not translated; what each column holds is (`COLUMN_HELP`).
INDONESIAN_HEADERS = {
    "external_id": "nomor data",
    "full_name": "nama lengkap",
    "known_as": "nama panggilan",
    "nik": "nik",
    "birth_date": "tanggal lahir",
    "birth_year": "tahun lahir",
    "sex": "jenis kelamin",
    "phone": "nomor telepon",
    "home_region": "daerah asal",
    "address": "alamat",
    "site": "lokasi",
    "target_group": "kelompok sasaran",
}
COLUMN_HELP = {
    "external_id": _("Your own number for the person (required): sending the row again registers nobody twice."),
    "full_name": _("Full name (required)."),
    "known_as": _("The name the person is known by."),
    "nik": _("NIK: 16 digits, from the KTP."),
    "birth_date": _("Birth date, as YYYY-MM-DD."),
    "birth_year": _("Birth year, when the date is unknown."),
    "sex": _("Sex (required): P or L."),
    "phone": _("Phone number."),
    "home_region": _("Home region as a Kemendagri code, e.g. 35.10."),
    "address": _("Address."),
    "site": _("Site number."),
    "target_group": _("Target group as its number, e.g. 10 (required)."),
}
# A sheet holds text, and the API's row takes numbers as JSON numbers: a whole number written in these columns is
# read as one ("1990", or "1990.0" from a spreadsheet's number cell); anything else stays text, and the row's check
# refuses it as the API would.
NUMBER_COLUMNS = ("birth_year", "site", "target_group")
_WRITTEN_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}(?:\.0*)?", re.ASCII)
ERRORS_HEADER = "kesalahan"
# Sexes as written on Indonesian forms (Perempuan / Laki-laki), beside the API's codes.
SEXES = {"p": "F", "perempuan": "F", "f": "F", "l": "M", "laki-laki": "M", "laki laki": "M", "m": "M"}
STATUS_LABELS = {
    "created": _("registered"),
    "duplicate": _("already registered"),
    "error": _("not registered"),
}


def _header_key(header: str) -> str:
    # "Nama Lengkap", "nama_lengkap" and "nama-lengkap" are one header; so are "full_name" and "Full name".
    return re.sub(r"[\s_-]+", " ", header.strip().lower())


_COLUMN_OF = {_header_key(c): c for c in COLUMNS} | {_header_key(h): c for c, h in INDONESIAN_HEADERS.items()}


def _column_of(header: str) -> str:
    """The field a sheet's header names, in either language; an unknown header is kept (and later ignored)."""
    return _COLUMN_OF.get(_header_key(header), header.strip())


@functools.cache  # one class for the process: building it and its fields costs more than checking a row
def _row_serializer():

    class Row(IntakeInputSerializer):
        """The shape of a row. Related rows are taken as their codes here and looked up for the whole sheet at once
        (`_resolve`): a sheet of 1,000 rows is a handful of queries, not several per row."""

        external_id = strict.CharField(max_length=64)
        home_region = strict.CharField(max_length=13, required=False, allow_null=True, default=None)
        site = strict.IntegerField(required=False, allow_null=True, default=None)
        target_group = strict.IntegerField()
        other_target_groups = serializers.ListField(child=strict.IntegerField(), required=False, default=list)
        owner = strict.IntegerField(required=False, allow_null=True, default=None)

    return Row


def _references() -> dict:
    """Field → (codes → the rows of them that exist, the refusal of an unknown one, as the API's)."""
    by_code = serializers.SlugRelatedField.default_error_messages["does_not_exist"]
    by_pk = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
    owners = Agency.objects.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, active=True)
    return {
        "home_region": (references.regions, lambda v: by_code.format(slug_name="code", value=v)),
        "site": (Site.objects.in_bulk, lambda v: by_pk.format(pk_value=v)),
        "target_group": (references.target_groups, lambda v: by_code.format(slug_name="code", value=v)),
        "other_target_groups": (references.target_groups, lambda v: by_code.format(slug_name="code", value=v)),
        "owner": (owners.in_bulk, lambda v: by_pk.format(pk_value=v)),
    }


def _resolve(checked: list[tuple[int, dict]]) -> dict[int, dict]:
    """Replace the codes in every checked row by their rows, at most one query per kind of row (none for regions
    and target groups already known); {index: errors} of the rows naming one that does not exist (or that they
    may not name, e.g. an inactive office)."""
    kinds = _references()
    wanted: dict[object, set] = {}
    for field, (lookup, _refusal) in kinds.items():
        codes = wanted.setdefault(lookup, set())
        for _index, row in checked:
            value = row.get(field)
            codes.update(value if isinstance(value, list) else [value])
    found = {lookup: lookup(codes - {None}) if codes - {None} else {} for lookup, codes in wanted.items()}
    errors: dict[int, dict] = {}
    for index, row in checked:
        for field, (lookup, refusal) in kinds.items():
            value, rows = row.get(field), found[lookup]
            if isinstance(value, list):
                unknown = [v for v in value if v not in rows]
                row[field] = [rows[v] for v in value if v in rows]
            else:
                unknown = [value] if value is not None and value not in rows else []
                row[field] = rows.get(value) if value is not None else None
            if unknown:
                errors.setdefault(index, {})[field] = [refusal(v) for v in unknown]
    return errors


class _Unsure(Exception):
    """A value the plain check does not vouch for: the serializer decides, and words the error if there is one."""


def _plain_char(field, value):
    if type(value) is not str:
        raise _Unsure
    value = value.strip() if field.trim_whitespace else value
    if not value or (field.max_length is not None and len(value) > field.max_length) or "\x00" in value:
        raise _Unsure
    value.encode()  # a lone surrogate raises UnicodeEncodeError, which is a ValueError: unsure
    return value


def _plain_integer(_field, value):
    if type(value) is int:
        return value
    raise _Unsure  # a float (12.0 is whole), a string or a boolean: the serializer decides


def _plain_date(_field, value):
    if type(value) is not str:
        raise _Unsure
    parsed = parse_date(value)  # DRF's own ISO 8601 parser; ValueError for a date that does not exist: unsure
    if parsed is None:
        raise _Unsure
    return parsed


def _plain_choice(field, value):
    if type(value) is not str or value not in field.choice_strings_to_values:
        raise _Unsure
    return field.choice_strings_to_values[value]


def _plain_integers(field, value):
    if type(value) is not list:
        raise _Unsure
    return [_plain_integer(field.child, item) for item in value]


def _plain_checks(shape) -> dict | None:
    """Field name → its plain check, for a serializer whose every field has one; None otherwise (a field of
    another kind, extra validators, or a serializer-level validate: the serializer then checks every row)."""

    def plain(field):
        if type(field) is strict.CharField:
            # Its own validators only: max_length, no NUL, no lone surrogate.
            plain_validators = 2 + (field.max_length is not None)
            return _plain_char if field.min_length is None and len(field.validators) == plain_validators else None
        if field.validators:
            return None
        if type(field) is strict.IntegerField:
            return _plain_integer
        if type(field) is serializers.DateField:
            formats = getattr(field, "input_formats", api_settings.DATE_INPUT_FORMATS)
            return _plain_date if [f.lower() for f in formats] == [ISO_8601] else None
        if type(field) is strict.ChoiceField and not field.allow_blank:
            return _plain_choice
        if type(field) is serializers.ListField and not field.validators and field.allow_empty:
            return _plain_integers if plain(field.child) is _plain_integer else None
        return None

    if shape.validators or type(shape).validate is not serializers.Serializer.validate:
        return None
    if type(shape).to_internal_value not in (
        serializers.Serializer.to_internal_value,
        RejectUnknownFields.to_internal_value,
    ):
        return None
    checks = {name: plain(field) for name, field in shape.fields.items()}
    if None in checks.values() or any(field.read_only or field.source != name for name, field in shape.fields.items()):
        return None
    return checks


def _plainly_valid(shape, checks: dict, values: dict) -> dict | None:
    """`values` as `shape.run_validation` returns them when every value is plainly valid (most rows of a sheet);
    None when the serializer must look at the row. A row is never accepted here that the serializer refuses."""
    if not values.keys() <= checks.keys():
        return None  # an unknown column: the serializer names it
    checked = {}
    try:
        for name, field in shape.fields.items():
            if name in values:
                checked[name] = checks[name](field, values[name])
            elif field.required:
                return None
            else:
                checked[name] = field.get_default()
    except (_Unsure, ValueError, SkipField):
        return None
    return checked


def register(actor, rows: list[dict], *, extra_columns_allowed: bool = False) -> list[RowResult]:
    """Check each row's shape, register the good ones, and give every row its result, in sheet order.

    A spreadsheet may carry columns of its own (notes, a row number): `extra_columns_allowed` ignores them.
    """
    # One serializer for every row: building its fields (a deep copy per instance) cost more than checking a row.
    row_shape = _row_serializer()()
    # Plain checks vouch for the rows that are plainly valid at a fraction of the serializer's cost; it checks the
    # others, so every error keeps the serializer's words and shape.
    checks = _plain_checks(row_shape)
    checked, invalid = [], []
    for index, row in enumerate(rows):
        values = {k: v for k, v in row.items() if v not in ("", None)}
        if extra_columns_allowed:
            values = {k: v for k, v in values.items() if k in COLUMNS}
        plain = _plainly_valid(row_shape, checks, values) if checks is not None else None
        if plain is not None:
            checked.append((index, plain))
            continue
        try:
            checked.append((index, dict(row_shape.run_validation(values))))
        except serializers.ValidationError as exc:
            invalid.append(RowResult(index, str(row.get("external_id", "")), "error", errors=exc.detail))
    unknown = _resolve(checked)
    for index, errors in unknown.items():
        invalid.append(RowResult(index, str(rows[index].get("external_id", "")), "error", errors=errors))
    checked = [(index, row) for index, row in checked if index not in unknown]
    registered = case_register_many(actor=actor, rows=[row for _, row in checked])
    for (index, _row), result in zip(checked, registered, strict=True):
        result.row = index
    return sorted(invalid + registered, key=lambda r: r.row)


def summary(results: list[RowResult]) -> dict:
    return {
        "created": sum(r.status == "created" for r in results),
        "duplicates": sum(r.status == "duplicate" for r in results),
        "errors": sum(r.status == "error" for r in results),
        "results": results,
    }


def read(upload) -> list[dict]:
    """The rows of an uploaded CSV (UTF-8) or XLSX sheet whose first row names the columns."""
    name = upload.name.lower()
    if name.endswith(".xlsx"):
        sheet = load_workbook(upload, read_only=True, data_only=True).active
        lines = [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        lines = list(csv.reader(io.StringIO(upload.read().decode("utf-8-sig"))))
    else:
        raise serializers.ValidationError({"sheet": [_("Upload a .csv or .xlsx file.")]})
    if not lines:
        return []
    header = [_column_of(h) for h in lines[0]]
    rows = [dict(zip(header, (value.strip() for value in line), strict=False)) for line in lines[1:] if any(line)]
    for row in rows:
        if row.get("sex"):
            row["sex"] = SEXES.get(row["sex"].lower(), row["sex"])
        for column in NUMBER_COLUMNS:
            written = row.get(column)
            if written and _WRITTEN_WHOLE_NUMBER.fullmatch(written):
                row[column] = int(written.split(".")[0])
    return rows


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):  # a date typed into Excel is read back as a datetime
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():  # a number cell: 1990.0, or a NIK as 3.3740145019e+15
        return str(int(cell))
    return str(cell)


def documented_columns() -> list[dict]:
    """The columns as the import page lists them: the Indonesian header and what it holds. (The API's names, read
    as well, are English: the page names where they are documented instead of showing them.)"""
    return [{"header": INDONESIAN_HEADERS[c], "help": COLUMN_HELP[c]} for c in COLUMNS]


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Columns a spreadsheet would turn into numbers and spoil: a NIK loses its last digits, a phone its leading 0, a
# region code 35.10 becomes 35.1. The template writes them as text.
TEXT_COLUMNS = ("external_id", "nik", "phone", "home_region")
TEMPLATE_ROWS = MAX_BULK_ROWS


def template_name() -> str:
    """The template's file name, in the reader's language ("templat-lembar-pendataan.xlsx")."""
    return f"{gettext('intake-sheet-template')}.xlsx"


def template_xlsx() -> bytes:
    """The intake sheet to fill in: one row of the Indonesian headers the importer reads (`read`), the columns that
    must stay text formatted as text, and a second sheet saying what each column holds."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("intake")
    sheet.append([INDONESIAN_HEADERS[column] for column in COLUMNS])
    sheet.freeze_panes = "A2"
    for place, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(place)
        sheet.column_dimensions[letter].width = max(14, len(INDONESIAN_HEADERS[column]) + 4)
        sheet[f"{letter}1"].font = Font(bold=True)
        if column in TEXT_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=TEMPLATE_ROWS + 1, min_col=place, max_col=place):
                cell.number_format = "@"
    notes = book.create_sheet(gettext("instructions"))
    notes.append([gettext("column"), gettext("holds")])
    for column in COLUMNS:
        notes.append([INDONESIAN_HEADERS[column], str(COLUMN_HELP[column])])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 20, 90
    book.active = 0  # the importer reads the first sheet
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header_of(column: str) -> str:
    """The Indonesian header of a sheet column (an error names the column to correct); other keys as they are."""
    return INDONESIAN_HEADERS.get(column, "")


def shown_results(results: list[RowResult]) -> list[dict]:
    """Each row's result as the import page shows it: its line in the sheet, a status in words, errors by column."""
    return [
        {
            "line": r.row + 2,  # the header is line 1
            "external_id": r.external_id,
            "status": STATUS_LABELS.get(r.status, r.status),
            "case": r.case,
            "errors": [(header_of(column), " ".join(map(str, msgs))) for column, msgs in r.errors.items()],
            "warnings": r.warnings,
        }
        for r in results
    ]


def error_rows_csv(rows: list[dict], results: list[RowResult]) -> str:
    """The rows in error, with an `errors` column, for the NGO to correct and send again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*(INDONESIAN_HEADERS[column] for column in COLUMNS), ERRORS_HEADER])
    for result in results:
        if result.status == "error":
            row = rows[result.row]
            problems = "; ".join(
                f"{header_of(field) or '-'}: {' '.join(map(str, msgs))}" for field, msgs in result.errors.items()
            )
            writer.writerow([row.get(column, "") for column in COLUMNS] + [problems])
    return out.getvalue()
