"""Input fields that take JSON's types as they are: text must be a string, a whole number a number, a yes/no a
boolean, a choice its own value, a related row its id. DRF's own fields coerce (`"full_name": 123` was saved as
"123", a NIK sent as a number loses any leading zero, `"yes"` was true): an app that sends the wrong type has a bug,
and saving a guess hides it. Every input serializer of the API is built from these (tests/api/test_input_types.py
walks them); `StrictModelSerializer` maps model fields to them.

Each check is one type test in front of DRF's own conversion: the bulk intake runs them over 1,000 rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class RejectUnknownFields:
    """Mixed into input serializers: a field the API does not know is an error, not silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(sorted(unknown), [_("Unknown field.")]))
        return super().to_internal_value(data)


def _is_whole_number(data) -> bool:
    # JSON has one number type: 12.0 is the number 12, 12.5 is not whole; true is not a number.
    if isinstance(data, bool):
        return False
    return isinstance(data, int) or (isinstance(data, float) and data.is_integer())


def _takes_whole_numbers(model_field) -> bool:
    return isinstance(model_field, models.IntegerField)  # AutoField and BigAutoField included


class TextOnly:
    """A text field that refuses anything but a JSON string."""

    default_error_messages = {"not_a_string": serializers.CharField.default_error_messages["invalid"]}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class CharField(TextOnly, serializers.CharField):
    pass


class EmailField(TextOnly, serializers.EmailField):
    pass


class SlugField(TextOnly, serializers.SlugField):
    pass


class URLField(TextOnly, serializers.URLField):
    pass


class IntegerField(serializers.IntegerField):
    """A whole JSON number: not "12", not 12.5, not true."""

    def to_internal_value(self, data):
        if not _is_whole_number(data):
            self.fail("invalid")
        return int(data)


class BooleanField(serializers.BooleanField):
    """JSON true or false: not "true", "yes", 1 or 0."""

    def to_internal_value(self, data):
        if data is not True and data is not False:
            self.fail("invalid")
        return data


class ChoiceField(serializers.ChoiceField):
    """One of the choices, as its own JSON type: the stage "closed", not a number that reads like a choice."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid_choice", input=data)
        value = super().to_internal_value(data)
        if isinstance(value, str) != isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return value


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row by its id, given as the id's own type (a number, or the code of a region)."""

    def to_internal_value(self, data):
        whole = _takes_whole_numbers(self.queryset.model._meta.pk)
        if (whole and not _is_whole_number(data)) or (not whole and not isinstance(data, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(int(data) if whole else data)


class TypedSlugMixin:
    """A SlugRelatedField whose slug is given as its own type: a target group's code 10, a region's code "33.74"."""

    def to_internal_value(self, data):
        slug = self.queryset.model._meta.get_field(self.slug_field)
        whole = _takes_whole_numbers(slug)
        if (whole and not _is_whole_number(data)) or (not whole and not isinstance(data, str)):
            self.fail("invalid")
        return super().to_internal_value(int(data) if whole else data)


class SlugRelatedField(TypedSlugMixin, serializers.SlugRelatedField):
    pass


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated fields are the strict ones above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.AutoField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.BooleanField: BooleanField,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.SlugField: SlugField,
        models.URLField: URLField,
    }
    serializer_related_field = PrimaryKeyRelatedField
    serializer_choice_field = ChoiceField


# The DRF input fields that coerce, each with its strict counterpart (tests/api/test_input_types.py).
STRICT = {
    serializers.CharField: CharField,
    serializers.EmailField: EmailField,
    serializers.SlugField: SlugField,
    serializers.URLField: URLField,
    serializers.IntegerField: IntegerField,
    serializers.BooleanField: BooleanField,
    serializers.ChoiceField: ChoiceField,
    serializers.PrimaryKeyRelatedField: PrimaryKeyRelatedField,
    serializers.SlugRelatedField: SlugRelatedField,
}
