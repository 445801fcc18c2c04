"""The programs API's serializers: the calendar, rosters, follow-ups and what attendance and a visit take."""

from django.utils import timezone
from rest_framework import serializers

from agencies.api import strict
from agencies.api.strict import RejectUnknownFields, StrictModelSerializer
from programs import services
from programs.models import Batch, Enrollment, FollowUp, Outcome, Program, Session


class ProgramOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "kind",
            "organizer",
            "region",
            "fiscal_year",
            "attendance_threshold",
            "follow_up_offsets",
        ]


class BatchOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Batch
        fields = ["id", "program", "number", "starts_on", "ends_on", "venue", "capacity", "enrolled_count", "status"]


class SessionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "batch", "date", "topic", "delivering_agency", "trainer_name"]


class EnrollmentOutputSerializer(serializers.ModelSerializer):
    """A roster row: the case number and the person's name only (partners delivering a session see these)."""

    case_number = serializers.CharField(source="case.number", read_only=True)
    name = serializers.CharField(source="case.person.full_name", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "batch", "case", "case_number", "name", "status", "attendance_rate", "updated_at"]


class EnrollmentInputSerializer(RejectUnknownFields, serializers.Serializer):
    batch = strict.IntegerField()
    case = strict.IntegerField()


class AttendanceInputSerializer(RejectUnknownFields, serializers.Serializer):
    present = serializers.DictField(
        child=strict.BooleanField(), help_text="Enrollment id → present, for every person on the roster."
    )

    def validate_present(self, value):
        try:
            return {int(k): v for k, v in value.items()}
        except ValueError:
            raise serializers.ValidationError("Keys are enrollment ids.") from None


class OutcomeSerializer(RejectUnknownFields, StrictModelSerializer):
    class Meta:
        model = Outcome
        fields = list(services.OUTCOME_EDITABLE)  # a visit gives what it records, and a correction may change it all


class FollowUpOutputSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "case_number",
            "enrollment",
            "offset_days",
            "due_on",
            "caseworker",
            "done_on",
            "overdue",
        ]

    def get_overdue(self, follow_up) -> bool:
        # Computed once, on the server, against the office's calendar day (DESIGN §8).
        return follow_up.done_on is None and follow_up.due_on < timezone.localdate()
