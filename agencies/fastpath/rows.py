"""Rows written set-based (an intake's persons, cases and events): one INSERT or COPY per table for the whole
call, their ids returned; rows of several tables that do not refer to each other, in one statement. Switch: the
database; elsewhere than PostgreSQL (the demo's SQLite) the plain fallback is one INSERT per row.

bulk_create prepares every field of every instance through several layers (pre_save, get_db_prep_save, per-object
checks); for a sheet of 1,000 rows that cost more than the database took to store them. Here each field is
prepared once per row by one small function: the model's columns (all of them, so a new field is never left
out), timestamps for auto_now fields, and fields that say `prepared_on_write` (cases.encryption) through their
own get_prep_value, so NIK and phone are encrypted exactly as a save() would.
"""

import datetime
import io
import json
import operator
import time

from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone


def _preparers(model: type[Model], now, read):
    """(field, value to store of a row) for every concrete column of `model` but its primary key; `read(field)` is
    how a row gives the field's value."""

    def stamped(_row):
        return now

    def encrypted(field):
        prepare, value_of = field.get_prep_value, read(field)
        return lambda row: prepare(value_of(row))

    preparers = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:  # a generated column is the database's to write
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            preparers.append((field, stamped))
        elif getattr(field, "prepared_on_write", False):
            preparers.append((field, encrypted(field)))
        else:
            preparers.append((field, read(field)))
    return preparers


# From this many rows on, COPY: PostgreSQL stores a sheet's rows in little more than half the time an INSERT of
# the same rows takes (measured: 1,000 persons, NIK and phone encrypted, 38 ms against 62 ms). One row, a single
# intake, takes one INSERT ... RETURNING: COPY would need another statement to reserve its id.
COPY_FROM_ROWS = 2

# Written with other rows in one statement (insert_rows_together), a part is copied apart only from this many rows
# on: below it the statement saved is worth more than COPY's speed. Measured on a local server, first stages beside
# one audit event: 5 rows 0.49 ms in one statement against 0.61 ms apart, even at 20, apart ahead from 50 (0.76 ms
# against 0.98 ms); a server across a network makes each statement saved worth more.
COPY_APART_FROM_ROWS = 20

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """`value` as COPY's text format has it."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.date):  # and datetime
        return value.isoformat()
    return str(value)


def _copy_column(values: list) -> list[str]:
    # Stamps, defaults and blanks are one value for the whole column: render it once.
    if values.count(values[0]) == len(values) and len(set(map(type, values))) == 1:  # 1 == True: same type too
        return [_copy_text(values[0])] * len(values)
    return list(map(_copy_text, values))


def _copy(table: str, fields, columns: list[list]) -> None:
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    text = "".join(line + "\n" for line in map("\t".join, zip(*map(_copy_column, columns), strict=True)))
    started = time.monotonic()
    # Django's errors (IntegrityError for a NIK taken meanwhile), as from its own cursor: the services catch them.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, io.StringIO(text))
    if connection.queries_logged:
        # COPY bypasses Django's cursor: log it, so DEBUG's query log and the statement counts of tests include it.
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _unnest(fields) -> str:
    # One array parameter per column (as Django's own bulk insert on PostgreSQL does): one statement to plan and
    # a dozen parameters to adapt, whatever the number of rows. Types without their length: a cast to varchar(n)
    # would truncate silently, the column itself refuses a value too long.
    return ", ".join(f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields)


def _as_json_text(fields, columns: list[list]) -> list[list]:
    # psycopg2 adapts no dict (nor a list of them) and COPY reads text: a JSON column goes as its text, which the
    # column's type reads back. None stays SQL NULL, as the ORM stores it.
    return [
        [None if value is None else json.dumps(value, cls=field.encoder) for value in column]
        if isinstance(field, JSONField)
        else column
        for field, column in zip(fields, columns, strict=True)
    ]


def _unnest_insert(model: type[Model], fields) -> str:
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT * FROM UNNEST({_unnest(fields)})"
    )


def _write(model: type[Model], fields, columns: list[list], *, ids_wanted: bool = True) -> list:
    """Store the rows given as `columns` (one list of values per field) in one statement; their ids, if wanted."""
    table, pk = model._meta.db_table, model._meta.pk
    count = len(columns[0])
    if connection.vendor != "postgresql":
        return _write_row_by_row(model, fields, columns, ids_wanted=ids_wanted)
    columns = _as_json_text(fields, columns)
    if count >= COPY_FROM_ROWS:
        ids = []
        if ids_wanted:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk.column, count],
                )
                ids = [pk_value for (pk_value,) in cursor.fetchall()]
            fields, columns = [pk, *fields], [ids, *columns]
        _copy(table, fields, columns)
        return ids
    returning = f" RETURNING {connection.ops.quote_name(pk.column)}" if ids_wanted else ""
    with connection.cursor() as cursor:
        cursor.execute(_unnest_insert(model, fields) + returning, columns)
        return [pk_value for (pk_value,) in cursor.fetchall()] if ids_wanted else []


def _write_row_by_row(model: type[Model], fields, columns: list[list], *, ids_wanted: bool) -> list:
    # Elsewhere than PostgreSQL (SQLite: the demo and the suite's fallback) COPY and UNNEST do not exist: one plain
    # INSERT per row, each value adapted by its field as the ORM would (already prepared, e.g. encrypted).
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    if ids_wanted:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    ids = []
    with connection.cursor() as cursor:
        for values in zip(*columns, strict=True):
            cursor.execute(
                sql,
                [
                    field.get_db_prep_value(value, connection, prepared=True)
                    for field, value in zip(fields, values, strict=True)
                ],
            )
            if ids_wanted:
                ids.append(cursor.fetchone()[0])
    return ids


def _insert(model: type[Model], preparers, rows: list, *, ids_wanted: bool = True) -> list:
    fields = [field for field, _prepare in preparers]
    columns = [[prepare(row) for row in rows] for _field, prepare in preparers]
    return _write(model, fields, columns, ids_wanted=ids_wanted)


def insert(objs: list[Model]) -> None:
    """INSERT `objs` (all of one model) in one statement; each gets its primary key and timestamps, as if saved."""
    if not objs:
        return
    model, now = type(objs[0]), timezone.now()
    preparers = _preparers(model, now, lambda field: operator.attrgetter(field.attname))
    ids = _insert(model, preparers, objs)
    stamped = [f.attname for f, _ in preparers if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding, obj._state.db = False, connection.alias
        for attname in stamped:
            setattr(obj, attname, now)


def _plain_columns(model: type[Model], rows: list[dict], now) -> tuple[list, list[list]]:
    """The fields of `model` and their columns of values for plain rows {attname: value} with the same keys (the
    other columns take their default)."""
    given = rows[0].keys()

    def read(field):
        if field.attname in given:
            return operator.itemgetter(field.attname)
        default = field.get_default()
        return lambda _row: default

    preparers = _preparers(model, now, read)
    return [field for field, _prepare in preparers], [[prepare(row) for row in rows] for _field, prepare in preparers]


def insert_rows_together(parts: list[tuple[type[Model], list[dict]]]) -> None:
    """INSERT plain rows, each part `(model, rows)` with rows {attname: value} of the same keys (other columns take
    their default), for rows nobody needs as instances or by id. On PostgreSQL every part in one statement (a
    data-modifying WITH per part but the last) but a part large enough to be copied apart (COPY_APART_FROM_ROWS);
    elsewhere a plain INSERT per row. No part sees the rows of another: for rows that do not refer to each other."""
    now = timezone.now()  # one moment for every row
    together = []
    for model, rows in parts:
        if not rows:
            continue
        fields, columns = _plain_columns(model, rows, now)
        if connection.vendor == "postgresql" and len(rows) < COPY_APART_FROM_ROWS:
            together.append((model, fields, _as_json_text(fields, columns)))
        else:
            _write(model, fields, columns, ids_wanted=False)
    if not together:
        return
    *first, last = [_unnest_insert(model, fields) for model, fields, _columns in together]
    named = ", ".join(f"part_{n} AS ({insert})" for n, insert in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {named} {last}" if first else last,
            [column for _model, _fields, columns in together for column in columns],  # in the statement's order
        )


def link(relation, pairs: list[tuple]) -> None:
    """INSERT the rows of a many-to-many `relation` (e.g. Person.target_groups) from (source id, target id) pairs."""
    if not pairs:
        return
    through = relation.through
    fields = [
        through._meta.get_field(relation.field.m2m_field_name()),
        through._meta.get_field(relation.field.m2m_reverse_field_name()),
    ]
    _write(through, fields, [list(column) for column in zip(*pairs, strict=True)], ids_wanted=False)
