"""The API's list filters. A filter on a related row (case, caseworker, owner, batch, …) is a plain id compared in
the scoped query: an id outside the caller's scope and an id that does not exist both match nothing (200, an empty
list), and no query looks the value up among rows the caller may not see (django-filter's ModelChoiceFilter did,
and so answered 400 for one and 200 for the other). Values are checked for their form only; a malformed one (an id
that is not a whole number, a yes/no that is neither, a choice that is none) is a 400 naming the parameter.

`FilterSet` turns the fields of its `Meta.fields` into these filters by the model field's kind, so viewsets list
the filters they offer and nothing else.
"""

import re

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework as django_filters_drf
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api.pagination import MAX_ID
from agencies.models import Agency, Region

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
# More digits than any 64-bit integer has: a whole number no row has, however long (int() of it would cost).
_DIGITS_OF_NO_ID = 20
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits ("7", not "7.0", " 7", "٧" or "abc"), as Django's message words it."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not _WHOLE_NUMBER.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value) if len(value) <= _DIGITS_OF_NO_ID else MAX_ID + 1


class TrueFalseField(forms.Field):
    """true or false (also 1 or 0), in any letter case; anything else is an error, never "no filter"."""

    default_error_messages = {"invalid": serializers.BooleanField.default_error_messages["invalid"]}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        word = value.lower() if isinstance(value, str) else value
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(django_filters.Filter):
    """Equal to a whole number; one beyond the database's integers matches nothing (never a database error)."""

    field_class = WholeNumberField

    def filter(self, qs, value):
        if value is not None and not -MAX_ID - 1 <= value <= MAX_ID:
            return qs.none()
        return super().filter(qs, value)


class IdFilter(WholeNumberFilter):
    """A related row by its id: `IdFilter("case")` compares the `case_id` column and looks nothing up."""

    def __init__(self, field_name=None, *args, **kwargs):
        super().__init__(f"{field_name}_id" if field_name else None, *args, **kwargs)


class CodeFilter(django_filters.CharFilter):
    """A related row whose key is a code (a region's "33.74"): compared as given, checked by the code's own validators
    (`model_field`), so a malformed code is a 400 and an unknown one matches nothing."""

    def __init__(self, field_name=None, *args, model_field=None, **kwargs):
        kwargs.setdefault("validators", list(model_field.validators) if model_field is not None else [])
        if model_field is not None and model_field.max_length:
            kwargs.setdefault("max_length", model_field.max_length)
        super().__init__(f"{field_name}_id" if field_name else None, *args, **kwargs)


class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter: `true` or `false` (or 1/0); `?open=maybe` is a 400, not an unfiltered list."""

    field_class = TrueFalseField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)  # Select widgets turn an unknown value into "no filter"
        super().__init__(*args, **kwargs)


class FilterSet(django_filters_drf.FilterSet):
    """Builds `Meta.fields` from the filters above: a foreign key is an `IdFilter` (or a `CodeFilter` when the
    related key is text), a boolean a strict `BooleanFilter`, a whole number a `WholeNumberFilter`. Choice, date and
    text fields keep django-filter's filters, which refuse a malformed value already."""

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        if lookup_expr in (None, "exact"):
            if isinstance(field, models.ForeignKey):
                target = field.target_field
                if isinstance(target, models.IntegerField):
                    return IdFilter(field_name)
                return CodeFilter(field_name, model_field=target)
            if isinstance(field, models.BooleanField):
                return BooleanFilter(field_name=field_name)
            if isinstance(field, models.IntegerField) and not field.choices and not field.primary_key:
                return WholeNumberFilter(field_name=field_name)
        if field.is_relation:
            raise TypeError(f"{cls.__name__}: filter {field_name!r} on a related row by its id (IdFilter)")
        return super().filter_for_field(field, field_name, lookup_expr)


class FilterBackend(django_filters_drf.DjangoFilterBackend):
    """DjangoFilterBackend whose sets built from a view's `filterset_fields` are the `FilterSet` above."""

    filterset_base = FilterSet


# The agencies app's own lists.


class RegionFilter(FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Region
        fields = ["level", "parent"]


class AgencyFilter(FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Agency
        fields = ["kind", "region", "active"]
