from django import template
from django.utils.formats import number_format

from programs.selectors import SMALL_CELL

register = template.Library()


@register.simple_tag
def cell(value, report):
    """A count, or "<5" for a small non-zero count shown to someone who does not run the program."""
    if report.suppress_small_cells and 0 < value < SMALL_CELL:
        return f"<{SMALL_CELL}"
    return number_format(value)


@register.simple_tag
def rate(value):
    return "-" if value is None else f"{value}%"
