"""Programs API: the calendar (programs, batches, sessions), enrollments, attendance, follow-ups and visits."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies import access
from agencies.api.pagination import NameCursor
from agencies.api.views_base import ScopedReadViewSet, etag_of
from cases.models import Case
from programs import services
from programs.api.filters import FollowUpFilter
from programs.api.serializers import (
    AttendanceInputSerializer,
    BatchOutputSerializer,
    EnrollmentInputSerializer,
    EnrollmentOutputSerializer,
    FollowUpOutputSerializer,
    OutcomeSerializer,
    ProgramOutputSerializer,
    SessionOutputSerializer,
)
from programs.models import Batch, Enrollment, FollowUp, Outcome, Program, Session


class ProgramViewSet(ScopedReadViewSet):
    model = Program
    serializer_class = ProgramOutputSerializer
    filterset_fields = ["kind", "organizer", "fiscal_year"]
    pagination_class = NameCursor


class BatchViewSet(ScopedReadViewSet):
    model = Batch
    serializer_class = BatchOutputSerializer
    filterset_fields = ["program", "status"]
    pagination_class = NameCursor


class SessionViewSet(ScopedReadViewSet):
    model = Session
    serializer_class = SessionOutputSerializer
    filterset_fields = ["batch", "delivering_agency", "date"]
    pagination_class = NameCursor

    @extend_schema(request=AttendanceInputSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        """Record (or correct) who was present, for the whole roster of this session at once."""
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = self.get_object()
        rows = services.attendance_record(actor=request.user, session=session, **data.validated_data)
        self.about(session)
        return Response({"recorded": len(rows)})


class EnrollmentViewSet(ScopedReadViewSet):
    """Rosters you may see; enroll a case (or put it on the waiting list) and withdraw it."""

    model = Enrollment
    serializer_class = EnrollmentOutputSerializer
    filterset_fields = ["batch", "case", "status"]
    select_related = ("case__person",)
    access_log_action = "programs.enrollment.read_by_api"

    @extend_schema(request=EnrollmentInputSerializer, responses={201: EnrollmentOutputSerializer})
    def create(self, request):
        data = EnrollmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = access.get_visible(request.user, Batch, pk=data.validated_data["batch"])
        case = access.get_visible(request.user, Case, pk=data.validated_data["case"])
        enrollment = services.enrollment_create(actor=request.user, batch=batch, case=case)
        self.about(enrollment)
        return Response(EnrollmentOutputSerializer(enrollment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EnrollmentOutputSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        enrollment = services.enrollment_withdraw(actor=request.user, enrollment=self.get_object())
        self.about(enrollment)
        return Response(EnrollmentOutputSerializer(enrollment).data)


class FollowUpViewSet(ScopedReadViewSet):
    """Follow-ups of cases you may see; `?open=true&due_before=…` lists what is due."""

    model = FollowUp
    serializer_class = FollowUpOutputSerializer
    filterset_class = FollowUpFilter
    select_related = ("case",)

    @extend_schema(methods=["GET"], responses={200: OutcomeSerializer})
    @extend_schema(methods=["POST"], request=OutcomeSerializer, responses={201: OutcomeSerializer})
    @extend_schema(methods=["PATCH"], request=OutcomeSerializer, responses={200: OutcomeSerializer})
    @action(detail=True, methods=["get", "post", "patch"], pagination_class=None, filter_backends=[])
    def visit(self, request, pk=None):
        """The visit's outcome, with the follow-up's ETag. POST records the visit (the follow-up is done); PATCH
        corrects what was recorded (If-Match required)."""
        follow_up = self.get_object()
        if request.method == "GET":
            outcome = Outcome.objects.filter(follow_up=follow_up).first()
            if outcome is None:
                raise Http404
            return self.etagged(OutcomeSerializer(outcome).data, etag_of(follow_up))
        if request.method == "POST":
            data = OutcomeSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            outcome = services.follow_up_record(actor=request.user, follow_up=follow_up, **data.validated_data)
            answer_status = status.HTTP_201_CREATED
        else:
            if_match = self.if_match()
            data = OutcomeSerializer(data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            outcome = services.follow_up_visit_update(
                actor=request.user, follow_up=follow_up, if_match=if_match, **data.validated_data
            )
            answer_status = status.HTTP_200_OK
        self.about(follow_up)
        # The services leave the follow-up they locked and saved on the outcome: its version as the visit left it.
        return self.etagged(OutcomeSerializer(outcome).data, etag_of(outcome.follow_up), status_code=answer_status)


def register(router) -> None:
    router.register("programs", ProgramViewSet, basename="program")
    router.register("batches", BatchViewSet, basename="batch")
    router.register("sessions", SessionViewSet, basename="session")
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
    router.register("follow-ups", FollowUpViewSet, basename="follow-up")
