"""The access-log event of a hot read, written by the read's own SQL statement (agencies.fastpath.statements)."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Model

from agencies.audit import acting_agency_id, record_read
from agencies.models import ApiClient, AuditEvent, User


@dataclass(frozen=True)
class ReadLog:
    """The access-log event of one read, for a read that writes it in its own statement: a page is one event
    counting its rows (`counted`: the page size, at most that many are shown) under the reader's acting agency, a
    detail one event per row read, naming the row and the agency in `agency_column` (none read, none written)."""

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
            acting_agency_id(actor),
            self.action,
            ContentType.objects.get_for_model(self.model, for_concrete_model=False).pk,  # cached per process
        ]

    def logged(self, select: str, placeholders: list[str]) -> str:
        """`select` as one PostgreSQL statement that also appends this event (a data-modifying WITH): the read and
        its access-log row are one round trip and one commit, and the row is there whenever rows were returned.
        `placeholders` mark `params()` in the statement's own style. The caller orders the rows it gets back."""
        quote = connections[router.db_for_write(AuditEvent)].ops.quote_name
        user, client, agency, action, target_type = placeholders
        # The reader's values once, in the order of params(): the agency is written twice for a list.
        actor = (
            f"actor AS (SELECT {user}::bigint AS user_id, {client}::bigint AS client_id, {agency}::bigint AS agency_id,"
            f" {action}::varchar AS action, {target_type}::integer AS target_type)"
        )
        if self.counted is None:  # one event per row read
            agency_of = f"page.{quote(self.agency_column)}" if self.agency_column else "NULL"
            target, data = f"page.{quote(self.model._meta.pk.column)}::text", "'{}'::jsonb"
            reader = "a.user_id, a.client_id, a.agency_id, a.action"
            rows, target_type_of = "FROM page CROSS JOIN actor a", "a.target_type"
        else:  # one event counting the rows shown (one more may have been read, to know of a next page), filed
            # under the agency the reader acts for, as agencies.audit files every list read; one row, even for none
            agency_of, target = "(SELECT agency_id FROM actor)", "''"
            data = f"jsonb_build_object('count', LEAST(count(*), {int(self.counted)}))"
            reader = ", ".join(
                f"(SELECT {column} FROM actor)"  # noqa: S608 (our column names)
                for column in ("user_id", "client_id", "agency_id", "action")
            )
            rows, target_type_of = "FROM page", "(SELECT target_type FROM actor)"
        return (
            f"WITH page AS ({select}), {actor}, logged AS ("  # noqa: S608 (names from the model, values are placeholders)
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} ("
            "created_at, actor_user_id, actor_api_client_id, actor_agency_id, action, agency_id, target_type_id,"
            " target_id, data) "
            f"SELECT statement_timestamp(), {reader}, {agency_of}, {target_type_of}, {target}, {data} {rows}"
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
