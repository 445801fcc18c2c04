"""The dashboard's numbers and months as text, kept per process and language (switch: DASHBOARD_FORMAT_MEMO; off,
Django formats each one anew).

A national dashboard writes some three hundred numbers (each cell's text, each axis's ticks, tried at several
spacings until their labels fit) and a hundred month names ("Des 2026"), each through Django's localization: the
active language read from a thread-local and three format settings looked up, every time. What comes out is a
function of the value, the decimals, the language and the format settings only, so it is kept under the value
(with its type: 1 and 1.0, Decimal("1.0") and Decimal("1.00") are written differently), the decimals and the
language, and forgotten whenever a setting changes (tests override the format settings). Only ints, non-zero
floats and dates are kept (a float zero may be -0.0, which equals 0.0 and is written "-0"); anything else is
formatted as before. tests/agencies/test_dashboard.py holds a whole page equal with and without the switch.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.signals import setting_changed
from django.utils import formats
from django.utils.translation import get_language

_numbers: dict[tuple, str] = {}
_months: dict[tuple, str] = {}
_KEPT = 20_000  # a few dashboards' worth of distinct numbers; past that the memo starts again


def number_format(value, decimal_pos: int | None = None) -> str:
    """`django.utils.formats.number_format(value, decimal_pos, use_l10n=True, force_grouping=True)`."""
    kind = type(value)
    if not settings.DASHBOARD_FORMAT_MEMO or not (kind is int or (kind is float and value)):
        return formats.number_format(value, decimal_pos, use_l10n=True, force_grouping=True)
    key = (kind, value, decimal_pos, get_language())
    try:
        return _numbers[key]
    except KeyError:
        pass
    if len(_numbers) >= _KEPT:
        _numbers.clear()
    text = _numbers[key] = formats.number_format(value, decimal_pos, use_l10n=True, force_grouping=True)
    return text


def month_label(month: datetime.date) -> str:
    """`django.utils.formats.date_format(month, "M Y")`: "Des 2026"."""
    if not settings.DASHBOARD_FORMAT_MEMO or type(month) is not datetime.date:
        return formats.date_format(month, "M Y")
    key = (month, get_language())
    try:
        return _months[key]
    except KeyError:
        pass
    if len(_months) >= _KEPT:
        _months.clear()
    text = _months[key] = formats.date_format(month, "M Y")
    return text


def forget(**kwargs) -> None:
    _numbers.clear()
    _months.clear()


setting_changed.connect(forget, dispatch_uid="agencies.fastpath.formats.forget")
