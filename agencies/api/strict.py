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
