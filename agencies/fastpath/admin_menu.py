"""The admin's menu (the app list of the index page and of the navigation sidebar on every page) kept per process
(switch: ADMIN_MENU_MEMO; off, built anew on every page).

Django builds the menu on every admin page by asking each of the ~30 registered pages whether the person may see,
add and change its rows; each answer is a question to the access rule, and together they were a tenth of a list
page. Every one of those answers is a function of what the access rule keys its built rules by: the person's grants
(role, agency id, kind and region, writability), whether they are a set-up superuser, today's date and the rules'
generation (agencies.fastpath.memo.key). The menu's names and links add the language and the URL prefix. So the
menu is kept under exactly that key: a membership, role or agency change is a different key, never a stale menu.
tests/agencies/test_admin_menu.py holds the kept menu equal to the built one for every role, and holds every
registered page's permission answers to depending on nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix
from django.utils import translation

from agencies import access

from . import memo

_kept: dict[tuple, list] = {}
_KEPT = 1024


def app_list(site, request, build: Callable[[], list[dict]]) -> list[dict]:
    """`build()` (the site's app list for `request`), or what it gave before under the same key; `build()` when
    ADMIN_MENU_MEMO is off. Handed out as a copy, so that a page changing its menu changes no other page's."""
    if not settings.ADMIN_MENU_MEMO:
        return build()
    user = request.user
    what = ("admin menu", site.name, translation.get_language(), get_script_prefix(), access.is_setup_superuser(user))
    found = memo.key(what, access.grants_of(user))
    kept = _kept.get(found)
    if kept is None:
        if len(_kept) >= _KEPT:
            _kept.clear()
        kept = _kept[found] = build()
    return [{**app, "models": [dict(model) for model in app["models"]]} for app in kept]


def forget() -> None:
    """Drop every kept menu (tests that register pages)."""
    _kept.clear()
