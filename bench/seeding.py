"""What the benchmarks share to set up: a database of their own, dropped and made anew, filled by COPY."""

import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The person columns a seeded row gives (the rest take their defaults): no NIK, phone or address, so nothing to encrypt.
PERSON_COLUMNS = [
    "id",
    "full_name",
    "known_as",
    "nik",
    "sex",
    "address",
    "phone",
    "birth_year",
    "created_at",
    "updated_at",
]


def database_url(base: str, name: str) -> str:
    """`base` (a DATABASE_URL) pointing at the database `name` on the same server."""
    return base.rsplit("/", 1)[0] + f"/{name}"


def recreate_database(base_url: str, name: str) -> None:
    """Drop the database `name` if it exists and create it empty, on the server of `base_url`."""
    import psycopg2

    admin = psycopg2.connect(base_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def copy(cursor, table: str, columns: list[str], lines) -> None:
    """COPY the CSV `lines` into `columns` of `table` through a psycopg2 cursor."""
    buffer = io.StringIO("".join(lines))
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the whole database, as a day's autovacuum would have: fresh COPYs have no visibility map
    and no statistics, which makes index-only scans and the planner's estimates lie in our favour or against us."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
