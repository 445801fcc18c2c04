"""Built access rules and scoped querysets kept per process (switch: ACCESS_MEMO; off, every rule is built anew).

Building a rule's Q (subqueries for referrals and consents) and filtering by it cost more than running a page's
query (measured: 2.0 ms per API request, 0.01 ms kept). agencies.access promises that a rule is a pure function of
its grants' role, agency id, kind and region, writability and today's date, and reads no database while it is
built (tests/agencies/test_access_rule_building.py holds every rule to both); so what is built is kept under
exactly that key and the rules' generation. A membership, role or agency change is a different key, never a stale
answer. Rows are never kept: querysets stay unevaluated and are handed out as .all() clones; Django treats Q
objects and querysets in filters as immutable templates. The one-row change check (access.require_change) keeps its
compiled SQL here too, under the same key: the statement with a slot for the row's key, never an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils import timezone

from agencies import access, rulebook

T = TypeVar("T")

_kept: dict[tuple, object] = {}
_KEPT = 4096


def grant_key(grant: rulebook.Grant) -> tuple:
    """Everything of a grant that a rule may read."""
    return grant.role, grant.agency.pk, grant.agency.kind, grant.agency.region_id, grant.may_write


def key(what: tuple, grants: tuple[rulebook.Grant, ...]) -> tuple:
    return what, tuple(grant_key(grant) for grant in grants), timezone.localdate(), rulebook.generation


def remember(what: tuple, grants: tuple[rulebook.Grant, ...], build: Callable[[], T]) -> T:
    """`build()`, or what it gave before under the same key (agencies.access.remember); `build()` when off."""
    if not settings.ACCESS_MEMO:
        return build()
    found = key(what, grants)
    try:
        return _kept[found]
    except KeyError:
        pass
    if len(_kept) >= _KEPT:
        _kept.clear()
    value = _kept[found] = build()
    return value


def install() -> None:
    """Put the memo into agencies.access's seam (agencies.apps)."""
    access.remember = remember


def scoped_rows(actor, model: type[Model], shaped_by: Callable[[QuerySet], QuerySet]) -> QuerySet:
    """`shaped_by` (a pure function of a queryset, e.g. the `.values()` columns of a hot read) of the rows
    `access.visible_to(actor, model)`, kept with them so that shaping is paid once per scope, not per request."""
    if access.is_setup_superuser(actor):
        return shaped_by(model._default_manager.all())
    return access.remember(
        (model, "rows", shaped_by), access.grants_of(actor), lambda: shaped_by(access.visible_to(actor, model))
    ).all()


def derived_from_scope(
    actor, model: type[Model], derive: Callable[[QuerySet], T], *, shaped_by: Callable[[QuerySet], QuerySet]
) -> T:
    """`derive` (a pure function, e.g. compiling a hot read's SQL) of `scoped_rows(actor, model, shaped_by)`,
    computed once per scope and kept under the same key as those rows."""
    grants = access.grants_of(actor)
    what = (model, "derived", derive, shaped_by, access.is_setup_superuser(actor))
    return access.remember(what, grants, lambda: derive(scoped_rows(actor, model, shaped_by)))
