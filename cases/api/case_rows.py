"""Cases as plain rows for the list and detail of /api/v1/cases/: one query for the page (case and person joined,
and on PostgreSQL the person's target groups as an array), dicts built directly, instead of a model, a nested
serializer and a prefetch queryset per row (those were 95% of a page's time). Elsewhere (SQLite) the target groups
come from one more query for the whole page.

`CaseOutputSerializer` stays the declared shape: the schema, the intake and stage answers use it, and
tests/api/test_case_rows.py holds these rows to its exact output. The queryset given is always the scoped,
filtered one from the view (agencies.access), so the rows are the same rows.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import F, OuterRef, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone

from agencies.fastpath.read_log import ReadLog
from agencies.fastpath.statements import Slot, Statement, compile_values
from cases.api.filters import CaseFilter
from cases.api.serializers import CASE_FIELDS, PERSON_FIELDS
from cases.models import Case, Person


def _column(model, field: str) -> str:
    return model._meta.get_field(field).attname  # a related row as its id, as the answer gives it


# The answer's fields (CaseOutputSerializer, PersonOutputSerializer) as the columns they are read from: the case's,
# then its person's, joined. The person's target groups are not a column: see `columns` and `represent`.
COLUMNS = (
    *(_column(Case, field) for field in CASE_FIELDS if field != "person"),
    _column(Case, "person"),
    *(f"person__{_column(Person, field)}" for field in PERSON_FIELDS if field not in ("id", "target_groups")),
)


def columns(queryset: QuerySet) -> QuerySet:
    """`queryset` (of Case) narrowed to the columns a case answer needs, as dicts."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        codes = _through().filter(person_id=OuterRef("person_id")).order_by("targetgroup_id")
        return queryset.values(*COLUMNS, target_groups=ArraySubquery(codes.values("targetgroup_id")))
    return queryset.values(*COLUMNS)


# The page and detail queries, compiled once per scope (agencies.fastpath.memo.derived_from_scope): on the sync path the
# scoped query's SQL is the same on every request, only the keyset position, the page size and the id change.
AFTER_AT = Slot("updated_at", datetime(1111, 11, 11, 11, 11, 11, 111111, tzinfo=UTC))
AFTER_ID = Slot("id", -1_111_111_111)
CASE_ID = Slot("pk", -2_222_222_222)
# `?updated_since=` (CaseFilter's own filter, compiled): an incremental sync is the field apps' most frequent call.
SINCE = Slot("updated_since", datetime(1222, 2, 22, 22, 22, 22, 222222, tzinfo=UTC))


@dataclass(frozen=True)
class Statements:
    first: Statement
    after: Statement
    before: Statement
    one: Statement
    since_first: Statement
    since_after: Statement
    since_before: Statement

    def page(
        self, position, reverse: bool, limit: int, *, since: datetime | None = None, log: ReadLog | None = None
    ) -> list[dict]:
        """Rows of a SyncCursor page: `limit` rows after (or, reversed, before) `position` in (updated_at, id),
        changed at or after `since` if given; `log` is the read's access-log event, written by the same statement."""
        first, after, before = (
            (self.first, self.after, self.before)
            if since is None
            else (self.since_first, self.since_after, self.since_before)
        )
        values = {} if since is None else {SINCE.name: since}
        if position is None:
            rows = first.rows(limit, log=log, **values)
        else:
            updated_at, pk = position
            rows = (before if reverse else after).rows(limit, log=log, updated_at=updated_at, id=pk, **values)
        if log is not None:  # a logged read does not keep its statement's order (agencies.fastpath.statements)
            rows.sort(key=_position, reverse=reverse)
        return rows

    def case(self, pk: int, *, log: ReadLog | None = None) -> dict | None:
        rows = self.one.rows(log=log, pk=pk)
        return rows[0] if rows else None


def _position(row: dict) -> tuple:
    return row["updated_at"], row["id"]


def statements(rows: QuerySet) -> Statements | None:
    """The scoped `rows` (from `columns`) compiled for a page, a page since an instant, and a detail; None when the
    backend cannot."""
    key = Tuple(F("updated_at"), F("id"))
    position = (AFTER_AT.marker, AFTER_ID.marker)

    def pages(rows, *slots):
        return (
            compile_values(rows.order_by("updated_at", "id"), *slots),
            compile_values(
                rows.filter(TupleGreaterThan(key, position)).order_by("updated_at", "id"), AFTER_AT, AFTER_ID, *slots
            ),
            compile_values(
                rows.filter(TupleLessThan(key, position)).order_by("-updated_at", "-id"), AFTER_AT, AFTER_ID, *slots
            ),
        )

    compiled = (
        *pages(rows),
        compile_values(rows.filter(pk=CASE_ID.marker).order_by(), CASE_ID),
        *pages(CaseFilter.base_filters[SINCE.name].filter(rows, SINCE.marker), SINCE),
    )
    return None if None in compiled else Statements(*compiled)


def _through():
    return Person.target_groups.through.objects


def target_groups_of(person_ids) -> dict[int, list[int]]:
    """Each person's target group codes in code order (TargetGroup.Meta.ordering), in one query."""
    groups: dict[int, list[int]] = {}
    if not person_ids:
        return groups
    through = _through().filter(person_id__in=person_ids)
    for person_id, code in through.order_by("person_id", "targetgroup_id").values_list("person_id", "targetgroup_id"):
        groups.setdefault(person_id, []).append(code)
    return groups


def represent(rows: list[dict]) -> list[dict]:
    """The answers of CaseOutputSerializer for `rows` (from `columns`), with the target groups fetched once."""
    if rows and "target_groups" not in rows[0]:
        groups = target_groups_of({row["person_id"] for row in rows})
        for row in rows:
            row["target_groups"] = groups.get(row["person_id"], [])
    local = timezone.get_current_timezone()
    return [_case(row, local) for row in rows]


def _masked(nik: str) -> str:
    # Person.masked_nik, on the decrypted value.
    return f"{nik[:4]}{'*' * 10}{nik[-2:]}" if nik else ""


def _case(row: dict, local) -> dict:
    # Times as rest_framework.fields.DateTimeField gives them: in the current time zone. They stay datetimes:
    # the renderer writes them in ISO 8601 with UTC as Z, exactly as that field's to_representation does.
    birth_date = row["person__birth_date"]
    return {
        "id": row["id"],
        "number": row["number"],
        "stage": row["stage"],
        "close_reason": row["close_reason"],
        "owner": row["owner_id"],
        "registered_by": row["registered_by_id"],
        "caseworker": row["caseworker_id"],
        "target_group": row["target_group_id"],
        "site": row["site_id"],
        "person": {
            "id": row["person_id"],
            "full_name": row["person__full_name"],
            "known_as": row["person__known_as"],
            "nik": _masked(row["person__nik"]),
            "birth_date": birth_date.isoformat() if birth_date else None,
            "birth_year": row["person__birth_year"],
            "sex": row["person__sex"],
            "phone": row["person__phone"],
            "home_region": row["person__home_region_id"],
            "address": row["person__address"],
            "current_site": row["person__current_site_id"],
            "target_groups": row["target_groups"],
        },
        "stage_changed_at": row["stage_changed_at"].astimezone(local),
        "created_at": row["created_at"].astimezone(local),
        "updated_at": row["updated_at"].astimezone(local),
    }
