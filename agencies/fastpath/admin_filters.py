"""The filter panels of the long admin lists (the case list, the auditors' trail) drawn cheaply (switch:
ADMIN_LEAN_FILTERS; off, Django's own).

A list page's filter panel is a link per choice: the trail offers its ~70 actions, the case list of province staff
its ~40 offices, the sites and the target groups. Django builds each link's query string by copying the page's
parameters, sorting them and URL-encoding all of them again (`ChangeList.get_query_string`), and draws each choice
through the template engine (admin/filter.html's loop); together 1-2 ms of every list page. Here:

- `LeanQueryStrings` (a ChangeList mixin): the page's parameters are encoded once per page, a new parameter's
  value once per process; a query string is the sorted keys' encoded parts joined, the same text as Django's;
- the panels whose template is Django's admin/filter.html are drawn with admin/lean_filter.html, the same markup
  with its loop over the choices joined in Python (agencies/templatetags/admin_chrome.py, `lean_choices`).

tests/admin/test_admin_chrome.py holds whole list pages equal with the switch on and off, in both languages, and
tests/agencies/test_admin_filters.py holds the query strings to Django's for odd parameters.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.http import urlencode

PLAIN = "admin/filter.html"
LEAN = "admin/lean_filter.html"

_encoded: dict[tuple, tuple[str, ...]] = {}
_ENCODED = 4096


def encoded(key, value) -> tuple[str, ...]:
    """`key=value` URL-encoded as Django's urlencode(..., doseq=True) encodes it, one part per value of a list."""
    try:
        found = (key, type(value), value)  # the type too: 1 == True, but they read "1" and "True"
        hash(found)
    except TypeError:  # a list of values
        return _encode(key, value)
    parts = _encoded.get(found)
    if parts is None:
        if len(_encoded) >= _ENCODED:
            _encoded.clear()
        parts = _encoded[found] = _encode(key, value)
    return parts


def _encode(key, value) -> tuple[str, ...]:
    # The parts never hold a "&" of their own: urlencode quotes it.
    return tuple(part for part in urlencode([(key, value)], doseq=True).split("&") if part)


class LeanQueryStrings:
    """A ChangeList whose query strings are joined from parts encoded once, and whose filter panels are drawn with
    admin/lean_filter.html, when ADMIN_LEAN_FILTERS is on."""

    def get_filters(self, request):
        found = super().get_filters(request)
        if settings.ADMIN_LEAN_FILTERS:
            for spec in found[0]:
                if getattr(spec, "template", None) == PLAIN:
                    spec.template = LEAN
        return found

    def get_query_string(self, new_params=None, remove=None):
        if not settings.ADMIN_LEAN_FILTERS:
            return super().get_query_string(new_params, remove)
        # What Django's does: the page's parameters, less those starting with a removed name, with the new ones
        # set (None: dropped), sorted by name and encoded; a parameter's parts encoded once.
        now = tuple(self.filter_params.items())
        kept = self.__dict__.get("_lean_parts")
        if kept is None or kept[0] != now:
            kept = self._lean_parts = (now, {key: encoded(key, value) for key, value in now})
        parts = kept[1]
        if remove:
            parts = {key: part for key, part in parts.items() if not any(key.startswith(r) for r in remove)}
        if new_params:
            parts = dict(parts)
            for key, value in new_params.items():
                if value is None:
                    parts.pop(key, None)
                else:
                    parts[key] = encoded(key, value)
        return "?" + "&".join(part for key in sorted(parts) for part in parts[key])
