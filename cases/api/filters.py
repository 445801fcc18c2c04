"""The case list's filters: besides the fields, an instant to sync from and a target group by its code."""

from datetime import UTC

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from agencies.api.filters import FilterSet, IdFilter
from cases.models import Case


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (a 500)."""

    def __init__(self, *args, param: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.param = param

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError({self.param: [_("Enter a valid date/time.")]}) from None
        return super().filter(qs, value)


class CaseFilter(FilterSet):
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte", param="updated_since")
    target_group = IdFilter("target_group")  # the group's code, e.g. 10

    class Meta:
        model = Case
        fields = ["stage", "owner", "registered_by", "site", "caseworker"]
