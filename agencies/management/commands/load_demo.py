"""Demo data from the field reports in shared/seeds/, for local use only (refused unless DEBUG is on).

Each app may have a `demo` module with `load(demo)`; they run in INSTALLED_APPS order, so an app builds on the
apps to its left (agencies → cases → programs → funding). Safe to run again: nothing is duplicated.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import module_has_submodule

from agencies.demo import Demo, approve_a_month, record_an_incident
from agencies.figures_refresh import figures_refresh
from agencies.models import Region


class Command(BaseCommand):
    help = "Load the demo agencies, people, cases and API tokens (DEBUG only, idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo is for local use only and refuses to run with DEBUG off.")
        if not Region.objects.filter(code="33").exists():
            raise CommandError("Load the regions first: manage.py load_regions")
        demo = Demo()
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "demo"):
                    import_module(f"{app_config.name}.demo").load(demo)
            # After every app's data: an approved month needs the figures of all of them.
            approve_a_month(demo)
            # After the cases: the incident's search of the access log finds the cases an account touched.
            record_an_incident(demo)
        # The dashboards read stored figures only: compute them now, after the demo is committed, so every demo role
        # sees a living dashboard at once instead of waiting for the night's refresh.
        refresh = figures_refresh()
        demo.lines.append(f"Figures computed for the dashboards: {refresh.rows} facts.")
        self.stdout.write("\n".join(demo.lines) + "\n")
