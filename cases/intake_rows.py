"""Rows of a set-based intake written in one INSERT per table for the whole call, their ids returned.

bulk_create prepares every field of every instance through several layers (pre_save, get_db_prep_save, per-object
checks); for a sheet of 1,000 rows that cost more than the database took to store them. Here each field is
prepared once per row by one small function: the model's columns (all of them, so a new field is never left
out), timestamps for auto_now fields, and encrypted fields through their own field (cases.encryption), so NIK and
phone are encrypted exactly as a save() would.
"""

from django.db import connection
from django.db.models import Model
from django.utils import timezone

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


def _unnest(fields) -> str:
    # One array parameter per column (as Django's own bulk insert on PostgreSQL does): one statement to plan and
    # a dozen parameters to adapt, whatever the number of rows. Types without their length: a cast to varchar(n)
    # would truncate silently, the column itself refuses a value too long.
    return ", ".join(f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields)


def insert(objs: list[Model]) -> None:
    """INSERT `objs` (all of one model) in one statement; each gets its primary key and timestamps, as if saved."""
    if not objs:
        return
    model, now = type(objs[0]), timezone.now()
    preparers = _preparers(model, now)
    fields = [field for field, _prepare in preparers]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table, pk = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({_unnest(fields)}) RETURNING {pk}",  # noqa: S608
            [[prepare(obj) for obj in objs] for _field, prepare in preparers],
        )
        ids = cursor.fetchall()
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
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
    fields = [
        through._meta.get_field(relation.field.m2m_field_name()),
        through._meta.get_field(relation.field.m2m_reverse_field_name()),
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({_unnest(fields)})",  # noqa: S608
            [list(column) for column in zip(*pairs, strict=True)],
        )
