"""The follow-up list's filters: besides the fields, a due window and whether the visit is still open."""

import django_filters

from agencies.api.filters import BooleanFilter, FilterSet
from programs.models import FollowUp


class FollowUpFilter(FilterSet):
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    open = BooleanFilter(field_name="done_on", lookup_expr="isnull")

    class Meta:
        model = FollowUp
        fields = ["caseworker", "case"]
