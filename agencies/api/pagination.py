from base64 import b64decode, b64encode
from datetime import UTC, datetime
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

# PostgreSQL's bigint: a larger id in a cursor is malformed input (400), not a database error (500).
MAX_ID = 2**63 - 1


class SyncCursor(CursorPagination):
    """Pages in (updated_at, id) order for incremental sync; never a COUNT over the whole set.

    A true keyset cursor: it carries the (updated_at, id) of the last row seen and the next page is
    `WHERE (updated_at, id) > (…, …) ORDER BY updated_at, id LIMIT n + 1` — one range scan of the matching index,
    so a deep page costs what page 1 costs, and rows sharing one instant (a bulk update) are neither lost nor
    repeated. DRF's CursorPagination keys on the first field only plus an offset, which grows with every row that
    shares the boundary instant. Rows may be model instances or `.values()` dicts.
    """

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = _("This cursor is not one the API gave out; start again from the first page.")

    def paginate_queryset(self, queryset, request, view=None):
        def fetch(position, reverse, limit):
            key = Tuple(F("updated_at"), F("id"))
            if reverse:
                return list(queryset.filter(TupleLessThan(key, position)).order_by("-updated_at", "-id")[:limit])
            rows = queryset if position is None else queryset.filter(TupleGreaterThan(key, position))
            return list(rows.order_by("updated_at", "id")[:limit])

        return self.paginate_rows(fetch, request)

    def paginate_rows(self, fetch, request):
        """As paginate_queryset, the rows coming from `fetch(position, reverse, limit)`: the same page, for a view
        that runs its own compiled statement (cases.api.case_rows). Position None is the first page."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        position, reverse = self.cursor if self.cursor else (None, False)
        rows = fetch(position, reverse, self.page_size + 1)
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, position is not None
        # An empty page still links back to where it was asked from.
        self.first_key = self._key(self.page[0]) if self.page else position
        self.last_key = self._key(self.page[-1]) if self.page else position
        return self.page

    @staticmethod
    def _key(row) -> tuple[datetime, int]:
        if isinstance(row, dict):
            return row["updated_at"], row["id"]
        return row.updated_at, row.pk

    def get_next_link(self):
        if not self.has_next or self.last_key is None:
            return None
        return self._link(self.last_key, reverse=False)

    def get_previous_link(self):
        if not self.has_previous or self.first_key is None:
            return None
        return self._link(self.first_key, reverse=True)

    def _link(self, key, *, reverse: bool) -> str:
        return replace_query_param(self.base_url, self.cursor_query_param, self.cursor_at(*key, reverse=reverse))

    @staticmethod
    def cursor_at(updated_at: datetime, pk: int, *, reverse: bool = False) -> str:
        """The cursor of the page after (or, reversed, before) the row (updated_at, pk)."""
        fields = {"p": updated_at.isoformat(), "i": str(pk)}
        if reverse:
            fields["r"] = "1"
        return b64encode(parse.urlencode(fields).encode("ascii")).decode("ascii")

    def decode_cursor(self, request):
        """(position, reverse) from the request's cursor, None without one; 400 for anything malformed."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            fields = parse.parse_qs(
                b64decode(encoded.encode("ascii"), validate=True).decode("ascii"), strict_parsing=True
            )
            (updated_at,), (pk,) = fields.pop("p"), fields.pop("i")
            reverse = fields.pop("r", ["0"]) == ["1"]
            updated_at, pk = datetime.fromisoformat(updated_at), int(pk)
            if fields or updated_at.tzinfo is None or not 0 <= pk <= MAX_ID:
                raise ValueError
            updated_at = updated_at.astimezone(UTC)
        except (KeyError, TypeError, ValueError, UnicodeError, OverflowError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        return (updated_at, pk), reverse

    def encode_cursor(self, cursor):
        raise NotImplementedError("SyncCursor links are built by _link().")

    def get_html_context(self):
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link()}


class NameCursor(CursorPagination):
    """Reference lists (regions, agencies, programs) page by their natural key."""

    ordering = ("pk",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = SyncCursor.invalid_cursor_message

    def decode_cursor(self, request):
        # DRF answers a malformed cursor with 404, and compares any position it carries with the key unchecked
        # (a NUL, a date for an id: 500). Malformed input is a 400, as on the sync lists.
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                key = request.parser_context["view"].model._meta.pk
                value = key.to_python(cursor.position)
                if "\x00" in cursor.position or (isinstance(value, int) and not 0 <= value <= MAX_ID):
                    raise NotFound
        except (NotFound, DjangoValidationError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        return cursor
