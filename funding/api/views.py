"""Funding API, read-only for partners: the entitlements and disbursements of cases they may see."""

from agencies.api.views_base import ScopedReadViewSet
from funding.api.serializers import DisbursementOutputSerializer, EntitlementOutputSerializer
from funding.models import Disbursement, Entitlement


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
