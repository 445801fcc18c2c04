from django import template
from django.utils.formats import number_format

from programs.selectors import RATES

register = template.Library()

# One mark for every hidden figure: were small counts marked apart from the cells hidden to protect them, the
# mark itself would tell which is which (dipantau 6, "<5" and "*" beside it: the "*" is 5, the "<5" is 1).
HIDDEN = "*"


@register.simple_tag
def figure(row, name):
    """A count or rate of a report row as shown: "*" when hidden, "-" for a rate without a denominator."""
    if name in row.hidden:
        return HIDDEN
    value = getattr(row, name)
    if name in RATES:
        return "-" if value is None else f"{value}%"
    return number_format(value)
