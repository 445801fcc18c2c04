"""The header's search box: on every admin page of whoever may see cases, it finds a person or a case."""

from django import template

from agencies import access

from ..models import Case

register = template.Library()


@register.inclusion_tag("admin/cases/header_search.html", takes_context=True)
def case_search_box(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = user is not None and user.is_authenticated and access.may_see_any(user, Case)
    return {"shown": shown, "request": request}
