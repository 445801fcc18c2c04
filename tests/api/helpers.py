"""Helpers shared by the partner API suites (fixtures live in conftest.py)."""

from django.db import connection

from agencies.models import Agency
from cases.models import Case, Person, TargetGroup
from tests.cases.factories import TUNA_SUSILA
from tests.conftest import APIClient

PROBLEM = "application/problem+json"


def statement_sql(sql: str) -> str:
    """The SELECT a captured query ran. On PostgreSQL hot reads run as prepared statements (agencies.statements):
    `EXECUTE name(…)` is looked up in pg_prepared_statements, and `PREPARE name AS …; EXECUTE …` is unwrapped."""
    if sql.startswith("EXECUTE "):
        name = sql.split()[1].split("(")[0]
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
            (sql,) = cursor.fetchone()
    if sql.startswith("PREPARE "):
        sql = sql.split(" AS ", 1)[1].rsplit("; EXECUTE ", 1)[0]
    return sql


def read_and_log(sql: str) -> tuple[str, str | None]:
    """A statement that reads and writes its own access-log row (agencies.audit.ReadLog on PostgreSQL) split into
    the read and the log INSERT; any other statement is (itself, None)."""
    if not sql.startswith("WITH page AS ("):
        return sql, None
    read, logged = sql.removeprefix("WITH page AS (").split("), logged AS (", 1)
    return read, logged.rsplit(") SELECT * FROM page", 1)[0]


def bearer(token: str) -> APIClient:
    """A fresh APIClient sending `Authorization: Bearer <token>` on every request."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def make_cases(owner: Agency, registered_by: Agency, count: int, **fields) -> list[Case]:
    """`count` persons and their cases in two INSERTs (bulk_create): cheap volume for paging and query counts."""
    target_group = TargetGroup.objects.get(code=TUNA_SUSILA)
    people = Person.objects.bulk_create(
        Person(full_name=f"Warga {n:04d}", sex=Person.Sex.FEMALE, birth_year=1990) for n in range(count)
    )
    start = Case.objects.count()
    return Case.objects.bulk_create(
        Case(
            person=person,
            owner=owner,
            registered_by=registered_by,
            target_group=target_group,
            number=f"{owner.region_id}-2026-{start + n + 50000:05d}",
            **fields,
        )
        for n, person in enumerate(people)
    )
