"""Intake rows written set-based (cases.intake_rows): a sheet's rows by COPY, one row by INSERT, stored alike and
read back as any saved row; a unique value already taken is Django's IntegrityError, which the services catch."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases import intake_rows
from cases.encryption import keyed_hash
from cases.models import Person
from tests.agencies.factories import RegionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _persons(count: int) -> list[Person]:
    region = RegionFactory(code="35.10")
    awkward = "Tab\there, new\nline, back\\slash, \\N and a quote ' \""
    return [
        Person(
            full_name=awkward if n == 0 else f"Sri {n}",
            known_as="",  # an empty string, not NULL
            nik=f"35100155059200{n:02d}",
            nik_hash=keyed_hash("nik", f"35100155059200{n:02d}") if n else None,  # NULL
            birth_date=datetime.date(1992, 5, 15) if n else None,
            birth_year=1992,
            sex="F",
            phone="" if n else "081234567890",
            home_region=region if n else None,
            address="",
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3], ids=["one row: INSERT", "a sheet: COPY"])
def test_rows_are_stored_as_a_save_would_store_them(count):
    persons = _persons(count)

    with CaptureQueriesContext(connection) as queries:
        intake_rows.insert(persons)

    assert queries.captured_queries  # COPY too is in the query log
    for person in persons:
        stored = Person.objects.get(pk=person.pk)
        for field in ("full_name", "known_as", "nik", "nik_hash", "birth_date", "birth_year", "phone", "address"):
            assert getattr(stored, field) == getattr(person, field), field
        assert stored.home_region_id == person.home_region_id
        assert stored.created_at == person.created_at
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik, phone FROM cases_person WHERE id = %s", [persons[0].pk])
        stored_nik, stored_phone = cursor.fetchone()
    assert persons[0].nik not in stored_nik and persons[0].phone not in stored_phone  # encrypted at rest


def test_a_nik_taken_meanwhile_is_djangos_integrity_error():
    first, second = _persons(3)[1:]
    intake_rows.insert([first])
    second.nik_hash = first.nik_hash

    with pytest.raises(IntegrityError), transaction.atomic():
        intake_rows.insert(
            [
                Person(
                    **{f.attname: getattr(first, f.attname) for f in Person._meta.concrete_fields if not f.primary_key}
                ),
                second,
            ]
        )
