"""The admin's "Dashboard" (menu: Reports) and its "List of indicators": pages of agencies.dashboards, reached
through the Figure model's place in the admin (no list of figures: a figure is read only inside a table)."""

from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from . import access, dashboards, exports
from .dashboard_exports import KIND
from .figures import catalogue
from .indicators import Unit
from .models import Figure, Role
from .scoped_admin import ScopedModelAdmin


def may_read_dashboard(user) -> bool:
    # Whoever some indicator names as its reader; set-up superusers are no readers (they have no office's level).
    return not access.is_setup_superuser(user) and any(
        g.role in dashboards.reader_roles() for g in access.grants_of(user)
    )


@admin.register(Figure)
class DashboardAdmin(ScopedModelAdmin):
    def has_module_permission(self, request):
        return may_read_dashboard(request.user)

    def has_view_permission(self, request, obj=None):
        return obj is None and may_read_dashboard(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        # The dashboard stands where the list of figures would: no page of a single figure exists.
        view = self.admin_site.admin_view
        return [
            path("", view(self.dashboard_view), name="agencies_figure_changelist"),
            path("indicators/", view(self.indicators_view), name="agencies_figure_indicators"),
        ]

    def dashboard_view(self, request):
        """The reader's dashboard at their level, within the filters of the GET form."""
        if not may_read_dashboard(request.user):
            raise Http404(access.NOT_FOUND)
        reach, form, board = dashboards.read(request.user, request.GET)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": reach.title,
            "reach": reach,
            "form": form,
            "board": board,
            "as_of": dashboards.as_of_text(board.as_of, reach.zone) if board else "",
            "chosen": form.chosen() if board else {},
            "described": form.described() if board else [],
            "may_export": exports.may_ask(request.user, KIND),
            "export_kind": KIND,
            "k": settings.SUPPRESSION_K,
        }
        return TemplateResponse(request, "admin/agencies/dashboard/dashboard.html", context)

    def indicators_view(self, request):
        """Every indicator the reader may read: what it counts, its unit and who reads it."""
        if not may_read_dashboard(request.user):
            raise Http404(access.NOT_FOUND)
        reach = dashboards.reach_of(request.user)
        sections: dict[str, list] = {}
        for found in catalogue(request.user):
            sections.setdefault(str(found.section), []).append(
                {
                    "label": found.label,
                    "definition": found.definition,
                    "unit": Unit(found.unit).label,
                    "readers": ", ".join(sorted(str(Role(role).label) for role in found.roles)),
                    "suppressed": found.about_people,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("List of indicators"),
            "reach": reach,
            "sections": sections,
        }
        return TemplateResponse(request, "admin/agencies/dashboard/indicators.html", context)
