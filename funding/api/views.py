"""Funding API, read-only for partners: the entitlements and disbursements of cases they may see."""

from rest_framework import serializers

from agencies.api.views_base import ScopedReadViewSet
from funding.models import Disbursement, Entitlement, Installment


class InstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Installment
        fields = ["number", "amount", "due_on"]


class EntitlementOutputSerializer(serializers.ModelSerializer):
    benefit_kind = serializers.CharField(source="benefit.kind", read_only=True)
    installments = InstallmentSerializer(many=True, read_only=True)

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "case",
            "benefit",
            "benefit_kind",
            "allocation",
            "total",
            "status",
            "installments",
            "updated_at",
        ]


class DisbursementOutputSerializer(serializers.ModelSerializer):
    entitlement = serializers.IntegerField(source="installment.entitlement_id", read_only=True)
    installment = serializers.IntegerField(source="installment.number", read_only=True)

    class Meta:
        model = Disbursement
        fields = ["id", "entitlement", "installment", "amount", "status", "method", "paid_on", "updated_at"]


class EntitlementViewSet(ScopedReadViewSet):
    model = Entitlement
    serializer_class = EntitlementOutputSerializer
    filterset_fields = ["case", "status"]
    select_related = ("benefit",)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("installments")


class DisbursementViewSet(ScopedReadViewSet):
    model = Disbursement
    serializer_class = DisbursementOutputSerializer
    filterset_fields = ["status"]
    select_related = ("installment",)


def register(router) -> None:
    router.register("entitlements", EntitlementViewSet, basename="entitlement")
    router.register("disbursements", DisbursementViewSet, basename="disbursement")
