"""Intake rows written set-based (agencies.fastpath.rows): a sheet's rows by COPY, one row by INSERT, stored alike and
read back as any saved row; rows of several tables in one statement; a unique value already taken is Django's
IntegrityError, which the services catch."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies import audit
from agencies.fastpath import rows as intake_rows
from agencies.models import AuditEvent
from cases.encryption import keyed_hash
from cases.models import Case, Person, StageChange
from tests.agencies.factories import ApiClientFactory, RegionFactory
from tests.cases.factories import CaseFactory

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


@pytest.mark.parametrize(
    ("registered", "statements"),
    [(1, 1), (intake_rows.COPY_APART_FROM_ROWS, 2)],
    ids=["small parts: one statement", "a part large enough: copied apart"],
)
def test_rows_of_several_tables_written_together_are_stored_as_given(registered, statements):
    case, client = CaseFactory(), ApiClientFactory()
    awkward = {"note": "Tab\there, new\nline, back\\slash, \\N and a quote ' \"", "cases": [case.pk], "none": None}
    events = [("cases.case.registered", case, awkward, case.owner)] * registered
    events.append(("cases.case.registered_in_bulk", Case, None, None))
    rows = audit.event_rows(client, events, acting_for=client.agency)

    with CaptureQueriesContext(connection) as queries:
        intake_rows.insert_rows_together(
            [
                (StageChange, [{"case_id": case.pk, "to_stage": Case.Stage.REGISTERED, "changed_by_id": None}]),
                (AuditEvent, rows),
            ]
        )

    assert len(queries) == statements
    first = StageChange.objects.get(case=case)
    assert (first.from_stage, first.to_stage, first.reason, first.changed_by) == ("", Case.Stage.REGISTERED, "", None)
    *singles, bulk = AuditEvent.objects.order_by("pk")
    assert len(singles) == registered
    for event in singles:
        assert (event.actor_user, event.actor_api_client, event.actor_agency) == (None, client, client.agency)
        assert (event.agency, event.target_type.model_class(), event.target_id) == (case.owner, Case, str(case.pk))
        assert event.data == awkward  # quotes, escapes and a JSON null come back as given
    # An event about many rows is filed under the acting agency, where its auditors look (agencies.audit).
    assert (bulk.agency, bulk.target_type.model_class(), bulk.target_id, bulk.data) == (client.agency, Case, "", {})
    assert bulk.created_at == first.changed_at  # one moment for every row
