"""Hot reads compiled once per process and run with fresh parameters.

Turning a queryset into SQL (resolving lookups, joins, subqueries of the access rule) costs more on the API's hot
paths than PostgreSQL takes to run the result (measured: ~0.8 ms of a 1.3 ms page). A `Statement` is a queryset
compiled once with marked parameters (`Slot`), later executed with the slots filled in and the row values passed
through the same converters the ORM applies, so its rows are exactly what `.values()` would give.

Whatever the SQL depends on besides the slots must be part of the key it is kept under by the caller (for scoped
reads: agencies.fastpath.memo.derived_from_scope). A queryset whose slots the backend rewrites while preparing them (so
they cannot be found again) is not compiled: `compile_values` returns None and the caller uses the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import count

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from .read_log import ReadLog


class Slot:
    """A parameter to fill in per execution; `marker` is the value the queryset is compiled with. A slot that
    `repeats` may stand at several places of the statement (one value asked about in two subqueries)."""

    def __init__(self, name: str, marker, *, repeats: bool = False):
        self.name = name
        self.marker = marker
        self.repeats = repeats


@dataclass(frozen=True, eq=False)  # kept and looked up by identity
class Statement:
    alias: str
    sql: str | None  # None: the queryset matches nothing (e.g. `.none()`), so no query is run, as the ORM runs none
    params: tuple
    slots: dict[str, int]  # slot name -> its position in params
    names: tuple[str, ...]
    # (position, converter functions, expression), as SQLCompiler.apply_converters takes them, and the column's
    # converter of all its values at once where its field has one (`from_db_values`, e.g. decrypting a page's NIKs)
    converters: tuple
    # slot name -> its further positions in params, for a slot that repeats
    repeats: dict[str, tuple[int, ...]] = dataclass_field(default_factory=dict)

    def rows(self, limit: int | None = None, *, log: ReadLog | None = None, **values) -> list[dict]:
        """The rows as `.values()` dicts, with each slot set to `values[name]`, at most `limit` of them; `log`, the
        access-log event of this read, is written by the same statement on PostgreSQL. Rows come back in the
        statement's order except when logged there: then the caller orders them (a WITH does not promise order)."""
        fetched, logged = self._fetch(limit, log, values) if self.sql is not None else ([], False)
        rows = self._as_dicts(fetched)
        if log is not None and not logged:
            log.write_apart(rows)
        return rows

    def _fetch(self, limit: int | None, log: ReadLog | None, values: dict) -> tuple[list, bool]:
        """The raw rows, and whether `log` was written by the same statement."""
        connection = connections[self.alias]
        in_statement = log is not None and connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
                _execute_prepared(connection, cursor, self, limit, values, log)
            else:
                params = list(self.params)
                for name, position in self.slots.items():
                    params[position] = values[name]
                for name, positions in self.repeats.items():
                    for position in positions:
                        params[position] = values[name]
                sql = self.sql if limit is None else f"{self.sql} LIMIT %s"
                params = params if limit is None else [*params, limit]
                if in_statement:
                    sql, params = log.logged(sql, ["%s"] * 5), params + log.params()
                cursor.execute(sql, params)
            return cursor.fetchall(), in_statement

    def _as_dicts(self, fetched: list) -> list[dict]:
        if not fetched:
            return []
        connection = connections[self.alias]
        names = self.names
        if self.converters:
            fetched = [list(row) for row in fetched]
            for position, functions, expression, column in self.converters:
                if column is not None:
                    for row, value in zip(fetched, column([row[position] for row in fetched]), strict=True):
                        row[position] = value
                    continue
                for row in fetched:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
        return [dict(zip(names, row, strict=True)) for row in fetched]


# On PostgreSQL a Statement is a server-side prepared statement of its connection: planning the scoped page query
# cost more than running it (0.45 of 0.7 ms). What a statement's SQL depends on besides its slots is written into it
# as literals (psycopg2 sends every query with its parameters interpolated anyway), so a generic plan is still a plan
# for this scope, agency ids and date included; only the slots are parameters ($n). The LIMIT is a literal too, one
# statement per page size: with LIMIT $n PostgreSQL kept planning each page anew (custom plans). The PREPARE goes
# in the same round trip as the first EXECUTE on a connection, so a statement costs one query, first time or not.
_names = count(1)
_PREPARED_KEPT = 256  # per connection


def _execute_prepared(
    connection, cursor, statement: Statement, limit: int | None, values: dict, log: ReadLog | None
) -> None:
    from psycopg2.extensions import AsIs

    raw = connection.connection
    prepared = getattr(connection, "_prepared_statements", None)
    if prepared is None or prepared[0] is not raw:  # a new connection has none of them
        prepared = connection._prepared_statements = (raw, {})
    key = (statement, limit, log.shape if log is not None else None)
    params = [values[name] for name in statement.slots]
    if log is not None:
        params += log.params()
    placeholders = ", ".join(["%s"] * len(params))
    name = prepared[1].get(key)
    if name is not None:
        cursor.execute(f"EXECUTE {name}({placeholders})" if params else f"EXECUTE {name}", params)
        return
    name = _fresh_name(statement.sql)
    inlined = list(statement.params)
    for number, (slot, position) in enumerate(statement.slots.items(), start=1):
        for at in (position, *statement.repeats.get(slot, ())):
            inlined[at] = AsIs(f"${number}")
    sql = cursor.mogrify(statement.sql, inlined).decode()
    if limit is not None:
        sql = f"{sql} LIMIT {int(limit)}"
    if log is not None:
        first = len(statement.slots) + 1
        sql = log.logged(sql, [f"${number}" for number in range(first, first + 5)])
    execute = f"EXECUTE {name}({placeholders})" if params else f"EXECUTE {name}"
    # A connection kept for long (CONN_MAX_AGE=None) would otherwise collect statements of past days and page sizes.
    forget = "DEALLOCATE ALL; " if len(prepared[1]) >= _PREPARED_KEPT else ""
    if forget:
        prepared[1].clear()
    cursor.execute(f"{forget}PREPARE {name} AS {sql.replace('%', '%%')}; {execute}", params)
    prepared[1][key] = name


def _fresh_name(sql: str) -> str:
    # A fresh name each time a PREPARE is sent (if its round trip fails, a half-done attempt cannot clash), after
    # the statement's first table, so that a log of statements still says what each one reads.
    table = sql.split('"', 2)[1] if sql.startswith('SELECT "') else "statement"
    return f"{table}_{next(_names)}"


def execute_prepared_sql(
    connection, cursor, key, sql: str, params, numbered: dict[int, int], values: list, *, named_after: str = ""
) -> None:
    """Run `sql` (compiled with `params`) as a prepared statement of `connection`, kept under `key` (hashable, kept
    alive by the caller as long as the statement may be asked again): the parameter at each position of `numbered`
    becomes `$number`, set from `values` at each run; every other parameter is written into the statement, as
    `Statement`s are (so `key` must change whenever they do). `named_after`: the SQL whose first table names the
    statement, when not `sql`'s own."""
    from psycopg2.extensions import AsIs

    raw = connection.connection
    prepared = getattr(connection, "_prepared_statements", None)
    if prepared is None or prepared[0] is not raw:  # a new connection has none of them
        prepared = connection._prepared_statements = (raw, {})
    placeholders = ", ".join(["%s"] * len(values))
    name = prepared[1].get(key)
    if name is not None:
        cursor.execute(f"EXECUTE {name}({placeholders})" if values else f"EXECUTE {name}", values)
        return
    name = _fresh_name(named_after or sql)
    inlined = list(params)
    for position, number in numbered.items():
        inlined[position] = AsIs(f"${number}")
    text = cursor.mogrify(sql, inlined).decode()
    forget = "DEALLOCATE ALL; " if len(prepared[1]) >= _PREPARED_KEPT else ""
    if forget:
        prepared[1].clear()
    execute = f"EXECUTE {name}({placeholders})" if values else f"EXECUTE {name}"
    cursor.execute(f"{forget}PREPARE {name} AS {text.replace('%', '%%')}; {execute}", values)
    prepared[1][key] = name


def compile_values(queryset: QuerySet, *slots: Slot) -> Statement | None:
    """`queryset` (a `.values()` queryset, not sliced) as a Statement with `slots`; None when it cannot be."""
    query = queryset.query
    if query.is_sliced or query.select_for_update or not query.values_select and not query.annotation_select:
        raise ValueError("compile_values takes an unsliced .values() queryset.")
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return Statement(queryset.db, None, (), {slot.name: 0 for slot in slots}, (), ())
    params = tuple(params)
    positions, repeats = {}, {}
    for slot in slots:
        found = [i for i, param in enumerate(params) if type(param) is type(slot.marker) and param == slot.marker]
        if not found or len(found) > 1 and not slot.repeats:
            return None
        positions[slot.name] = found[0]
        if len(found) > 1:
            repeats[slot.name] = tuple(found[1:])
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    if len(fields) != len(names):
        return None
    converters = tuple(
        (position, tuple(functions), expression, _column_converter(functions, expression))
        for position, (functions, expression) in compiler.get_converters(fields).items()
    )
    return Statement(queryset.db, sql, params, positions, names, converters, repeats)


def _column_converter(functions, expression):
    """The field's converter of a whole column (`from_db_values`), where its only converter is its `from_db_value`."""
    field = getattr(expression, "target", None) or expression.output_field
    many = getattr(field, "from_db_values", None)
    return many if many is not None and list(functions) == [field.from_db_value] else None


def rows_together(statements: list[Statement], types: dict[str, str]) -> list[list[dict]] | None:
    """The rows of each of `statements` (slotless, of one database) as its `.rows()` gives them, read in one round
    trip: a UNION ALL of them, each tagged with its place, its columns set at their names and every other name
    NULL of its SQL type in `types`. A page of many small reads (a dashboard's twenty tables) otherwise pays a round
    trip, and under load a wait for the server to be scheduled, per read. None when they cannot be read together
    (not PostgreSQL, a slot, a name without a type): the caller reads them one by one."""
    out: list[list[dict]] = [[] for _ in statements]
    live = [(place, statement) for place, statement in enumerate(statements) if statement.sql is not None]
    if not live:
        return out
    alias = live[0][1].alias
    connection = connections[alias]
    if connection.vendor != "postgresql" or any(s.slots or s.alias != alias for _p, s in live):
        return None
    key = ("together", tuple(statement for _place, statement in live))
    union = _unions.get(key)
    if union is None:
        union = _union(live, types)
        if union is None:
            return None
        if len(_unions) >= _PREPARED_KEPT:
            _unions.clear()
        _unions[key] = union
    sql, params, picks = union
    with connection.cursor() as cursor:
        if settings.DATABASE_PREPARED_STATEMENTS:
            execute_prepared_sql(connection, cursor, key, sql, params, {}, [], named_after=live[0][1].sql)
        else:
            cursor.execute(sql, params)
        fetched = cursor.fetchall()
    parts: dict[int, list] = {place: [] for place, _statement in live}
    for row in fetched:
        parts[row[0]].append(row)
    for place, statement in live:
        pick = picks[place]
        out[place] = statement._as_dicts([tuple(row[i] for i in pick) for row in parts[place]])
    return out


# (the statements read together) -> (their UNION ALL, its parameters, each place's columns in the union's row)
_unions: dict[tuple, tuple[str, tuple, dict[int, tuple[int, ...]]]] = {}


def _union(live: list[tuple[int, Statement]], types: dict[str, str]):
    names = list(dict.fromkeys(name for _place, statement in live for name in statement.names))
    if any(name not in types for name in names if not all(name in s.names for _p, s in live)):
        return None
    parts, params, picks = [], [], {}
    for place, statement in live:
        own = {name: f"q.c{i}" for i, name in enumerate(statement.names)}
        columns = ", ".join(own.get(name) or f"NULL::{types[name]}" for name in names)
        aliases = ", ".join(f"c{i}" for i in range(len(statement.names)))
        # Only our own compiled SQL, column names and type names: no value is written into the text.
        parts.append(f"SELECT {int(place)}, {columns} FROM ({statement.sql}) AS q({aliases})")  # noqa: S608
        params.extend(statement.params)
        picks[place] = tuple(1 + names.index(name) for name in statement.names)
    return " UNION ALL ".join(parts), tuple(params), picks
