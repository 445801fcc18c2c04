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

The navigation sidebar drawn from that menu on every page (admin/nav_sidebar.html, ~30 links; 1.5-3 ms of the
template engine per page) is kept too, as HTML, under the menu's key, the language and which of its sections and
links the page's path marks as current: nothing else of a page enters it (no form, no token, no name of a row).
The template's own test of "current" (`url in request.path|urlencode`) is asked in Python, once per link.
tests/agencies/test_admin_sidebar.py holds whole pages equal with and without the switch, in both languages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.defaultfilters import urlencode
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString

from agencies import access

from . import memo

_kept: dict[tuple, list] = {}
_KEPT = 1024
_drawn: dict[tuple, SafeString] = {}
_DRAWN = 4096
SIDEBAR = "admin/nav_sidebar.html"


class KeptMenu(list):
    """A copy of a kept menu, knowing the key it was kept under (for its sidebar's kept HTML)."""

    key: tuple


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
    menu = KeptMenu({**app, "models": [dict(model) for model in app["models"]]} for app in kept)
    menu.key = found
    return menu


def nav_sidebar(context) -> SafeString:
    """The page's navigation sidebar: admin/nav_sidebar.html rendered as `{% include %}` renders it, or its HTML
    kept from an earlier page with the same menu, language and current links. Drawn anew when ADMIN_MENU_MEMO is
    off, and whenever the page's menu is not, unchanged, a kept one (a view that changed its copy)."""
    menu, request = context.get("available_apps"), context.get("request")
    key = getattr(menu, "key", None)
    if not settings.ADMIN_MENU_MEMO or key is None or request is None or _kept.get(key) != menu:
        return _draw(context)
    here = urlencode(request.path)
    current = tuple(app["app_url"] in here for app in menu) + tuple(
        isinstance(url := model.get("admin_url"), str) and url in here for app in menu for model in app["models"]
    )
    found = (key, translation.get_language(), current)
    drawn = _drawn.get(found)
    if drawn is None:
        if len(_drawn) >= _DRAWN:
            _drawn.clear()
        drawn = _drawn[found] = _draw(context)
    return drawn


def _draw(context) -> SafeString:
    with context.push():
        return context.template.engine.get_template(SIDEBAR).render(context)


def forget() -> None:
    """Drop every kept menu and sidebar (tests that register pages)."""
    _kept.clear()
    _drawn.clear()
