import django_filters

from agencies.models import Agency, Region

from . import filters
from .pagination import NameCursor
from .serializers import AgencyOutputSerializer, RegionOutputSerializer
from .views_base import ScopedReadViewSet


class RegionFilter(filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Region
        fields = ["level", "parent"]


class AgencyFilter(filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Agency
        fields = ["kind", "region", "active"]


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
