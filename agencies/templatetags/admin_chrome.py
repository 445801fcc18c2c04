"""What every admin page draws around its content, drawn once and kept where it is the same for many pages (the
navigation sidebar: agencies.fastpath.admin_menu, switch ADMIN_MENU_MEMO) or drawn in Python where the template
engine's loop was the cost (a filter panel's choices: agencies.fastpath.admin_filters, switch ADMIN_LEAN_FILTERS)."""

from django import template
from django.template.base import render_value_in_context
from django.utils.encoding import iri_to_uri
from django.utils.html import escape
from django.utils.safestring import mark_safe

from agencies.fastpath import admin_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context):
    """admin/nav_sidebar.html, as base.html's `{% include %}` draws it."""
    return admin_menu.nav_sidebar(context)


@register.simple_tag(takes_context=True)
def lean_choices(context, choices):
    """A filter panel's choices as admin/filter.html's loop draws them, joined in Python
    (agencies.fastpath.admin_filters, switch ADMIN_LEAN_FILTERS)."""
    return mark_safe("".join(_choice(choice, context) for choice in choices))  # noqa: S308 (escaped as the template does)


def _choice(choice, context) -> str:
    link = escape(iri_to_uri(choice.get("query_string", "")))
    shown = render_value_in_context(choice.get("display", ""), context)
    return f'\n    <li{_SELECTED if choice.get("selected") else ""}>\n    <a href="{link}">{shown}</a></li>\n  '


_SELECTED = ' class="selected"'
