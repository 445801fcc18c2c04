"""The services' one-row statements compiled once: a row locked, a row inserted, a row's fields updated, a look
by key (switch: SERVICES_COMPILED; off, the ORM builds each of them on every call).

A service moves a case's stage, enrolls it or asks for a payment in about ten statements, each about one row; the
ORM's work per statement (resolving the lookups, compiling the SQL, walking save()'s layers) cost each service more
than PostgreSQL took to run them (measured, enrolling a planned case: 7.1 ms, 3.5 of it in the database). The SQL of
each depends only on the model, the columns and the key's place, so it is built once per process, by the ORM
itself, and run with each call's values prepared by the same field methods save() uses (`pre_save` stamps
`auto_now` columns, `get_db_prep_save` adapts and encrypts). What the ORM would do beside the statement is done
too: the instance gets its key and `_state`; a model with save signals, parents or database-computed columns is
saved by the ORM. A write that must not abort the transaction when refused (`save_guarded`, what
agencies.writes.save_validated uses) carries its SAVEPOINT in its own round trip on PostgreSQL.

Looks (`values`, `instances`, `locked`) are querysets built by a function of the call's values (keys, dates): built
once with markers in their place, compiled, and run on PostgreSQL as prepared statements (DATABASE_PREPARED_STATEMENTS,
as agencies.fastpath.statements runs the API's reads). Whatever else such a function reads must not change between
calls: today's date is one of the values it is given.

tests/agencies/test_compiled_saves.py holds each function to what its ORM fallback gives.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Model, QuerySet, signals
from django.db.models.query import ModelIterable, get_related_populators

M = TypeVar("M", bound=Model)

_kept: dict[tuple, object] = {}

# Values no row has, standing for a call's own while a statement is compiled (found again in its parameters).
ASKED_KEY = -7_304_550_061_953_118_172


def on() -> bool:
    return settings.SERVICES_COMPILED


def _saved_plainly(model: type[Model]) -> bool:
    # What save() does beyond its statement, for these models, is more than the statement: leave it to save().
    meta = model._meta
    return bool(
        meta.parents
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
        or any(field is not meta.pk for field in meta.db_returning_fields)
    )


# Rows as instances


class CompiledRows:
    """A queryset of model instances (select_related rows included, FOR UPDATE kept) compiled once: its SQL with a
    numbered place for each slot, run with fresh values and turned into instances as the ORM's iterator does."""

    def __init__(self, queryset: QuerySet, slots: dict[str, object]):
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        self.sql, self.params, self.alias = sql, list(params), queryset.db
        # position in params -> the slot's number (1, 2, …, in the order of `slots`)
        self.numbered = {
            position: number
            for number, marker in enumerate(slots.values(), start=1)
            for position, param in enumerate(params)
            if type(param) is type(marker) and param == marker
        }
        self.complete = {*self.numbered.values()} == set(range(1, len(slots) + 1))
        self.names = tuple(slots)
        self.select, self.klass_info = compiler.select, compiler.klass_info
        fields = self.klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in self.select[self.start : self.end]]
        self.converters = compiler.get_converters([column[0] for column in self.select])
        self.model = self.klass_info["model"]

    def rows(self, **values) -> list[Model]:
        connection = connections[self.alias]
        ordered = [values[name] for name in self.names]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
                from .statements import execute_prepared_sql

                execute_prepared_sql(connection, cursor, self, self.sql, self.params, self.numbered, ordered)
            else:
                params = self.params[:]
                for position, number in self.numbered.items():
                    params[position] = ordered[number - 1]
                cursor.execute(self.sql, params)
            found = cursor.fetchall()
        populators = get_related_populators(self.klass_info, self.select, self.alias) if found else ()
        objs = []
        for fetched in found:
            row = list(fetched)
            for position, (functions, expression) in self.converters.items():
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            obj = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in populators:
                populator.populate(row, obj)
            objs.append(obj)
        return objs


# Markers the statements are compiled with, one per value a call gives, by the value's type.
_MARKERS = {
    int: lambda n: ASKED_KEY - n,
    str: lambda n: f"asked-{n}-{ASKED_KEY}",
    datetime.date: lambda n: datetime.date(1, 1, 1) + datetime.timedelta(days=n),
}


def _markers(given: dict) -> dict | None:
    markers = {}
    for n, (key, value) in enumerate(given.items(), start=1):
        maker = _MARKERS.get(type(value))
        if maker is None:
            return None
        markers[key] = maker(n)
    return markers


def instances(name: str, build: Callable[..., QuerySet], **given) -> list[Model]:
    """The instances `build(**given)` gives (a queryset of a model, select_related and FOR UPDATE as it says), by
    SQL built and compiled once per process under `name` from `build(**markers)` and run with `given`'s values.
    Everything else `build` reads must be the same at every call (today's date is a value to give). Off, or when
    it cannot be compiled, `list(build(**given))`."""

    def compile_rows(markers):
        queryset = build(**markers)
        if queryset._iterable_class is not ModelIterable:
            return None
        compiled = CompiledRows(queryset, markers)
        return compiled if compiled.complete else None

    compiled = _compiled_once("instances", name, given, compile_rows)
    return list(build(**given)) if compiled is None else compiled.rows(**given)


def _compiled_once(kind: str, name: str, given: dict, compile_with: Callable[[dict], object | None]):
    """What `compile_with(markers)` made for `name` and the types of `given`'s values, made once per process; None
    when the switch is off or it cannot be compiled (the caller then asks the ORM)."""
    if not on():
        return None
    what = (kind, name, tuple((key, type(value)) for key, value in given.items()))
    compiled = _kept.get(what)
    if compiled is None:
        markers = _markers(given)
        compiled = None if markers is None else compile_with(markers)
        if compiled is not None:
            _kept[what] = compiled
    return compiled


def locked(model: type[M], key, *, related: tuple[str, ...] = ()) -> M:
    """`model`'s row `key`, locked until commit (with the rows `related` names, locked too): what
    `model.objects.select_for_update().select_related(*related).get(pk=key)` gives, DoesNotExist included."""

    def build(key):
        rows = model._default_manager.select_for_update().filter(pk=key).order_by()  # no order, as get() asks
        return rows.select_related(*related) if related else rows

    if not on() or not isinstance(key, int):
        return build(key).get()
    found = instances(("lock", model, related), build, key=key)
    if not found:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return found[0]


# Writes


def _columns(model: type[Model], names: tuple[str, ...] | None):
    meta = model._meta
    if names is None:  # an INSERT: every column but an automatic key, as save() writes a new row
        return [field for field in meta.local_concrete_fields if field is not meta.auto_field and not field.generated]
    chosen = set(names)
    return [
        field
        for field in meta.local_concrete_fields
        if not field.primary_key and (field.name in chosen or field.attname in chosen)
    ]


def _prepared(obj: Model, fields, adding: bool, connection) -> list | None:
    values = []
    for field in fields:
        value = field.pre_save(obj, adding)
        if hasattr(value, "resolve_expression"):  # F(), Now(), a subquery: the ORM's to compile
            return None
        values.append(field.get_db_prep_save(value, connection=connection))
    return values


def _insert_statement(obj: Model):
    # (alias, SQL, values) of the INSERT of the new row `obj`; None when save() is to write it.
    model = type(obj)
    if not on() or _saved_plainly(model) or obj.pk is not None:
        return None
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:  # no RETURNING: save() asks for the key its way
        return None
    obj._prepare_related_fields_for_save(operation_name="save")
    what = ("insert", model, alias)
    kept = _kept.get(what)
    if kept is None:
        fields = _columns(model, None)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        kept = _kept[what] = (
            fields,
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
            f" RETURNING {quote(model._meta.pk.column)}",
        )
    fields, sql = kept
    values = _prepared(obj, fields, True, connection)
    return None if values is None else (alias, sql, values)


def _update_statement(obj: Model, update_fields):
    # (alias, SQL, values) of the UPDATE of `update_fields` of the saved row `obj`; None when save() is to write it.
    model = type(obj)
    if not on() or _saved_plainly(model) or obj._state.adding or obj.pk is None:
        return None
    obj._prepare_related_fields_for_save(operation_name="save")
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    names = tuple(update_fields)
    what = ("update", model, names, alias)
    kept = _kept.get(what)
    if kept is None:
        fields = _columns(model, names)
        if len(fields) != len(set(names)):
            return None  # a name that is no column: save() says which
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        kept = _kept[what] = (
            fields,
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s",  # noqa: S608
        )
    fields, sql = kept
    values = _prepared(obj, fields, False, connection)
    if values is None:
        return None
    return alias, sql, [*values, model._meta.pk.get_db_prep_value(obj.pk, connection)]


def _run(obj: Model, statement, *, adding: bool, guarded: bool) -> None:
    alias, sql, values = statement
    connection = connections[alias]
    if guarded:
        # The write's own savepoint, in the write's round trip; kept until the transaction ends (a savepoint
        # released is no cheaper for PostgreSQL, and releasing it is one more round trip).
        connection.savepoint_state += 1
        name = f"w{connection.savepoint_state}"
        with connection.cursor() as cursor:
            try:
                cursor.execute(f"SAVEPOINT {name}; {sql}", values)
                found = cursor.fetchone() if adding else cursor.rowcount
            except DatabaseError:
                try:
                    cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
                except DatabaseError:
                    connection.needs_rollback = True  # as atomic() does when its savepoint cannot be rolled back to
                raise
    else:
        with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
            cursor.execute(sql, values)
            found = cursor.fetchone() if adding else cursor.rowcount
    if adding:
        obj.pk = found[0]
        obj._state.adding = False
    elif found == 0:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = alias


def insert(obj: Model) -> None:
    """INSERT the new row `obj` (its key given by the database): `obj.save(force_insert=True)`'s statement."""
    statement = _insert_statement(obj)
    if statement is None:
        obj.save(force_insert=True)
    else:
        _run(obj, statement, adding=True, guarded=False)


def update(obj: Model, update_fields: list[str]) -> None:
    """UPDATE the columns `update_fields` of the saved row `obj`: `obj.save(update_fields=…)`'s statement, and its
    DatabaseError when no row was there to update."""
    statement = _update_statement(obj, update_fields)
    if statement is None:
        obj.save(update_fields=update_fields)
    else:
        _run(obj, statement, adding=False, guarded=False)


def save(obj: Model, update_fields: list[str] | None = None) -> None:
    """`obj.save(update_fields=update_fields)` by `insert` or `update` where it is one of them."""
    if update_fields is not None:
        update(obj, update_fields)
    elif obj._state.adding and obj.pk is None:
        insert(obj)
    else:
        obj.save()


def save_guarded(obj: Model, update_fields: list[str] | None = None) -> None:
    """`with transaction.atomic(): save(obj, update_fields)` inside a transaction: the write under a savepoint of its
    own, rolled back to when the database refuses the write, so that the transaction goes on (to say which
    constraint refused, or to read the row a concurrent writer stored). On PostgreSQL the SAVEPOINT is sent in the
    write's own round trip: two statements fewer than atomic()'s SAVEPOINT and RELEASE apart."""
    connection = connections[router.db_for_write(type(obj), instance=obj)]
    statement = None
    if connection.vendor == "postgresql" and connection.in_atomic_block and not connection.needs_rollback:
        if update_fields is not None:
            statement = _update_statement(obj, update_fields)
        elif obj._state.adding and obj.pk is None:
            statement = _insert_statement(obj)
    if statement is None:
        with transaction.atomic(using=connection.alias):
            save(obj, update_fields)
        return
    _run(obj, statement, adding=update_fields is None, guarded=True)


# Rows as plain values


def values(name: str, build: Callable[..., QuerySet], **given) -> list[dict]:
    """The rows of `build(**markers)` (a `.values()` queryset) with each marker set to `given`'s value of the same
    name: the queryset is built and compiled once per process (under `name`) and run with fresh values; off, or
    when it cannot be compiled, built and run by the ORM with `given` itself."""
    from .statements import Slot, compile_values  # not at import: statements reads through agencies.audit

    statement = _compiled_once(
        "values",
        name,
        given,
        lambda markers: compile_values(
            build(**markers), *(Slot(key, marker, repeats=True) for key, marker in markers.items())
        ),
    )
    return list(build(**given)) if statement is None else statement.rows(**given)
