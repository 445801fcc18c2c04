"""The funding API's serializers: entitlements with their installments, and disbursements."""

from rest_framework import serializers

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
