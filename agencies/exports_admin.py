"""The admin's "My exports": each person's own exports with their state in words, and the download; the one
POST every "Export this list" and "Download the report" button sends (agencies.exports)."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import access, exports, step_up
from .models import Export
from .scoped_admin import ScopedModelAdmin, errors_of

# What a list's URL may carry besides its filters: ordering, page, the admin's error flag. A search (`q`, or the
# session key `s` the case list keeps it under) is refused: the term would be kept on the export's row.
SEARCH_PARAMETERS = ("q", "s")


@admin.register(Export)
class ExportAdmin(ScopedModelAdmin):
    # What, its state and the button first: on a 390 px phone the rest scrolls sideways, the button must not.
    list_display = ["what", "state", "download", "rows", "available_until", "asked_at", "format"]
    list_display_links = None
    list_filter = ["status"]
    actions = None
    change_list_template = "agencies/exports/change_list.html"
    fields = ["what", "format", "state", "rows", "asked_at", "available_until"]
    readonly_fields = fields

    def get_queryset(self, request):
        return exports.exports_of(request.user).order_by("-created_at", "-pk")

    def has_module_permission(self, request):
        # In the menu of whoever may ask for some kind of export (by their grants: the menu is kept per grants).
        return bool(exports.kinds_for(request.user))

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.may_use_admin(request.user)
        return obj.requested_by_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        waiting = self.get_queryset(request).filter(status__in=[Export.Status.QUEUED, Export.Status.RUNNING])
        extra_context = {
            "title": gettext("My exports"),
            "keep_days": settings.EXPORT_KEEP_DAYS,
            # The page looks again by itself while a file is being written.
            "refresh": waiting.exists(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("asked at"), ordering="created_at")
    def asked_at(self, export):
        return formats.date_format(timezone.localtime(export.created_at), "DATETIME_FORMAT")

    @admin.display(description=_("export"))
    def what(self, export):
        kind = exports.KINDS.get(export.kind)
        return kind.title(export.filters) if kind is not None else export.kind

    @admin.display(description=_("status"), ordering="status")
    def state(self, export):
        label = exports.status_label(export)
        if export.status == Export.Status.FAILED:
            return format_html('<span class="export-failed">{}</span>', label)
        return label

    @admin.display(description=_("rows"))
    def rows(self, export):
        if export.row_count is None:
            return "—"
        count = formats.number_format(export.row_count, force_grouping=True)
        if export.excluded_count:
            # Said on the list, so that nobody takes the file for the whole list.
            return gettext("%(count)s (%(left_out)s left out: processing restricted)") % {
                "count": count,
                "left_out": formats.number_format(export.excluded_count, force_grouping=True),
            }
        return count

    @admin.display(description=_("available until"))
    def available_until(self, export):
        return exports.expiry_label(export)

    @admin.display(description=_("file"))
    def download(self, export):
        if export.status != Export.Status.DONE or not export.file_name:
            return "—"
        url = reverse("admin:agencies_export_download", args=[exports.download_token(export)])
        return format_html('<a class="button" href="{}" download>{}</a>', url, gettext("Download"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("request/", view(require_POST(self.request_view)), name="agencies_export_request"),
            path("download/<str:token>/", view(self.download_view), name="agencies_export_download"),
            *super().get_urls(),
        ]

    def request_view(self, request):
        """Queue an export of the kind, format and filters posted, then show "My exports"."""
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
            back = reverse("admin:index")
        code = request.POST.get("kind", "")
        kind = exports.KINDS.get(code)
        if kind is None or not exports.may_ask(request.user, code):
            messages.error(request, gettext("You may not export this."))
            return HttpResponseRedirect(back)
        if any(request.POST.get(name) for name in SEARCH_PARAMETERS):
            messages.error(
                request,
                gettext(
                    "A searched list cannot be exported: the search words would be kept with the file. Clear the "
                    "search and use the filters instead."
                ),
            )
            return HttpResponseRedirect(back)
        filters = {name: request.POST[name] for name in kind.filters if request.POST.get(name)}
        try:
            export = exports.export_request(
                actor=request.user, kind=code, format=request.POST.get("format", ""), filters=filters
            )
        except step_up.StepUpRequired:
            # Back to the list once the code is given: the person presses "Export" again, now confirmed.
            messages.info(request, gettext("A list of people needs your code again. Then export the list once more."))
            return HttpResponseRedirect(step_up.confirm_url(back))
        except (ValidationError, PermissionDenied) as exc:
            for errors in errors_of(exc).values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(back)
        export.refresh_from_db(fields=["status"])
        if export.status == Export.Status.DONE:
            messages.success(request, gettext("Your export is ready: download it below."))
        else:
            messages.success(
                request,
                gettext("Your export is being prepared. It appears here when it is ready, and we email you a link."),
            )
        return HttpResponseRedirect(reverse("admin:agencies_export_changelist"))

    def download_view(self, request, token):
        """The file, decrypted as it is sent; only for the person who asked, while the link is fresh (else 404)."""
        export = exports.export_for_download(request.user, token)
        try:
            content = exports.export_downloaded(request.user, export)
        except step_up.StepUpRequired:
            return HttpResponseRedirect(step_up.confirm_url(request.path))
        response = StreamingHttpResponse(content, content_type=exports.CONTENT_TYPES[export.format])
        response["Content-Disposition"] = f'attachment; filename="{exports.file_name_for(export)}"'
        response["Cache-Control"] = "private, no-store"
        return response
