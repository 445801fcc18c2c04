"""Cases API: intake, cases and their stage, assessments, notes, consents, referrals, sites. Thin: every rule is in
cases.services; every row comes through agencies.access; personal reads are logged once per request."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from agencies import access
from agencies.api.pagination import MAX_ID
from agencies.api.views_base import ScopedReadViewSet, ScopedViewSet, etag_for, etag_of
from agencies.fastpath import memo
from cases import services
from cases.api import case_rows
from cases.api.filters import COMPILED, CaseFilter, sync_since
from cases.api.serializers import (
    AssessmentSerializer,
    BulkIntakeOutputSerializer,
    CaseEditSerializer,
    CaseOutputSerializer,
    ConsentSerializer,
    DeclineInputSerializer,
    IntakeOutputSerializer,
    NoteSerializer,
    PersonEditOutputSerializer,
    PersonEditSerializer,
    PersonOutputSerializer,
    ReferralInputSerializer,
    ReferralOutputSerializer,
    SiteCountSerializer,
    SiteOutputSerializer,
    StageInputSerializer,
)
from cases.intake import case_register
from cases.intake import sheet as intake_sheet
from cases.intake.input import IntakeInputSerializer
from cases.models import Case, Referral, Site

ASSESSMENT_ID = OpenApiParameter("assessment_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _row_id(pk: str) -> int | None:
    # As the ORM's lookup treats it: not a number, or beyond bigint, matches no row (404, not a database error).
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return pk if -MAX_ID - 1 <= pk <= MAX_ID else None


class SiteViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Sites (lokalisasi, resosialisasi, venues) and their headcounts. No personal data."""

    model = Site
    serializer_class = SiteOutputSerializer
    filterset_fields = ["kind", "region"]

    def perform_create(self, serializer):
        serializer.instance = services.site_create(actor=self.request.user, **serializer.validated_data)
        self.about(serializer.instance)

    @extend_schema(request=SiteCountSerializer, responses={201: SiteCountSerializer})
    @action(detail=True, methods=["post"])
    def counts(self, request, pk=None):
        """Record how many people your agency found at the site on a day."""
        data = SiteCountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        site = self.get_object()
        count = services.site_count_record(actor=request.user, site=site, **data.validated_data)
        self.about(site)
        return Response(SiteCountSerializer(count).data, status=status.HTTP_201_CREATED)


class IntakeViewSet(ScopedViewSet):
    """Intake (pendataan): one call registers a person and opens their case."""

    model = Case

    @extend_schema(request=IntakeInputSerializer, responses={201: IntakeOutputSerializer})
    def create(self, request):
        data = IntakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = case_register(actor=request.user, **data.validated_data)
        self.about(intake.case)
        body = {"case": intake.case, "warnings": intake.warnings, "possible_duplicates": intake.possible_duplicates}
        return Response(IntakeOutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=intake_sheet.BulkIntakeInputSerializer, responses={200: BulkIntakeOutputSerializer})
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """Up to 1,000 intake rows at once: a result per row (created, duplicate, error with field messages)."""
        data = intake_sheet.BulkIntakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = intake_sheet.register(request.user, data.validated_data["rows"])
        return Response(BulkIntakeOutputSerializer(intake_sheet.summary(results)).data)


class CaseViewSet(ScopedReadViewSet):
    """Cases you may see, with their person. Every list and detail read is in the access log."""

    model = Case
    serializer_class = CaseOutputSerializer
    filterset_class = CaseFilter
    select_related = ("person", "target_group")
    access_log_action = "cases.case.read_by_api"

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            # Plain rows of exactly the answer's columns (case_rows), shaped once per scope by the access rule.
            return memo.scoped_rows(self.request.user, Case, case_rows.columns)
        return super().get_queryset().prefetch_related("person__target_groups")

    # List and detail are the sync path of every field app: rows, not instances (see cases/api/case_rows.py).

    def _filters(self) -> set[str]:
        return self.request.query_params.keys() & self.filterset_class.base_filters.keys()

    def _filtered(self) -> bool:
        return bool(self._filters())

    def filter_queryset(self, queryset):
        # django-filter deep-copies every filter of the set on each request; a plain sync page asks for none, and
        # the set would leave the queryset as it is. With any filter parameter the set runs (and rejects bad values).
        if self._filtered():
            return super().filter_queryset(queryset)
        return queryset

    def _statements(self, compiled_filters=frozenset()) -> case_rows.Statements | None:
        # A page or a case is the scoped query plus a position or an id (and for a sync, an instant): its SQL is
        # compiled once per scope, by the access rule's own key (grants, agencies, date), and only run here. With
        # other filters, or with API_COMPILED_READS off: the ORM.
        if not settings.API_COMPILED_READS or not self._filters() <= compiled_filters:
            return None
        return memo.derived_from_scope(self.request.user, Case, case_rows.statements, shaped_by=case_rows.columns)

    def list(self, request, *args, **kwargs):
        compiled = self._statements(COMPILED)
        if compiled is None:
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
            self.log_read(Case, count=len(page))
        else:
            since = sync_since(request.query_params)
            # The page's access-log event is written by the page's own statement: one round trip, not two.
            log = self.read_log(counted=self.paginator.get_page_size(request))
            page = self.paginator.paginate_rows(
                lambda *position: compiled.page(*position, since=since, log=log), request
            )
        return self.get_paginated_response(case_rows.represent(page))

    def retrieve(self, request, *args, **kwargs):
        pk = kwargs[self.lookup_url_kwarg or self.lookup_field]
        compiled = self._statements()
        if compiled is None:
            row = get_object_or_404(self.filter_queryset(self.get_queryset()), pk=pk)
            self.log_read(Case(pk=row["id"]), agency_id=row["owner_id"])
        else:
            case_id = _row_id(pk)
            # Read and logged in one statement (none read, none logged).
            row = None if case_id is None else compiled.case(case_id, log=self.read_log(agency_column="owner_id"))
            if row is None:
                raise Http404
        (case,) = case_rows.represent([row])
        return self.etagged(case, etag_for(row["id"], row["updated_at"]))

    def _answer(self, case: Case) -> Response:
        """The case as its detail shows it, with its ETag: the answer of an edit."""
        case = self.get_queryset().get(pk=case.pk)
        return self.etagged(CaseOutputSerializer(case).data, etag_of(case))

    @extend_schema(request=CaseEditSerializer, responses={200: CaseOutputSerializer})
    def partial_update(self, request, pk=None):
        """Assign the case's caseworker (or none), with If-Match: the ETag of the case you read."""
        case = self.get_object()
        if_match = self.if_match()
        data = CaseEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        caseworker = _caseworker(data.validated_data["caseworker"])
        case = services.case_assign(actor=request.user, case=case, caseworker=caseworker, if_match=if_match)
        self.about(case)
        return self._answer(case)

    @extend_schema(request=StageInputSerializer, responses={200: CaseOutputSerializer})
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        """Move the case to another stage; send If-Match with the ETag you read to avoid overwriting a change."""
        case = self.get_object()
        # Compared by the service under the row lock: two moves sent with one ETag cannot both pass.
        if_match = self.if_match(required=False)
        data = StageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_transition(actor=request.user, case=case, if_match=if_match, **data.validated_data)
        self.about(case)
        return self._answer(case)

    @extend_schema(methods=["GET"], responses={200: PersonOutputSerializer})
    @extend_schema(
        methods=["PATCH"],
        request=PersonEditSerializer,
        responses={200: PersonEditOutputSerializer},
    )
    @action(detail=True, methods=["get", "patch"], pagination_class=None, filter_backends=[])
    def person(self, request, pk=None):
        """The case's person, with the person's ETag; PATCH corrects any of their details (If-Match required)."""
        case = self.get_object()
        if request.method == "GET":
            self.log_read(case, agency_id=case.owner_id)
            return self.etagged(PersonOutputSerializer(case.person).data, etag_of(case.person))
        if_match = self.if_match()
        data = PersonEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        person, warnings = services.person_update(
            actor=request.user, person=case.person, if_match=if_match, **data.validated_data
        )
        self.about(case)
        body = PersonEditOutputSerializer({"person": person, "warnings": warnings}).data
        return self.etagged(body, etag_of(person))

    def _sub_list(self, request, rows, serializer_class):
        self.log_read(self.model, count=len(rows))
        return Response(serializer_class(rows, many=True).data)

    # The sub-lists are plain arrays of one case's rows: no pages, no filters (and the schema says so).

    @extend_schema(methods=["GET"], responses={200: AssessmentSerializer(many=True)})
    @extend_schema(methods=["POST"], request=AssessmentSerializer, responses={201: AssessmentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def assessments(self, request, pk=None):
        """The case's assessments; POST records one (a registered case becomes assessed)."""
        case = self.get_object()
        if request.method == "GET":
            return self._sub_list(request, list(case.assessments.all()), AssessmentSerializer)
        data = AssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_record(actor=request.user, case=case, **data.validated_data)
        self.about(case)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: AssessmentSerializer}, parameters=[ASSESSMENT_ID])
    @extend_schema(
        methods=["PATCH"],
        request=AssessmentSerializer,
        responses={200: AssessmentSerializer},
        parameters=[ASSESSMENT_ID],
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"assessments/(?P<assessment_id>[^/.]+)",
        pagination_class=None,
        filter_backends=[],
    )
    def assessment(self, request, pk=None, assessment_id=None):
        """One assessment of the case, with its ETag; PATCH corrects it (If-Match required)."""
        case = self.get_object()
        assessment = get_object_or_404(case.assessments.all(), pk=_row_id(assessment_id))
        if request.method == "GET":
            self.log_read(case, agency_id=case.owner_id)
            return self.etagged(AssessmentSerializer(assessment).data, etag_of(assessment))
        if_match = self.if_match()
        data = AssessmentSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_update(
            actor=request.user, assessment=assessment, if_match=if_match, **data.validated_data
        )
        self.about(case)
        return self.etagged(AssessmentSerializer(assessment).data, etag_of(assessment))

    @extend_schema(methods=["GET"], responses={200: NoteSerializer(many=True)})
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def notes(self, request, pk=None):
        """The case's notes; POST adds one in your agency's name."""
        case = self.get_object()
        if request.method == "GET":
            return self._sub_list(request, list(case.notes.all()), NoteSerializer)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.case_note_add(actor=request.user, case=case, body=data.validated_data["body"])
        self.about(case)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: ConsentSerializer(many=True)})
    @extend_schema(methods=["POST"], request=ConsentSerializer, responses={201: ConsentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def consents(self, request, pk=None):
        """The person's consents; POST records one (sharing names the agency)."""
        case = self.get_object()
        if request.method == "GET":
            return self._sub_list(request, list(case.person.consents.all()), ConsentSerializer)
        data = ConsentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_give(actor=request.user, person=case.person, **data.validated_data)
        self.about(case)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


def _caseworker(pk: int | None):
    """The user a caseworker id names, for case_assign to check. An id nobody has is passed as a user who is
    nobody's member, so the service refuses it exactly as it refuses a user outside the case's offices: the
    field does not tell which ids exist."""
    if pk is None:
        return None
    User = get_user_model()
    return User.objects.filter(pk=pk).first() or User(pk=pk)


class ReferralViewSet(ScopedReadViewSet):
    """Referrals your agency sent or received."""

    model = Referral
    serializer_class = ReferralOutputSerializer
    select_related = ("case",)
    filterset_fields = ["status", "kind", "to_agency", "from_agency"]

    @extend_schema(request=ReferralInputSerializer, responses={201: ReferralOutputSerializer})
    def create(self, request):
        data = ReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case = access.get_visible(request.user, Case, pk=fields.pop("case"))
        referral = services.referral_create(actor=request.user, case=case, **fields)
        self.about(referral)
        return Response(ReferralOutputSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ReferralOutputSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a referral to your agency (a repatriation transfers the case to you)."""
        referral = services.referral_accept(actor=request.user, referral=self.get_object())
        self.about(referral)
        return Response(ReferralOutputSerializer(referral).data)

    @extend_schema(request=DeclineInputSerializer, responses={200: ReferralOutputSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline a referral to your agency, saying why."""
        data = DeclineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_decline(actor=request.user, referral=self.get_object(), **data.validated_data)
        self.about(referral)
        return Response(ReferralOutputSerializer(referral).data)

    @extend_schema(request=None, responses={200: ReferralOutputSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark an accepted referral done."""
        referral = services.referral_complete(actor=request.user, referral=self.get_object())
        self.about(referral)
        return Response(ReferralOutputSerializer(referral).data)


def register(router) -> None:
    router.register("sites", SiteViewSet, basename="site")
    router.register("intake", IntakeViewSet, basename="intake")
    router.register("cases", CaseViewSet, basename="case")
    router.register("referrals", ReferralViewSet, basename="referral")
