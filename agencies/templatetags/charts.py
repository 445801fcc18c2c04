"""The charts of agencies/charts.py for templates: `{% load charts %}`, then `{% chart_styles %}` once in the page's
head and `{% bar_chart_of table %}` / `{% line_chart_of table %}` for a figures table, or `{% bar_chart … %}` /
`{% line_chart … %}` with categories and series a view built."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from agencies import charts

register = template.Library()


@register.simple_tag
def chart_styles():
    """The charts' stylesheet and the print stylesheet (it only applies on paper)."""
    return format_html(
        '<link rel="stylesheet" href="{}">\n<link rel="stylesheet" href="{}">',
        static("agencies/charts.css"),
        static("agencies/print.css"),
    )


@register.simple_tag
def bar_chart(*, title, categories, series, unit, target=None, category_label=""):
    return charts.bar_chart(
        title=title, categories=categories, series=series, unit=unit, target=target, category_label=category_label
    )


@register.simple_tag
def line_chart(*, title, periods, series, unit, target=None, category_label=""):
    return charts.line_chart(
        title=title, periods=periods, series=series, unit=unit, target=target, category_label=category_label
    )


@register.simple_tag
def bar_chart_of(table, title=None, category_label=""):
    return charts.bar_chart_of(table, title=title, category_label=category_label)


@register.simple_tag
def line_chart_of(table, title=None, category_label=""):
    return charts.line_chart_of(table, title=title, category_label=category_label)
