"""Rows of a set-based intake written in one INSERT … VALUES per table for the whole call, their ids returned.

bulk_create prepares every field of every instance through several layers (pre_save, get_db_prep_save, per-object
checks); for a sheet of 1,000 rows that cost more than the database took to store them. Here each field is
prepared once per row by one small function: the model's columns (all of them, so a new field is never left
out), timestamps for auto_now fields, and encrypted fields through their own field (cases.encryption), so NIK and
phone are encrypted exactly as a save() would.
"""

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from psycopg2.extras import execute_values

from .encryption import EncryptedTextField


def _preparers(model: type[Model], now):
    """(field, value of an instance as stored) for every concrete column of `model` but its primary key."""

    def stamped(_obj):
        return now

    def attribute(attname):
        return lambda obj: getattr(obj, attname)

    def encrypted(field):
        prepare, attname = field.get_prep_value, field.attname
        return lambda obj: prepare(getattr(obj, attname))

    preparers = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            preparers.append((field, stamped))
        elif isinstance(field, EncryptedTextField):
            preparers.append((field, encrypted(field)))
        else:
            preparers.append((field, attribute(field.attname)))
    return preparers


def insert(objs: list[Model]) -> None:
    """INSERT `objs` (all of one model) in one statement; each gets its primary key and timestamps, as if saved."""
    if not objs:
        return
    model, now = type(objs[0]), timezone.now()
    preparers = _preparers(model, now)
    rows = [tuple(prepare(obj) for _field, prepare in preparers) for obj in objs]
    columns = ", ".join(connection.ops.quote_name(field.column) for field, _prepare in preparers)
    table, pk = connection.ops.quote_name(model._meta.db_table), model._meta.pk
    with connection.cursor() as cursor:
        ids = execute_values(
            cursor,
            f"INSERT INTO {table} ({columns}) VALUES %s RETURNING {connection.ops.quote_name(pk.column)}",  # noqa: S608
            rows,
            page_size=len(rows),
            fetch=True,
        )
    stamped = [f.attname for f, _ in preparers if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj, (pk_value,) in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding, obj._state.db = False, connection.alias
        for attname in stamped:
            setattr(obj, attname, now)


def link(relation, pairs: list[tuple]) -> None:
    """INSERT the rows of a many-to-many `relation` (e.g. Person.target_groups) from (source id, target id) pairs."""
    if not pairs:
        return
    through = relation.through
    source, target = relation.field.m2m_column_name(), relation.field.m2m_reverse_name()
    table = connection.ops.quote_name(through._meta.db_table)
    columns = f"{connection.ops.quote_name(source)}, {connection.ops.quote_name(target)}"
    with connection.cursor() as cursor:
        execute_values(cursor, f"INSERT INTO {table} ({columns}) VALUES %s", pairs, page_size=len(pairs))  # noqa: S608
