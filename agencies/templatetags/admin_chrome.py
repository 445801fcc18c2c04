"""What every admin page draws around its content, drawn once and kept where it is the same for many pages: the
navigation sidebar (agencies.fastpath.admin_menu, switch ADMIN_MENU_MEMO)."""

from django import template

from agencies.fastpath import admin_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context):
    """admin/nav_sidebar.html, as base.html's `{% include %}` draws it."""
    return admin_menu.nav_sidebar(context)
