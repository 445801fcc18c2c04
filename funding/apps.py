from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        # access_rules registers with agencies.access; services plugs entitlements into programs.completion;
        # timeline adds entitlements and payments to a case's file (cases/timeline.py), subject_access to a
        # person's subject-access bundle (cases/subject_access.py).
        from . import access_rules, indicators, services, subject_access, timeline  # noqa: F401
