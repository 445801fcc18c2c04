"""The breadcrumbs' step between Home and a page: the group of the menu the person clicked through
(config.admin_site.MENU), not the app the page's model belongs to. Loaded in templates as `{% load menu_group %}`
(settings.TEMPLATES' libraries); used by the admin's own templates (config/templates/admin/) and ours alike."""

from django import template
from django.utils.html import format_html

from config.admin_site import menu_group

register = template.Library()


@register.simple_tag
def menu_group_crumb(page) -> str:
    """The group of `page` (a model's `opts`, or a menu key such as "privacy.processingrecord"): a link to the
    group's own page, or its name alone when the group has none."""
    if isinstance(page, str):
        key = page
    elif getattr(page, "app_label", None) and getattr(page, "model_name", None):
        key = f"{page.app_label}.{page.model_name}"
    else:
        return ""
    name, url = menu_group(key)
    return format_html('<a href="{}">{}</a>', url, name) if url else format_html("{}", name)
