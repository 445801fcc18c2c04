from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from django.db.backends.signals import connection_created

        # The breach register's saved query asks this app which cases its events touched (agencies.incidents).
        from . import access_rules, incidents, indicators  # noqa: F401

        connection_created.connect(_name_search_on_sqlite)


def _name_search_on_sqlite(sender, connection, **kwargs):
    """SQLite has no pg_trgm: a search by name there calls the same arithmetic in Python (cases/names.py)."""
    if connection.vendor == "sqlite":
        from .names import word_similarity

        connection.connection.create_function("word_similarity", 2, word_similarity, deterministic=True)
