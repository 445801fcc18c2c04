"""An NGO's intake sheet (pendataan), from the API or a CSV/XLSX upload: rows checked for shape, registered one by
one through `case_register_many`, and a result per row, with the rows in error offered back as a file."""

import csv
import io

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from rest_framework import serializers

from agencies.api.strict import RejectUnknownFields

from . import services

MAX_BULK_ROWS = 1000


class BulkIntakeInputSerializer(RejectUnknownFields, serializers.Serializer):
    rows = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        max_length=MAX_BULK_ROWS,
        help_text=_("Intake rows, each with your own `external_id`: resending a row is safe."),
    )


COLUMNS = [
    "external_id",
    "full_name",
    "known_as",
    "nik",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "home_region",
    "address",
    "site",
    "target_group",
]


def _row_serializer():
    # Late import: the API module imports this one for the bulk endpoint.
    from .api.views import IntakeInputSerializer

    class Row(IntakeInputSerializer):
        external_id = serializers.CharField(max_length=64)

    return Row


def register(actor, rows: list[dict], *, extra_columns_allowed: bool = False) -> list[services.RowResult]:
    """Check each row's shape, register the good ones, and give every row its result, in sheet order.

    A spreadsheet may carry columns of its own (notes, a row number): `extra_columns_allowed` ignores them.
    """
    row_serializer = _row_serializer()
    checked, invalid = [], []
    for index, row in enumerate(rows):
        values = {k: v for k, v in row.items() if v not in ("", None)}
        if extra_columns_allowed:
            values = {k: v for k, v in values.items() if k in COLUMNS}
        row_data = row_serializer(data=values)
        if row_data.is_valid():
            checked.append((index, row_data.validated_data))
        else:
            invalid.append(services.RowResult(index, str(row.get("external_id", "")), "error", errors=row_data.errors))
    registered = services.case_register_many(actor=actor, rows=[row for _, row in checked])
    for (index, _row), result in zip(checked, registered, strict=True):
        result.row = index
    return sorted(invalid + registered, key=lambda r: r.row)


def summary(results: list[services.RowResult]) -> dict:
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
        lines = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        lines = list(csv.reader(io.StringIO(upload.read().decode("utf-8-sig"))))
    else:
        raise serializers.ValidationError({"sheet": [_("Upload a .csv or .xlsx file.")]})
    if not lines:
        return []
    header = [h.strip() for h in lines[0]]
    return [dict(zip(header, (value.strip() for value in line), strict=False)) for line in lines[1:] if any(line)]


def error_rows_csv(rows: list[dict], results: list[services.RowResult]) -> str:
    """The rows in error, with an `errors` column, for the NGO to correct and send again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "errors"])
    for result in results:
        if result.status == "error":
            row = rows[result.row]
            problems = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in result.errors.items())
            writer.writerow([row.get(column, "") for column in COLUMNS] + [problems])
    return out.getvalue()
