"""A sheet's rows are checked by plain functions when plainly valid (cases.intake.sheet): they accept a row only as
the row serializer would, with the same values, and leave every other row to it, so errors keep its words. A row's
result without errors is represented without walking the result serializer's fields, the same JSON."""

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from cases.api.serializers import BulkIntakeRowResultSerializer
from cases.intake import RowResult
from cases.intake import sheet as intake_sheet
from cases.models import Case

ROW = {
    "external_id": "KD-00001",
    "full_name": "Sri Rahayu",
    "known_as": "Sri",
    "sex": "F",
    "nik": "3374014501900001",
    "birth_date": "1990-01-05",
    "birth_year": 1990,
    "phone": "081234567890",
    "home_region": "33.74",
    "address": "Jl. Argorejo 1",
    "site": 3,
    "target_group": 10,
    "other_target_groups": [15, 18],
    "owner": 7,
    "processing_consent_on": "2025-01-02",
}
MISSING = object()

CHANGES = [
    {},
    {"full_name": "  Sri  Rahayu "},
    {"full_name": "x" * 150},
    {"full_name": "x" * 151},
    {"full_name": "a\x00b"},
    {"full_name": "\ud800"},
    {"full_name": "   "},
    {"full_name": 5},
    {"full_name": MISSING},
    {"full_name": "Ñoño Ávila"},
    {"external_id": 12345},
    {"external_id": MISSING},
    {"birth_date": "1990-02-30"},
    {"birth_date": "19900105"},
    {"birth_date": "1990-1-5"},
    {"birth_date": "1990-01-05T00:00"},
    {"birth_date": 19900105},
    {"birth_year": "1990"},
    {"birth_year": "1990.0"},
    {"birth_year": " 1990"},
    {"birth_year": "１９９０"},
    {"birth_year": True},
    {"birth_year": -5},
    {"birth_year": 1990.5},
    {"target_group": "10"},
    {"target_group": MISSING},
    {"sex": "X"},
    {"sex": ["F"]},
    {"sex": "f"},
    {"other_target_groups": [15, "16"]},
    {"other_target_groups": "15"},
    {"other_target_groups": [True]},
    {"other_target_groups": []},
    {"other_target_groups": MISSING},
    {"site": "3"},
    {"owner": MISSING, "site": MISSING, "home_region": MISSING},
    {"home_region": "33.74.05.1001234"},
    {"unknown": 1},
]


def _values(change: dict) -> dict:
    values = {**ROW, **change}
    return {key: value for key, value in values.items() if value is not MISSING}


def _serializer_answer(shape, values):
    try:
        return dict(shape.run_validation(values))
    except serializers.ValidationError:
        return None


@pytest.mark.parametrize("change", CHANGES, ids=repr)
def test_a_row_checked_plainly_is_what_the_serializer_makes_of_it(change):
    shape = intake_sheet._row_serializer()()
    values = _values(change)

    plain = intake_sheet._plainly_valid(shape, intake_sheet._plain_checks(shape), values)

    if plain is not None:
        assert plain == _serializer_answer(shape, values)


def test_a_typical_row_is_checked_plainly():
    shape = intake_sheet._row_serializer()()
    checks = intake_sheet._plain_checks(shape)

    assert checks is not None, "a field of the row has no plain check: every row would go through the serializer"
    assert intake_sheet._plainly_valid(
        shape, checks, {"external_id": "a", "full_name": "b", "sex": "F", "target_group": 10}
    )
    assert intake_sheet._plainly_valid(shape, checks, ROW)


@pytest.mark.parametrize(
    "result",
    [
        RowResult(3, "KD-1", "created", case=Case(pk=7, number="33.74-2026-00001"), warnings=[gettext_lazy("Check")]),
        RowResult(4, "KD-2", "duplicate", case=Case(pk=8, number="33.74-2026-00002")),
        RowResult(5, "KD-3", "duplicate"),
    ],
    ids=["created", "duplicate", "duplicate without case"],
)
def test_a_result_without_errors_is_represented_as_the_serializer_fields_would(result):
    shape = BulkIntakeRowResultSerializer()

    assert shape.to_representation(result) == serializers.Serializer.to_representation(shape, result)
