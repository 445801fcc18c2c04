"""The rows of a long admin list, rendered the way Django's `result_list` renders them but with each column's way
of showing a value worked out once per page instead of once per cell.

A page of the case list or the trail is 100 rows of 6–8 columns; Django's items_for_result looks up the field,
the empty-value text (a lazy translation), the link, its preserved filters and the cell's classes again for each
of those 800 cells, formats each date through the generic date formatter (a regular expression and a translated
month name per cell), translates a choice's label per cell, and then the template engine renders each cell again.
Here each column becomes one function from a row to its cell's HTML, chosen once per page for the column's field
type: a choice's labels are translated once per page, a related row's name is escaped once per row it names, a
date's format is parsed once per page and its month names translated once per month. The rows are joined into the
table body in Python (admin/lean_change_list_results.html), the header stays the template's. The output is the same
HTML (tests/admin/test_lean_rows.py). A switch: ADMIN_LEAN_ROWS = False in settings (or a list with editable
columns, actions or a popup) falls back to Django's own rows.
"""

import datetime
import html
import re
import zoneinfo

from django import template
from django.conf import settings
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field, quote
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import DateFormat
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()
_PK = "LEANROWSPK"  # a key no row has, and that admin URL quoting leaves as it is


@register.inclusion_tag("admin/lean_change_list_results.html")
def lean_result_list(cl):
    """Django's `result_list` context; where the list allows it, the rows as one piece of HTML (`rows`)."""
    headers = list(result_headers(cl))
    lean = _lean(cl)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [] if lean else list(results(cl)),
        "rows": lean_rows(cl) if lean else "",
    }


def _lean(cl) -> bool:
    return settings.ADMIN_LEAN_ROWS and not cl.formset and not cl.is_popup and cl.list_display_links is not None


def lean_rows(cl) -> str:
    """The table body's rows, the same HTML as Django's template makes of items_for_result."""
    columns = _columns(cl)
    return mark_safe(  # noqa: S308 (each cell escaped by its column)
        "".join(f"\n<tr>{''.join([column(row) for column in columns])}</tr>" for row in cl.result_list)
    )


def _columns(cl) -> list:
    links = [
        index
        for index, name in enumerate(cl.list_display)
        if (name in cl.list_display_links if cl.list_display_links else index == 0)
    ]
    first_link = links[0] if links else None
    return [_column(cl, index, name, index in links, index == first_link) for index, name in enumerate(cl.list_display)]


def _column(cl, index: int, name, linked: bool, first_link: bool):
    """A function from a row to its cell's HTML for column `name`, the same as Django's items_for_result gives."""
    admin = cl.model_admin
    if name == "action_checkbox":
        return _tick_box(admin)
    empty = str(admin.get_empty_value_display())
    try:
        field = cl.lookup_opts.get_field(name) if isinstance(name, str) else None
    except FieldDoesNotExist:
        field = None
    label = name if isinstance(name, str) else getattr(name, "__name__", str(index))
    if label == "<lambda>":
        label = f"lambda{index}"  # as Django's _coerce_field_name
    classes = f"field-{label}"
    if field is not None and not field.auto_created:
        if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes += " nowrap"
        shown = _field_shown(field, empty, linked, classes)
    else:
        shown = _callable_shown(cl, name, empty, classes)

    if not linked:

        def cell(row) -> str:
            text, css = shown(row)
            return f'<td class="{css}">{text}</td>'

        return cell
    try:
        url = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change", args=(_PK,), current_app=admin.admin_site.name
        )
        url = html.escape(add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url))
    except NoReverseMatch:
        url = None
    tag = "th" if first_link else "td"

    def linked_cell(row) -> str:
        text, css = shown(row)
        if url is not None:
            text = f'<a href="{url.replace(_PK, html.escape(quote(str(row.pk))))}">{text}</a>'
        return f'<{tag} class="{css}">{text}</{tag}>'

    return linked_cell


_ROW = "LEANROWSROW"  # stands for a row's name in the tick box's label, as _PK for its key


class _Sentinel:
    """A row as the tick box sees it: its key and its name, both placeholders to fill in per row."""

    pk = _PK

    def __str__(self):
        return _ROW


def _tick_box(admin):
    """The actions' tick box of each row: Django's widget drawn once with placeholders (a widget drawn a hundred
    times through its template cost more than the rest of the page), then filled in per row, escaped as it is."""
    drawn = str(admin.action_checkbox(_Sentinel()))

    def cell(row) -> str:
        box = drawn.replace(_PK, html.escape(str(row.pk))).replace(_ROW, html.escape(str(row)))
        return f'<td class="action-checkbox">{box}</td>'

    return cell


def _field_shown(field, empty: str, linked: bool, classes: str):
    """For a model field: (escaped text, classes) of a row, as display_for_field shows it."""
    empty_html = conditional_escape(empty)
    if field.many_to_one:
        # The related row's name, escaped once per row it names (a page names a few offices a hundred times).
        names: dict = {}
        attname, name = field.attname, field.name

        def related(row) -> tuple[str, str]:
            key = getattr(row, attname)
            if key is None:
                return empty_html, classes
            if key not in names:
                found = getattr(row, name)
                names[key] = empty_html if found is None else conditional_escape(found)
            return names[key], classes

        return related
    attname = field.attname
    if getattr(field, "flatchoices", None) and _hashable(field.flatchoices):
        # Each choice's label translated and escaped once per page, not once per cell.
        labels = {value: conditional_escape(label) for value, label in field.flatchoices}

        def chosen(row) -> tuple[str, str]:
            value = getattr(row, attname)
            if isinstance(value, str) and not value.strip():
                value = ""
            return labels.get(value, empty_html), classes

        return chosen
    if isinstance(field, models.DateTimeField):
        formatted = datetime_formatter()

        def dated(row) -> tuple[str, str]:
            value = getattr(row, attname)
            if value in field.empty_values:
                return empty_html, classes
            return html.escape(formatted(value)), classes

        return dated

    def generic(row) -> tuple[str, str]:
        value = getattr(row, attname)
        if isinstance(value, str) and not value.strip():
            value = ""
        return conditional_escape(display_for_field(value, field, empty, avoid_link=linked)), classes

    return generic


def _hashable(choices) -> bool:
    try:
        dict(choices)
    except TypeError:
        return False
    return True


def _callable_shown(cl, name, empty: str, classes: str):
    """For a ModelAdmin method or a callable: (escaped text, classes) of a row, as display_for_value shows it."""
    admin = cl.model_admin
    method = None
    if callable(name):
        method = name
    elif isinstance(name, str) and name != "__str__" and hasattr(admin, name):
        method = getattr(admin, name)
    if method is not None:
        empty = getattr(method, "empty_value_display", empty)
        boolean = getattr(method, "boolean", False)

        def value_of(row):
            return method(row)

    else:
        boolean = None  # read from the attribute, per row, as Django does

        def value_of(row):
            return lookup_field(name, row, admin)

    empty_html = conditional_escape(empty)
    dated_classes = f"{classes} nowrap"

    def shown(row) -> tuple[str, str]:
        try:
            if boolean is None:
                _field, attr, value = lookup_field(name, row, admin)
                row_empty = getattr(attr, "empty_value_display", empty)
                row_boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    row_boolean = getattr(attr.fget, "boolean", False)
            else:
                value, row_empty, row_boolean = value_of(row), empty, boolean
        except ObjectDoesNotExist:
            return empty_html, classes
        if type(value) is str and not row_boolean:  # the common case: a name or a label, escaped as it is
            return (html.escape(value) if value.strip() else conditional_escape(row_empty)), classes
        if isinstance(value, str) and not value.strip():
            value = ""
        text = conditional_escape(display_for_value(value, row_empty, row_boolean))
        return text, dated_classes if isinstance(value, datetime.date | datetime.time) else classes

    return shown


# Dates: Django's DateFormat, with the format string parsed once per page instead of once per value, and the
# names of months and weekdays (translations) looked up once per page for each month or weekday shown.

_FORMAT_CHARS = re.compile(r"(?<!\\)([a-zA-Z])")
_BY_MONTH = frozenset("bEFMN")
_BY_WEEKDAY = frozenset("Dl")


def datetime_formatter():
    """A function giving what `formats.localize(timezone.template_localtime(value))` gives for an aware datetime,
    in the current language, format and time zone."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    return _compiled(get_format("DATETIME_FORMAT"), zone)


def _compiled(format_string: str, zone: zoneinfo.ZoneInfo | None):
    pieces = []  # (literal text, None) or (None, format character), as Formatter.format splits them
    for i, piece in enumerate(_FORMAT_CHARS.split(format_string)):
        if i % 2:
            pieces.append((None, piece))
        elif piece:
            pieces.append((re.sub(r"\\(.)", r"\1", piece), None))
    names: dict = {}

    def formatted(value: datetime.datetime) -> str:
        if zone is not None and timezone.is_aware(value) and getattr(value, "convert_to_local_time", True):
            value = value.astimezone(zone)
        shown = DateFormat(value)
        out = []
        for literal, char in pieces:
            if char is None:
                out.append(literal)
            elif char in _BY_MONTH or char in _BY_WEEKDAY:
                key = (char, value.month if char in _BY_MONTH else value.weekday())
                if key not in names:
                    names[key] = str(getattr(shown, char)())
                out.append(names[key])
            else:
                out.append(str(getattr(shown, char)()))
        return "".join(out)

    return formatted
