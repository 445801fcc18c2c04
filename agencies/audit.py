"""Writes the append-only audit trail. Called by services inside their transaction; never with personal data."""

from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

from . import access
from .fastpath import saves
from .models import Agency, ApiClient, AuditEvent, User


def acting_agency_id(actor, changed: Model | None = None) -> int | None:
    """The agency `actor` acted for (agencies.access.acting_grant): on a `changed` row, the first grant that may
    change it; for a read, or a row none may change any more (deleted, moved away), their first grant."""
    if isinstance(actor, ApiClient):
        return actor.agency_id
    grants = access.grants_of(actor)
    if len(grants) > 1 and changed is not None:  # with one grant the answer is that grant, without a query
        grant = access.acting_grant(actor, changed)
        if grant is not None:
            return grant.agency.pk
    return grants[0].agency.pk if grants else None


def _listed_under(target, agency_id: int | None, actor_agency_id: int | None) -> int | None:
    """The agency an event is filed under: the one named, else for a list read (`target` a model) the agency the
    reader acted for. A list spans the reader's scope, so no one row's agency is its agency; the acting one is
    where the reader's own auditors look: a district's for its staff, the province office's for province staff (so
    a regency's auditor does not see a province-wide list, which is more than their regency's), the NGO's for
    its caseworkers and API clients, all inside their province auditor's jurisdiction. An event without an
    agency is in no auditor's trail."""
    if agency_id is None and isinstance(target, type):
        return actor_agency_id
    return agency_id


def _event(actor, actor_agency_id, action, target, data, agency, agency_id=None) -> AuditEvent:
    agency_id = _listed_under(target, agency.pk if agency is not None else agency_id, actor_agency_id)
    return AuditEvent(
        actor_user=actor if isinstance(actor, User) else None,
        actor_api_client=actor if isinstance(actor, ApiClient) else None,
        actor_agency_id=actor_agency_id,
        action=action,
        agency_id=agency_id,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id="" if isinstance(target, type) else str(target.pk),
        data=data or {},
    )


def record(
    actor,
    action: str,
    target: Model | type[Model],
    data: dict | None = None,
    *,
    agency: Agency | None = None,
    agency_id: int | None = None,
    acting_for: Agency | None = None,
):
    """Append one event `action` (`app.model.verb_past`) about `target` (a row, or a model for a list view),
    done by `actor` for `acting_for` (when the service chose it; else `acting_agency_id`) on `agency`'s data."""
    changed = target if isinstance(target, Model) else None
    actor_agency_id = acting_for.pk if acting_for is not None else acting_agency_id(actor, changed)
    event = _event(actor, actor_agency_id, action, target, data, agency, agency_id)
    saves.insert(event)  # event.save(force_insert=True), its INSERT compiled once (agencies.fastpath.saves)
    return event


def record_read(actor, action: str, target: Model | type[Model], data: dict | None = None, *, agency_id=None) -> None:
    """Append one access-log event, as `record` would, in one plain INSERT: a personal read is logged on every API
    request, so no model instance is built and nothing is returned (AuditEvent has no signals to skip)."""
    actor_agency_id = acting_agency_id(actor)  # a read changes nothing: no row to ask about
    values = {
        "created_at": timezone.now(),
        "actor_user": actor.pk if isinstance(actor, User) else None,
        "actor_api_client": actor.pk if isinstance(actor, ApiClient) else None,
        "actor_agency": actor_agency_id,
        "action": action,
        "agency": _listed_under(target, agency_id, actor_agency_id),
        "target_type": ContentType.objects.get_for_model(target, for_concrete_model=False).pk,  # cached per process
        "target_id": "" if isinstance(target, type) else str(target.pk),
        "data": data or {},
    }
    alias = router.db_for_write(AuditEvent)
    connection = connections[alias]
    sql, fields = _insert_statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(values[field.name], connection) for field in fields])


@cache
def _insert_statement(alias: str) -> tuple[str, tuple]:
    quote = connections[alias].ops.quote_name
    names = ("created_at", "actor_user", "actor_api_client", "actor_agency", "action", "agency", "target_type")
    fields = tuple(AuditEvent._meta.get_field(name) for name in (*names, "target_id", "data"))
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = quote(AuditEvent._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", fields  # noqa: S608 (names from the model)


def event_rows(
    actor, events: list[tuple[str, Model | type[Model], dict | None, Agency | None]], *, acting_for: Agency
) -> list[dict]:
    """The AuditEvent rows of several events by `actor` for `acting_for`, each `(action, target, data, agency)` as
    in `record`, as plain {attname: value} rows (created_at is stamped by whoever writes them): for a service that
    writes them in one statement with rows of its own (agencies.fastpath.rows.insert_rows_together)."""
    actor_agency_id = acting_for.pk
    return [
        {
            "actor_user_id": actor.pk if isinstance(actor, User) else None,
            "actor_api_client_id": actor.pk if isinstance(actor, ApiClient) else None,
            "actor_agency_id": actor_agency_id,
            "action": action,
            "agency_id": _listed_under(target, agency.pk if agency is not None else None, actor_agency_id),
            "target_type_id": ContentType.objects.get_for_model(target, for_concrete_model=False).pk,
            "target_id": "" if isinstance(target, type) else str(target.pk),
            "data": data or {},
        }
        for action, target, data, agency in events
    ]


def record_system(action: str, target, data: dict | None = None, *, actor=None, agency_id: int | None = None):
    """Append one event of a job of the platform's own (the retention run): by `actor` when a person asked for it
    (filed under the office they acted for), else by nobody; `target` a row or a model, as in `record`."""
    actor_agency_id = acting_agency_id(actor) if actor is not None else None
    event = _event(actor, actor_agency_id, action, target, data, None, agency_id)
    saves.insert(event)
    return event
