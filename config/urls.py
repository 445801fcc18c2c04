from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from agencies import views as agencies_views
from agencies.api.views import register as agencies_api
from cases.api.views import register as cases_api
from funding.api.views import register as funding_api
from programs.api.views import register as programs_api

router = DefaultRouter()
for register in (agencies_api, cases_api, programs_api, funding_api):
    register(router)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("notifications/unsubscribe/<str:token>/", agencies_views.unsubscribe, name="notifications-unsubscribe"),
    # The API's documentation is public: it describes the interface, never data.
    path("api/v1/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "api/v1/docs/",
        # Its start-up script as a file of its own (`?script`), not inline: the Content Security Policy allows no inline
        # script.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
    path("api/v1/", include(router.urls)),
]

# Under /api/ even a path no route knows answers in problem details, as every other API error does; elsewhere our
# own pages, in the person's language.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
