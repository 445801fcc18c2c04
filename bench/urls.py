"""The application's URLs plus the floors, for benchmarking only (bench/settings.py)."""

from django.urls import include, path

from config.urls import handler404, handler500
from config.urls import urlpatterns as app_urlpatterns

from . import floors, reports

urlpatterns = [
    path("floor/cases/", floors.case_list),
    path("floor/cases/<int:pk>/", floors.case_detail),
    *reports.floor_urls(),
    path("floor/admin/", include("bench.admin")),
    path("floor/admin/", include("bench.home")),
    path("floor/admin/", include("bench.casefile")),
    *app_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
