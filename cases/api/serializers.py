"""The cases API's serializers: what its answers give and what its calls take. They check shapes; every rule is in
cases.services. An intake's own input is cases.intake.input, shared with the sheet reader."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api import strict
from agencies.api.strict import RejectUnknownFields, StrictModelSerializer
from agencies.models import Agency, Region
from cases import services
from cases.intake import references
from cases.intake.input import Reference
from cases.models import Assessment, Case, CaseNote, Consent, Person, Referral, Site, SiteCount

# Output

# A person as every answer gives them (a case's person, the person's own read, an edit's answer): their details as an
# edit takes them, between their id and their groups. The case list's plain rows (case_rows) read the same fields.
PERSON_FIELDS = ("id", *services.PERSON_EDITABLE, "target_groups")
CASE_FIELDS = (
    "id",
    "number",
    "stage",
    "close_reason",
    "owner",
    "registered_by",
    "caseworker",
    "target_group",
    "site",
    "person",
    "stage_changed_at",
    "created_at",
    "updated_at",
)


class PersonOutputSerializer(serializers.ModelSerializer):
    nik = serializers.CharField(source="masked_nik", help_text=_("Masked: the first four and last two digits."))
    target_groups = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Person
        fields = PERSON_FIELDS


class CaseOutputSerializer(serializers.ModelSerializer):
    person = PersonOutputSerializer()
    target_group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Case
        fields = CASE_FIELDS


class SiteOutputSerializer(RejectUnknownFields, StrictModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "kind", "region", "houses", "opened_on", "closed_on", "updated_at"]


class SiteCountSerializer(RejectUnknownFields, StrictModelSerializer):
    class Meta:
        model = SiteCount
        fields = ["id", "site", "counted_on", "people_present", "counted_by"]
        read_only_fields = ["id", "site", "counted_by"]


class AssessmentSerializer(RejectUnknownFields, StrictModelSerializer):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "assessed_on",
            "needs",
            "skills_wanted",
            "business_idea",
            "wants_to_go_home",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class NoteSerializer(RejectUnknownFields, StrictModelSerializer):
    class Meta:
        model = CaseNote
        fields = ["id", "body", "agency", "created_at"]
        read_only_fields = ["id", "agency", "created_at"]


class ConsentSerializer(RejectUnknownFields, StrictModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "purpose", "agency", "given_on", "withdrawn_on"]
        read_only_fields = ["id", "withdrawn_on"]
        extra_kwargs = {"agency": {"queryset": Agency.objects.filter(active=True), "required": False}}


class ReferralOutputSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "kind",
            "from_agency",
            "to_agency",
            "reason",
            "status",
            "decline_reason",
            "decided_at",
            "completed_at",
            "updated_at",
        ]


# Input


class BulkIntakeRowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    external_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    case = serializers.IntegerField(source="case.pk", allow_null=True, default=None)
    number = serializers.CharField(source="case.number", allow_null=True, default=None)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    warnings = serializers.ListField(child=serializers.CharField())

    def to_representation(self, result):
        if result.errors:
            return super().to_representation(result)
        # A row without errors, as the fields above give it, without walking them for each of a sheet's rows.
        case = result.case
        return {
            "row": int(result.row),
            "external_id": str(result.external_id),
            "status": result.status,
            "case": int(case.pk) if case is not None else None,
            "number": str(case.number) if case is not None else None,
            "errors": {},
            "warnings": [str(warning) for warning in result.warnings],
        }


class BulkIntakeOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = BulkIntakeRowResultSerializer(many=True)


class IntakeOutputSerializer(serializers.Serializer):
    case = CaseOutputSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    possible_duplicates = serializers.IntegerField()


class StageInputSerializer(RejectUnknownFields, serializers.Serializer):
    to = strict.ChoiceField(choices=Case.Stage.choices)
    reason = strict.CharField(required=False, default="", allow_blank=True)
    close_reason = strict.ChoiceField(choices=Case.CloseReason.choices, required=False, default="")


class CaseEditSerializer(RejectUnknownFields, serializers.Serializer):
    caseworker = strict.IntegerField(
        allow_null=True,
        help_text=_("A member of the owning office or the registering agency, by id; null: nobody yet."),
    )


class PersonEditSerializer(RejectUnknownFields, StrictModelSerializer):
    """A person's details as an edit sends them: any of the fields, each as the intake takes it."""

    nik = strict.CharField(max_length=20, allow_blank=True, help_text=_("16 digits, from the KTP."))
    phone = strict.CharField(max_length=20, allow_blank=True)
    home_region = Reference(known=references.regions, slug_field="code", queryset=Region.objects.all(), allow_null=True)

    class Meta:
        model = Person
        fields = list(services.PERSON_EDITABLE)


class PersonEditOutputSerializer(serializers.Serializer):
    person = PersonOutputSerializer()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text=_("Things to check about a new NIK; the edit is saved.")
    )


class ReferralInputSerializer(RejectUnknownFields, serializers.Serializer):
    case = strict.IntegerField()
    to_agency = strict.PrimaryKeyRelatedField(queryset=Agency.objects.filter(active=True))
    kind = strict.ChoiceField(choices=Referral.Kind.choices)
    reason = strict.CharField()


class DeclineInputSerializer(RejectUnknownFields, serializers.Serializer):
    reason = strict.CharField()
