from rest_framework.pagination import CursorPagination


class SyncCursor(CursorPagination):
    """Pages in (updated_at, id) order for incremental sync; never a COUNT over the whole set."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NameCursor(CursorPagination):
    """Reference lists (regions, agencies, programs) page by their natural key."""

    ordering = ("pk",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
