"""The agencies API's serializers: the region list and the agency directory (no personal data)."""

from rest_framework import serializers

from agencies.models import Agency, Region


class RegionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "time_zone"]


class AgencyOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "region", "parent", "active", "contact_email"]
