"""The case list's filters: besides the fields, an instant to sync from and a target group by its code."""

from datetime import UTC

import django_filters
from django import forms
from django.forms.utils import ErrorDict, ErrorList
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

from agencies.api.filters import FilterSet, IdFilter
from cases.models import Case


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (a 500)."""

    def __init__(self, *args, param: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.param = param

    def filter(self, qs, value):
        return super().filter(qs, self.in_utc(value))

    def in_utc(self, value):
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError({self.param: [_("Enter a valid date/time.")]}) from None


class CaseFilter(FilterSet):
    """The list's filters. A page filtered by `updated_since` alone runs compiled (cases.api.case_rows), with the
    value read by `sync_since`, exactly as this set reads it."""

    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte", param="updated_since")
    target_group = IdFilter("target_group")  # the group's code, e.g. 10

    class Meta:
        model = Case
        fields = ["stage", "owner", "registered_by", "site", "caseworker"]


# The filters a compiled case page takes (cases.api.case_rows.Statements); any other runs the set above.
COMPILED = frozenset({"updated_since"})


def sync_since(query_params):
    """The `updated_since` of a request as CaseFilter reads and checks it (the same value in UTC, the same 400 for a
    malformed one), without building the whole set for each request; None without one."""
    since = CaseFilter.base_filters["updated_since"]
    try:
        value = since.field.clean(query_params.get(since.param))
    except forms.ValidationError as error:
        raise translate_validation(ErrorDict({since.param: ErrorList(error.error_list)})) from None
    return since.in_utc(value)
