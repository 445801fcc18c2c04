from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        # access_rules registers with agencies.access; services plugs entitlements into programs.completion.
        from . import access_rules, services  # noqa: F401
