"""Input takes JSON's types as they are (issue 13, item 10): text given as a number, a whole number given as text,
as a fraction or as true, a yes/no given as text or a number, a related row's id given as text, is a 400 naming the
field, and nothing is saved. DRF coerced them: `"full_name": 123` was saved as "123", a NIK sent as a number too."""

import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework import serializers

from agencies.api import strict
from agencies.models import AuditEvent
from cases.api import serializers as case_serializers
from cases.intake import input as intake_input
from cases.intake import sheet as intake_sheet
from cases.models import Assessment, Case, CaseNote, Consent, Person, Referral, Site, SiteCount
from funding.api import serializers as funding_serializers
from programs import services as program_services
from programs.api import serializers as program_serializers
from programs.models import Attendance, Enrollment, Outcome

from .test_errors import INTAKE, NIK, problem, today

SAVED = (Person, Case, Assessment, CaseNote, Consent, Referral, Site, SiteCount, Enrollment, Attendance, Outcome)


def saved_rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*SAVED, AuditEvent)}


# The intake, field by field.


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", 123),
        ("nik", int(NIK)),  # a NIK as a JSON number
        ("known_as", 7.5),
        ("phone", 81234567890),
        ("address", ["Jl. Argorejo"]),
        ("birth_year", "1990"),
        ("birth_year", 1990.5),
        ("birth_year", True),
        ("sex", 1),
        ("target_group", "10"),
        ("target_group", True),
        ("other_target_groups", ["15"]),
        ("home_region", 33.74),
        ("site", "{site}"),
        ("owner", "{owner}"),
    ],
)
def test_an_intake_field_of_the_wrong_json_type_is_400_naming_it_and_saves_nothing(world, lentera_api, field, value):
    if isinstance(value, str) and value.startswith("{"):
        value = value.format(site=world.site.pk, owner=world.semarang.pk)
    before = saved_rows()

    response = lentera_api.post("/api/v1/intake/", {**INTAKE, field: value}, format="json")

    assert field in problem(response, 400)["errors"]
    assert saved_rows() == before


def test_a_whole_number_written_with_a_zero_fraction_is_that_number(world, lentera_api):
    response = lentera_api.post(
        "/api/v1/intake/", {**INTAKE, "birth_year": 1990.0, "site": float(world.site.pk)}, format="json"
    )

    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["case"]["id"])
    assert (case.person.birth_year, case.site_id) == (1990, world.site.pk)


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", 123), ("nik", int(NIK)), ("target_group", "10"), ("birth_year", "1990"), ("site", True)],
)
def test_a_bulk_intake_row_with_a_value_of_the_wrong_type_is_an_error_row_naming_the_field(lentera_api, field, value):
    row = {"external_id": "KD-1", **INTAKE, field: value}

    response = lentera_api.post("/api/v1/intake/batch/", {"rows": [row]}, format="json")

    assert response.status_code == 200, response.content
    (result,) = response.json()["results"]
    assert result["status"] == "error"
    assert field in result["errors"]
    assert not Case.objects.filter(external_id="KD-1").exists()


# Every other input, one wrong type each.

WRONG_TYPES = [
    # (who, method, url, body, field)
    ("lentera", "post", "/api/v1/cases/{case}/stage/", {"to": "in_intervention", "reason": 5}, "reason"),
    ("lentera", "post", "/api/v1/cases/{case}/assessments/", {"assessed_on": "{today}", "needs": 5}, "needs"),
    (
        "lentera",
        "post",
        "/api/v1/cases/{case}/assessments/",
        {"assessed_on": "{today}", "wants_to_go_home": "yes"},
        "wants_to_go_home",
    ),
    ("lentera", "post", "/api/v1/cases/{case}/notes/", {"body": 5}, "body"),
    (
        "lentera",
        "post",
        "/api/v1/cases/{case}/consents/",
        {"purpose": "sharing", "agency": "{dinkes}", "given_on": "{today}"},
        "agency",
    ),
    (
        "lentera",
        "post",
        "/api/v1/referrals/",
        {"case": "{case}", "to_agency": "#dinkes", "kind": "health_check", "reason": "Cek"},
        "case",
    ),
    (
        "lentera",
        "post",
        "/api/v1/referrals/",
        {"case": "#case", "to_agency": "{dinkes}", "kind": "health_check", "reason": "Cek"},
        "to_agency",
    ),
    ("lentera", "post", "/api/v1/referrals/{referral}/decline/", {"reason": False}, "reason"),
    ("lentera", "post", "/api/v1/sites/", {"name": 5, "kind": "other", "region": "{region}"}, "name"),
    ("lentera", "post", "/api/v1/sites/", {"name": "Gang Baru", "kind": "other", "region": 33.74}, "region"),
    (
        "lentera",
        "post",
        "/api/v1/sites/",
        {"name": "Gang Baru", "kind": "other", "region": "{region}", "houses": "33"},
        "houses",
    ),
    (
        "lentera",
        "post",
        "/api/v1/sites/{site}/counts/",
        {"counted_on": "{today}", "people_present": "12"},
        "people_present",
    ),
    ("staff", "post", "/api/v1/enrollments/", {"batch": "{batch}", "case": "#case"}, "batch"),
    ("staff", "post", "/api/v1/enrollments/", {"batch": "#batch", "case": True}, "case"),
    ("staff", "post", "/api/v1/sessions/{session}/attendance/", {"present": {"{enrollment}": "true"}}, "present"),
    ("staff", "post", "/api/v1/sessions/{session}/attendance/", {"present": {"{enrollment}": 1}}, "present"),
    (
        "staff",
        "post",
        "/api/v1/follow-ups/{follow_up}/visit/",
        {"recorded_on": "{today}", "site_status": "left_site", "business_started": "false"},
        "business_started",
    ),
    # The edits (If-Match: * reaches the field checks).
    ("lentera", "patch", "/api/v1/cases/{case}/person/", {"full_name": 123}, "full_name"),
    ("lentera", "patch", "/api/v1/cases/{case}/person/", {"nik": int(NIK)}, "nik"),
    ("lentera", "patch", "/api/v1/cases/{case}/person/", {"birth_year": "1990"}, "birth_year"),
    ("staff", "patch", "/api/v1/cases/{case}/", {"caseworker": "{staff}"}, "caseworker"),
    ("lentera", "patch", "/api/v1/cases/{case}/assessments/{assessment}/", {"wants_to_go_home": 1}, "wants_to_go_home"),
    ("staff", "patch", "/api/v1/follow-ups/{follow_up}/visit/", {"bpjs_enrolled": "false"}, "bpjs_enrolled"),
]


def _ids(world) -> dict:
    assessment = Assessment.objects.create(case=world.own_case, assessed_on=world.own_case.created_at.date())
    return {
        "case": world.own_case.pk,
        "dinkes": world.dinkes.pk,
        "referral": world.referred_in.pk,
        "region": world.lentera.region_id,
        "site": world.site.pk,
        "batch": world.open_batch.pk,
        "session": world.past_session.pk,
        "enrollment": world.enrollment.pk,
        "follow_up": world.follow_up.pk,
        "assessment": assessment.pk,
        "staff": world.staff.pk,
        "today": today(),
    }


def _filled(value, ids):
    """`value` with "{name}" as the text of an id and "#name" as the id itself (a number)."""
    if isinstance(value, dict):
        return {_filled(key, ids): _filled(item, ids) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("#"):
        return ids[value[1:]]
    if isinstance(value, str):
        return value.format(**ids)
    return value


@pytest.mark.parametrize(("who", "method", "url", "body", "field"), WRONG_TYPES, ids=lambda v: str(v)[:40])
def test_every_input_refuses_a_value_of_the_wrong_json_type_naming_the_field(
    world, lentera_api, staff_api, who, method, url, body, field
):
    ids = _ids(world)
    if "visit" in url and method == "patch":  # a visit is corrected once it is recorded
        program_services.follow_up_record(
            actor=world.staff, follow_up=world.follow_up, recorded_on=timezone.localdate(), site_status="left_site"
        )
    client = {"lentera": lentera_api, "staff": staff_api}[who]
    before = saved_rows()

    response = getattr(client, method)(url.format(**ids), _filled(body, ids), format="json", HTTP_IF_MATCH="*")

    assert field in problem(response, 400)["errors"]
    assert saved_rows() == before


# Every input serializer is built from the strict fields.


def _input_serializers():
    modules = (case_serializers, intake_input, program_serializers, funding_serializers, intake_sheet)
    found = {cls for module in modules for _name, cls in inspect.getmembers(module, inspect.isclass)}
    found.add(intake_sheet._row_serializer())
    return sorted(
        (
            cls
            for cls in found
            if issubclass(cls, serializers.Serializer) and issubclass(cls, strict.RejectUnknownFields)
        ),
        key=lambda cls: cls.__qualname__,
    )


def _writable_fields(serializer, path=""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        yield from _field_and_children(field, f"{path}{name}")


def _field_and_children(field, path):
    yield path, field
    if isinstance(field, serializers.ManyRelatedField):
        yield from _field_and_children(field.child_relation, f"{path}[]")
    elif isinstance(field, serializers.ListField | serializers.DictField):
        yield from _field_and_children(field.child, f"{path}[]")
    elif isinstance(field, serializers.BaseSerializer) and hasattr(field, "fields"):
        yield from _writable_fields(field, f"{path}.")


STRICT_KINDS = (
    strict.TextOnly,
    strict.IntegerField,
    strict.BooleanField,
    strict.ChoiceField,
    strict.PrimaryKeyRelatedField,
    strict.TypedSlugMixin,
)


def test_every_input_serializer_takes_json_types_strictly():
    coercing = [
        f"{cls.__qualname__}.{path}: {type(field).__name__}"
        for cls in _input_serializers()
        for path, field in _writable_fields(cls())
        if isinstance(field, tuple(strict.STRICT)) and not isinstance(field, STRICT_KINDS)
    ]

    assert _input_serializers(), "no input serializer found"
    assert coercing == []


# A sheet's cells are text: whole numbers in the number columns are read as numbers, as the API's rows take them.


def test_a_sheets_written_whole_numbers_are_read_as_numbers_and_other_text_stays_text():
    upload = SimpleUploadedFile(
        "pendataan.csv",
        b"nomor data,nama lengkap,jenis kelamin,kelompok sasaran,tahun lahir,lokasi\n"
        b"KD-1,Sri,P,10,1990,3\n"
        b"KD-2,Ani,P,10,1990.0,\n"
        b"KD-3,Tri,P,sepuluh,1990.5,\n",
    )

    rows = intake_sheet.read(upload)

    assert [(r["target_group"], r["birth_year"], r["site"]) for r in rows] == [
        (10, 1990, 3),
        (10, 1990, ""),
        ("sepuluh", "1990.5", ""),
    ]
