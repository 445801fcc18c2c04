from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and regions")

    def ready(self):
        # Registers the access rules for this app's own models with the one access module.
        from django.utils.module_loading import autodiscover_modules

        # The trail's receivers of failed sign-ins and lockouts (django.contrib.auth and django-axes signals).
        from . import (
            access_rules,  # noqa: F401
            two_factor,  # noqa: F401
        )

        # Each app's reminders.py registers its kinds of email and its composers (agencies.notifications).
        autodiscover_modules("reminders")
        # Each app's work.py registers the lines of the admin home's "My work" (agencies.work), counted as its
        # reminders count.
        autodiscover_modules("work")
        # Each app's exports.py registers the kinds of file its people may ask for (agencies.exports).
        autodiscover_modules("exports")
        # Each app's retention.py declares what the retention job removes from its rows (agencies.retention).
        autodiscover_modules("retention")
        # The data inventory (UU 27/2022): agencies' own fields, then each app's inventory.py declares its own
        # (agencies.inventory); the record of processing is generated from it.
        from . import own_inventory  # noqa: F401

        autodiscover_modules("inventory")
        # The dashboard's own kind of file (agencies.dashboard_exports): agencies' exports.py is the machinery itself.
        from . import dashboard_exports  # noqa: F401

        # The seams of agencies.access get the fast path's memo (which keys by the rules' generation, so the rules
        # other apps register after this still count) and, with it, the compiled one-row checks.
        from .fastpath import checks, memo

        memo.install()
        checks.install()

        # A session's clock starts when its person signs in (agencies.sessions), however they sign in.
        from django.contrib.auth.signals import user_logged_in

        from .sessions import session_started

        user_logged_in.connect(session_started, dispatch_uid="agencies.sessions:started")
