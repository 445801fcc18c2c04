"""Writes the append-only audit trail. Called by services inside their transaction; never with personal data."""

from dataclasses import dataclass
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

from .models import Agency, ApiClient, AuditEvent, Membership, User


def _acting_agency_id(actor) -> int | None:
    if isinstance(actor, ApiClient):
        return actor.agency_id
    if isinstance(actor, User):
        memberships = Membership.objects.filter(user=actor, active=True).order_by("pk")
        return memberships.values_list("agency_id", flat=True).first()
    return None


def _event(actor, actor_agency_id, action, target, data, agency, agency_id=None) -> AuditEvent:
    return AuditEvent(
        actor_user=actor if isinstance(actor, User) else None,
        actor_api_client=actor if isinstance(actor, ApiClient) else None,
        actor_agency_id=actor_agency_id,
        action=action,
        agency_id=agency.pk if agency is not None else agency_id,
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
):
    """Append one event `action` (`app.model.verb_past`) about `target` (a row, or a model for a list view),
    done by `actor` on `agency`'s data."""
    event = _event(actor, _acting_agency_id(actor), action, target, data, agency, agency_id)
    event.save(force_insert=True)
    return event


def record_read(actor, action: str, target: Model | type[Model], data: dict | None = None, *, agency_id=None) -> None:
    """Append one access-log event, as `record` would, in one plain INSERT: a personal read is logged on every API
    request, so no model instance is built and nothing is returned (AuditEvent has no signals to skip)."""
    values = {
        "created_at": timezone.now(),
        "actor_user": actor.pk if isinstance(actor, User) else None,
        "actor_api_client": actor.pk if isinstance(actor, ApiClient) else None,
        "actor_agency": _acting_agency_id(actor),
        "action": action,
        "agency": agency_id,
        "target_type": ContentType.objects.get_for_model(target, for_concrete_model=False).pk,  # cached per process
        "target_id": "" if isinstance(target, type) else str(target.pk),
        "data": data or {},
    }
    alias = router.db_for_write(AuditEvent)
    connection = connections[alias]
    sql, fields = _insert_statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(values[field.name], connection) for field in fields])


@dataclass(frozen=True)
class ReadLog:
    """The access-log event of one read, for a read that writes it in its own statement (agencies.statements): a
    page is one event counting its rows (`counted`: the page size, at most that many are shown), a detail one event
    per row read, naming the row and the agency in `agency_column` (none read, none written)."""

    actor: object
    action: str
    model: type[Model]
    counted: int | None = None
    agency_column: str | None = None

    @property
    def shape(self) -> tuple:
        """What the event's SQL depends on besides its parameters."""
        return (self.action, self.model, self.counted, self.agency_column)

    def params(self) -> list:
        actor = self.actor
        return [
            actor.pk if isinstance(actor, User) else None,
            actor.pk if isinstance(actor, ApiClient) else None,
            _acting_agency_id(actor),
            self.action,
            ContentType.objects.get_for_model(self.model, for_concrete_model=False).pk,  # cached per process
        ]

    def logged(self, select: str, placeholders: list[str]) -> str:
        """`select` as one PostgreSQL statement that also appends this event (a data-modifying WITH): the read and
        its access-log row are one round trip and one commit, and the row is there whenever rows were returned.
        `placeholders` mark `params()` in the statement's own style. The caller orders the rows it gets back."""
        quote = connections[router.db_for_write(AuditEvent)].ops.quote_name
        user, client, agency, action, target_type = placeholders
        if self.counted is None:  # one event per row read
            agency_of = f"page.{quote(self.agency_column)}" if self.agency_column else "NULL"
            target, data = f"page.{quote(self.model._meta.pk.column)}::text", "'{}'::jsonb"
        else:  # one event counting the rows shown (one more may have been read, to know of a next page)
            agency_of, target = "NULL", "''"
            data = f"jsonb_build_object('count', LEAST(count(*), {int(self.counted)}))"
        return (
            f"WITH page AS ({select}), logged AS ("  # noqa: S608 (names from the model, values are placeholders)
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} ("
            "created_at, actor_user_id, actor_api_client_id, actor_agency_id, action, agency_id, target_type_id,"
            " target_id, data) "
            f"SELECT statement_timestamp(), {user}::bigint, {client}::bigint, {agency}::bigint, {action}::varchar,"
            f" {agency_of}, {target_type}::integer, {target}, {data} FROM page"
            ") SELECT * FROM page"
        )

    def write_apart(self, rows: list[dict]) -> None:
        """Where the read could not write it (not PostgreSQL): the same event, in an INSERT of its own."""
        if self.counted is not None:
            record_read(self.actor, self.action, self.model, {"count": min(len(rows), self.counted)})
            return
        for row in rows:
            agency_id = row[self.agency_column] if self.agency_column else None
            target = self.model(pk=row[self.model._meta.pk.attname])
            record_read(self.actor, self.action, target, agency_id=agency_id)


@cache
def _insert_statement(alias: str) -> tuple[str, tuple]:
    quote = connections[alias].ops.quote_name
    names = ("created_at", "actor_user", "actor_api_client", "actor_agency", "action", "agency", "target_type")
    fields = tuple(AuditEvent._meta.get_field(name) for name in (*names, "target_id", "data"))
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = quote(AuditEvent._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", fields  # noqa: S608 (names from the model)


def event_rows(actor, events: list[tuple[str, Model | type[Model], dict | None, Agency | None]]) -> list[dict]:
    """The AuditEvent rows of several events by `actor`, each `(action, target, data, agency)` as in `record`, as
    plain {attname: value} rows (created_at is stamped by whoever writes them): for a service that writes them in
    one statement with rows of its own (cases.intake_rows.insert_rows_together)."""
    actor_agency_id = _acting_agency_id(actor)
    return [
        {
            "actor_user_id": actor.pk if isinstance(actor, User) else None,
            "actor_api_client_id": actor.pk if isinstance(actor, ApiClient) else None,
            "actor_agency_id": actor_agency_id,
            "action": action,
            "agency_id": agency.pk if agency is not None else None,
            "target_type_id": ContentType.objects.get_for_model(target, for_concrete_model=False).pk,
            "target_id": "" if isinstance(target, type) else str(target.pk),
            "data": data or {},
        }
        for action, target, data, agency in events
    ]
