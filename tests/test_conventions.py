"""Conventions enforced rather than remembered: every admin of our apps is scoped, every model has a rule."""

import pytest
from django.apps import apps
from django.contrib import admin

from agencies import rulebook
from agencies.scoped_admin import ScopedModelAdmin

OUR_APPS = {"agencies", "cases", "programs", "funding"}
# Accounts are set up by superusers with Django's own user admin; no working role sees it.
SET_UP_ONLY = {"agencies.User"}


def _ours(model) -> bool:
    return model._meta.app_label in OUR_APPS and model._meta.label not in SET_UP_ONLY


def test_every_admin_of_our_apps_uses_the_scoped_base():
    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if _ours(model) and not isinstance(model_admin, ScopedModelAdmin)
    ]
    assert unscoped == []


def test_every_model_of_our_apps_has_an_access_rule():
    registered = set(rulebook.registered_models())
    missing = [
        m._meta.label
        for app in OUR_APPS
        for m in apps.get_app_config(app).get_models()
        if _ours(m) and m not in registered
    ]
    assert missing == []


@pytest.mark.django_db
def test_the_setup_user_admin_is_hidden_from_working_roles(rf):
    from tests.agencies.factories import MembershipFactory

    request = rf.get("/admin/")
    request.user = MembershipFactory().user
    user_admin = admin.site._registry[apps.get_model("agencies.User")]

    assert not user_admin.has_module_permission(request)


def test_every_api_view_of_our_apps_uses_the_scoped_base():
    from django.urls import get_resolver

    from agencies.api.views_base import ScopedViewSet

    unscoped = set()
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            view = getattr(sub.callback, "cls", None)
            if view is not None and view.__module__.split(".")[0] in OUR_APPS and not issubclass(view, ScopedViewSet):
                unscoped.add(view.__name__)
    assert unscoped == set()


def test_the_api_schema_is_complete_and_valid():
    from django.core.management import call_command

    # --fail-on-warn: every endpoint, parameter and enum resolves; --validate: OpenAPI 3 conformant.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_access_rule_imports_nothing_of_the_fast_path():
    # The rule must read the same with the fast path switched off or gone: speed work plugs into its one seam.
    import ast
    from pathlib import Path

    from agencies import access

    tree = ast.parse(Path(access.__file__).read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names
    }
    assert not [name for name in imported if "fastpath" in name]


def test_the_browser_journeys_keep_their_screenshots_inside_the_repository():
    # Screenshots go through tests/browser/steps.shot to tests/browser/artifacts/ (ignored by git): a path of the
    # machine a journey was written on fails, or litters, everywhere else.
    from pathlib import Path

    browser = Path(__file__).parent / "browser"
    outside = [
        path.name for path in browser.glob("*.py") if "/work/" in path.read_text() or "SHOTS" in path.read_text()
    ]
    assert outside == []
