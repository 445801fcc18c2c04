from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self):
        # timeline adds enrollments and follow-up visits to a case's file (cases/timeline.py).
        from . import access_rules, indicators, timeline  # noqa: F401
