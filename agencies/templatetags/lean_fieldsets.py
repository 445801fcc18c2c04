"""A change page's fieldset, rendered as Django's admin/includes/fieldset.html renders it, but in Python.

The case page is some twenty lines of one field each, nearly all read-only. Django's fieldset template resolves a
dozen variables and filters per line (`line.fields|length`, `field.field.name`, `field.is_checkbox`, …), which cost
the case page more than its queries (10 of ~30 ms). The output is the same HTML, whitespace aside. Lines of more than
one field, named or collapsible fieldsets, and hidden widgets keep Django's template, as does everything when the
switch ADMIN_LEAN_CASE_PAGE is off.
"""

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def lean_fieldset(context, fieldset, index: int) -> str:
    """The fieldset `index` of a change form, as `{% include "admin/includes/fieldset.html" %}` with the change
    form's arguments renders it."""
    if not (settings.ADMIN_LEAN_CASE_PAGE and _simple(fieldset)):
        fieldset_template = context.template.engine.get_template("admin/includes/fieldset.html")
        arguments = {"fieldset": fieldset, "heading_level": 2, "prefix": "fieldset", "id_prefix": 0}
        with context.push(**arguments, id_suffix=index):
            return fieldset_template.render(context)
    lines = [_line(line) for line in fieldset]
    classes = conditional_escape(fieldset.classes)
    return mark_safe(f'<fieldset class="module aligned {classes}">{"".join(lines)}</fieldset>')  # noqa: S308


def _simple(fieldset) -> bool:
    return not fieldset.name and not fieldset.description and all(len(line.fields) == 1 for line in fieldset)


def _line(line) -> str:
    (field,) = list(line)
    errors = line.errors()
    name = field.field["name"] if field.is_readonly else field.field.name
    classes = "form-row"
    if errors:
        classes += " errors"
    if not line.has_visible_field:
        classes += " hidden"
    if name:
        classes += f" field-{name}"
    box = "flex-container checkbox-row" if field.is_checkbox else "flex-container"
    if field.is_checkbox:
        shown = f"{field.field}{field.label_tag()}"
    elif field.is_readonly:
        shown = f'{field.label_tag()}<div class="readonly">{field.contents()}</div>'
    else:
        shown = f"{field.label_tag()}{field.field}"
    help_text = field.field["help_text"] if field.is_readonly else field.field.help_text
    helped = ""
    if help_text:
        hidden = " hidden" if not field.is_readonly and field.field.is_hidden else ""
        for_label = "" if field.is_readonly else field.field.id_for_label
        named = format_html(' id="{}_helptext"', for_label) if for_label else ""
        helped = f'<div class="help{hidden}"{named}><div>{help_text}</div></div>'  # |safe, as Django's template
    line_classes = conditional_escape(classes)
    return f'<div class="{line_classes}">{errors}<div><div class="{box}">{shown}</div>{helped}</div></div>'
