"""The indicator catalogue: every figure leadership and province staff decide with, defined once (issue 17).

Apps to the right plug their indicators in through this seam, as they plug in their reminders and their home
lines: `register(Indicator(...))` from the app's own `indicators.py`, imported in its `AppConfig.ready`. An
indicator says what it counts in words (shown beside every chart and table), its unit, the roles that may read
it, the dimensions every one of its facts carries, and `compute`: the raw GROUP BY that produces its facts. The
aggregate tables are filled from `compute` by the refresh; pages never run it.

A fact is one cell of the finest grain: its dimension values, a `value` (a count of people, a sum of Rupiah or of
days) and, for rates and averages, the `base` it is divided by (the people counted in the denominator). Keeping
numerator and denominator apart lets suppression hide a rate whose people are few, and lets any grouping (by
province, by year) be summed exactly from the finest grain instead of averaging averages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    COUNT = "count", _("people")
    PERCENT = "percent", _("percent")
    RUPIAH = "rupiah", _("Rupiah")
    DAYS = "days", _("days")


class Dimension(models.TextChoices):
    """What a fact can be grouped by. `district` is the owning regency/city's region code ("33.03"); a fact with
    no district (a ministry allocation not yet divided) is read only at national level."""

    MONTH = "month", _("Month")
    DISTRICT = "district", _("Regency/city")
    PROGRAM = "program", _("Program")
    TARGET_GROUP = "target_group", _("Target group")
    SITE = "site", _("Site of origin")
    STAGE = "stage", _("Stage")
    SOURCE = "source", _("Funding source")
    ALLOCATION = "allocation", _("Allocation")
    MONTHS_AFTER = "months_after", _("Months after completion")
    OUTCOME = "outcome", _("Outcome")


@dataclass(frozen=True)
class Fact:
    """One finest-grain cell: `dims` maps each of the indicator's dimensions to a value (a date for `month`, the
    first of that month; a region code for `district`; an id or a code otherwise; None where unknown)."""

    dims: dict[str, object]
    value: int
    base: int | None = None


@dataclass(frozen=True)
class Indicator:
    code: str  # "programs.completion_rate": app, then what it measures
    label: Promise | str
    definition: Promise | str  # one sentence: who or what is counted, and when
    unit: Unit
    dimensions: tuple[str, ...]  # every fact carries exactly these keys; `district` always among them
    roles: frozenset[str]  # agencies.models.Role values that may read it
    compute: Callable[[], Iterable[Fact]] = field(compare=False, repr=False)
    section: Promise | str = ""  # the catalogue's heading ("Cases", "Training", "Funding")
    # Counts of people are suppressed when small; sums of budget (a ceiling, an allocation) are not about persons.
    about_people: bool = True
    # A target to read the figure against, as a percent (a program's "20% leave the site").
    target_percent: int | None = None


_catalogue: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add `indicator` to the catalogue; registering the same code twice is a mistake, unless it is the same one."""
    if "district" not in indicator.dimensions:
        raise ValueError(f"{indicator.code}: every indicator is scoped by district")
    known = _catalogue.get(indicator.code)
    if known is not None and known != indicator:
        raise ValueError(f"{indicator.code} is registered twice")
    _catalogue[indicator.code] = indicator
    return indicator


def indicator(code: str) -> Indicator:
    return _catalogue[code]


def all_indicators() -> list[Indicator]:
    """Every indicator, in the order they were registered (the apps' order: cases, programs, funding)."""
    return list(_catalogue.values())


def first_of_month(day: datetime.date | datetime.datetime) -> datetime.date:
    return datetime.date(day.year, day.month, 1)


# How a dimension's keys read to a person: `register_labels(dimension, resolve)` where `resolve(keys)` answers
# {key: label} for the keys it knows, in one query whatever their number (a page asks once per table). Keys come
# as the aggregate table stores them: a date for `month`, a region code for `district`, an int for `program`,
# `site`, `allocation`, `target_group` and `months_after`, a str for `stage`, `source` and `outcome`. Each app
# registers the dimensions it owns (agencies: month and district; cases, programs, funding the rest).
LabelResolver = Callable[[list], dict]

_labels: dict[str, LabelResolver] = {}


def register_labels(dimension: str, resolve: LabelResolver) -> LabelResolver:
    """Name the keys of `dimension` with `resolve`; one resolver per dimension (registering it again replaces it)."""
    if dimension not in Dimension.values:
        raise ValueError(f"{dimension} is not a dimension")
    _labels[dimension] = resolve
    return resolve


# Dimensions whose keys have an order of their own, defined by the app that owns them (a case's stages in the order
# of the work, months after completion by number): `register_order(dimension, sort_key)`. Tables list any other
# dimension's keys in the order of their labels.
_orders: dict[str, Callable[[object], object]] = {}


def register_order(dimension: str, sort_key: Callable[[object], object]) -> None:
    if dimension not in Dimension.values:
        raise ValueError(f"{dimension} is not a dimension")
    _orders[dimension] = sort_key


def order_of(dimension: str) -> Callable[[object], object] | None:
    return _orders.get(dimension)


# Labels already resolved within `labels_kept()` (a page of many tables naming the same districts and programs),
# by (dimension, key); None outside one, where every call asks its resolver.
_kept: ContextVar[dict | None] = ContextVar("labels_kept", default=None)


@contextmanager
def labels_kept():
    """Within the block, each dimension's key is named once: later tables ask their resolver only for new keys."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def labels_of(dimension: str, keys: Iterable) -> dict:
    """{key: label} for `keys` of `dimension` (None keys left out); a key nobody names reads as itself."""
    keys = [key for key in keys if key is not None]
    kept = _kept.get()
    if kept is not None:
        missing = [key for key in keys if (dimension, key) not in kept]
        if missing:
            kept.update({(dimension, key): label for key, label in _resolved(dimension, missing).items()})
        return {key: kept[(dimension, key)] for key in keys}
    return _resolved(dimension, keys)


def _resolved(dimension: str, keys: list) -> dict:
    resolve = _labels.get(dimension)
    found = resolve(keys) if (resolve is not None and keys) else {}
    # A resolver may answer by the model's own key type (a source's int pk) for a key stored as text: match by text.
    by_text = {str(key): label for key, label in found.items()}
    return {key: str(found.get(key, by_text.get(str(key), key))) for key in keys}


# Targets that vary by a dimension's key (each program sets its own share who should leave the site), which the
# Indicator's one `target_percent` cannot hold: `register_targets(dimension, resolve)`, `resolve(keys)` answering
# {key: percent} for the keys that have one, in one query.
_targets: dict[str, LabelResolver] = {}


def register_targets(dimension: str, resolve: LabelResolver) -> LabelResolver:
    if dimension not in Dimension.values:
        raise ValueError(f"{dimension} is not a dimension")
    _targets[dimension] = resolve
    return resolve


def targets_of(dimension: str, keys: Iterable) -> dict:
    """{key: target percent} for those of `keys` that have a target (none when no app gives targets there)."""
    keys = [key for key in keys if key is not None]
    resolve = _targets.get(dimension)
    return resolve(keys) if (resolve is not None and keys) else {}
