from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self):
        # timeline adds enrollments and follow-up visits to a case's file (cases/timeline.py), subject_access the
        # same rows to a person's subject-access bundle (cases/subject_access.py).
        from . import access_rules, indicators, subject_access, timeline  # noqa: F401
