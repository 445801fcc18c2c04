"""An intake's input: the shape the API's intake takes, and each row of a sheet (cases.intake_sheet) with it. Here,
not in the API's module, so that the sheet reader and the API both import it and neither imports the other."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api import strict
from agencies.api.strict import RejectUnknownFields
from agencies.models import Agency, Region
from cases.models import Person, Site, TargetGroup

from . import references


class Reference(strict.TypedSlugMixin, references.ReferenceField):
    """A region or target group by its code, given as the code's own type (the region "33.74", the group 10)."""


class IntakeInputSerializer(RejectUnknownFields, serializers.Serializer):
    full_name = strict.CharField(max_length=150)
    known_as = strict.CharField(max_length=80, required=False, default="")
    nik = strict.CharField(max_length=20, required=False, default="", help_text=_("16 digits, from the KTP."))
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    birth_year = strict.IntegerField(required=False, allow_null=True, default=None)
    sex = strict.ChoiceField(choices=Person.Sex.choices)
    phone = strict.CharField(max_length=20, required=False, default="")
    # Regions and target groups are reference data, checked against what this process knows (cases.intake.references).
    home_region = Reference(
        known=references.regions,
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    address = strict.CharField(required=False, default="")
    site = strict.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False, allow_null=True, default=None)
    target_group = Reference(known=references.target_groups, slug_field="code", queryset=TargetGroup.objects.all())
    other_target_groups = Reference(
        known=references.target_groups,
        slug_field="code",
        queryset=TargetGroup.objects.all(),
        many=True,
        required=False,
        default=list,
    )
    owner = strict.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    processing_consent_on = serializers.DateField(required=False, allow_null=True, default=None)
