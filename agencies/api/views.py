from agencies.models import Agency, Region

from .filters import AgencyFilter, RegionFilter
from .pagination import NameCursor
from .serializers import AgencyOutputSerializer, RegionOutputSerializer
from .views_base import ScopedReadViewSet


class RegionViewSet(ScopedReadViewSet):
    """Kemendagri regions (provinces, regencies/cities, districts)."""

    model = Region
    lookup_field = "code"
    lookup_value_regex = r"\d{2}(\.\d{2}){0,2}"
    serializer_class = RegionOutputSerializer
    filterset_class = RegionFilter
    pagination_class = NameCursor


class AgencyViewSet(ScopedReadViewSet):
    """The agency directory: offices, partners and NGOs (no personal data)."""

    model = Agency
    serializer_class = AgencyOutputSerializer
    filterset_class = AgencyFilter
    pagination_class = NameCursor


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("agencies", AgencyViewSet, basename="agency")
