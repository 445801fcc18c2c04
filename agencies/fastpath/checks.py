"""One-row checks and grants compiled once: the access rule's questions asked most often, as SQL built once.

Every service call and admin page first reads the actor's grants, and every change asks "may this actor see and
change row N" (agencies.access.decision). Compiling that question's Q into SQL costs more than running it (a
case's rule carries its referral and consent subqueries), and the ORM's compilation and three model instances per
membership cost twice the grants' own query. The SQL of each depends only on the grants and the day (the decision)
or on nothing (the grants), so it is built once, kept by the memo (agencies.fastpath.memo, under the same key as
the rules it came from), and only the row's or user's key changes.

On PostgreSQL each runs as a prepared statement of its connection (DATABASE_PREPARED_STATEMENTS): planning the
decision's subqueries cost more than running them (a case: 0.5 of 0.6 ms; a disbursement asked by a finance
approver: several ms). An agency's members in some roles (who is told of a referral) are read the same way.

Switch: ACCESS_MEMO, read at each call (installed with the memo by agencies.apps); off, agencies.access asks
through the ORM every time. tests/agencies/test_access_following_rows.py holds both to the same answers.
"""

from django.conf import settings
from django.db import connections, router
from django.db.models import AutoField, Model, QuerySet

from agencies import access
from agencies.models import Agency, Membership, Region, User
from agencies.rulebook import Grant

from .saves import CompiledRows
from .statements import execute_prepared_sql

# A primary key no row has, standing for the row (or user) asked about in a statement compiled once.
_ASKED = -7_304_550_061_953_118_171
_AGENCY_FIELDS = Agency._meta.concrete_fields
_REGION_FIELDS = Region._meta.concrete_fields


def install() -> None:
    """Put the compiled checks into agencies.access's seams (agencies.apps, with the memo)."""
    access.read_grants = read_grants
    access.row_asked = row_asked
    access.read_members = read_members


class _Compiled:
    """A check's SQL, its parameters, and where in them the asked key goes; kept and looked up by identity (a
    prepared statement of each connection is kept under it)."""

    __slots__ = ("params", "slots", "sql")

    def __init__(self, sql: str, params: list, slots: list[int]):
        self.sql, self.params, self.slots = sql, params, slots


def _compiled(query: QuerySet, slots_expected: int) -> _Compiled | None:
    # The SQL of `query` and where in its parameters the asked key goes; None when it cannot be told apart.
    sql, params = query.query.get_compiler(query.db).as_sql()
    slots = [n for n, param in enumerate(params) if param == _ASKED]
    return _Compiled(sql, list(params), slots) if len(slots) == slots_expected else None


def _run(alias: str, compiled: _Compiled, key: int) -> list[tuple]:
    # On PostgreSQL a prepared statement of the connection (DATABASE_PREPARED_STATEMENTS): planning the decision's
    # subqueries cost more than running them (0.5 of 0.6 ms for a case, several ms for a disbursement).
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
            numbered = dict.fromkeys(compiled.slots, 1)
            execute_prepared_sql(connection, cursor, compiled, compiled.sql, compiled.params, numbered, [key])
        else:
            params = list(compiled.params)
            for slot in compiled.slots:
                params[slot] = key
            cursor.execute(compiled.sql, params)
        return cursor.fetchall()


def _memberships(user_id) -> QuerySet:
    # The roles of a user's active memberships of active agencies, with each agency and its region, in the order
    # `acting_grant` tries them (Membership's ordering): what agencies.access reads with select_related.
    return Membership.objects.filter(user=user_id, active=True, agency__active=True).values_list(
        "role",
        *(f"agency__{f.attname}" for f in _AGENCY_FIELDS),
        *(f"agency__region__{f.attname}" for f in _REGION_FIELDS),
    )


def read_grants(user: User) -> tuple[Grant, ...]:
    """What `access.read_grants` answers, by one statement compiled once per process."""
    if not settings.ACCESS_MEMO:
        return access._memberships_read(user)
    compiled = access.remember((Membership, "grants statement"), (), lambda: _compiled(_memberships(_ASKED), 1))
    if compiled is None:
        return access._memberships_read(user)
    alias = router.db_for_read(Membership)
    agency_names = [f.attname for f in _AGENCY_FIELDS]
    region_names = [f.attname for f in _REGION_FIELDS]
    grants = []
    for row in _run(alias, compiled, user.pk):
        agency = Agency.from_db(alias, agency_names, row[1 : 1 + len(agency_names)])
        if agency.region_id is not None:
            region = Region.from_db(alias, region_names, row[1 + len(agency_names) :])
            Agency._meta.get_field("region").set_cached_value(agency, region)
        grants.append(Grant(row[0], agency, may_write=True))
    return tuple(grants)


def row_asked(actor, model: type[Model], pk) -> tuple[bool, bool] | None:
    """What `access.row_asked` answers, by the decision's statement compiled once per grants and day."""
    plain = not settings.ACCESS_MEMO or not isinstance(pk, int) or not isinstance(model._meta.pk, AutoField)
    if plain or access.is_setup_superuser(actor):
        return access._row_asked(actor, model, pk)
    compiled = access.remember(
        (model, "decision"),
        access.grants_of(actor),
        lambda: _compiled(access.decision(actor, model, _ASKED).order_by(), 3),
    )
    if compiled is None:
        return access._row_asked(actor, model, pk)
    rows = _run(router.db_for_read(model), compiled, pk)
    return rows[0] if rows else None


def read_members(agency_id, roles: tuple[str, ...]) -> list[Membership]:
    """What `access.read_members` answers, by one statement compiled once per process and set of roles."""
    if not settings.ACCESS_MEMO or not isinstance(agency_id, int):
        return access._members_read(agency_id, roles)
    compiled = _members_statements.get(roles)
    if compiled is None:
        compiled = CompiledRows(access.members_query(_ASKED, roles), {"agency": _ASKED})
        if not compiled.complete:
            return access._members_read(agency_id, roles)
        _members_statements[roles] = compiled
    return compiled.rows(agency=agency_id)


_members_statements: dict[tuple[str, ...], CompiledRows] = {}
