"""The one access rule: which rows a user or an API client may see and change (DESIGN §5).

Every selector, admin queryset and API view asks this module; nothing else filters by agency or region.
Each app registers, per model and per role, a function from a `Grant` to a `Q` over that model (see
`register`); an actor sees the union over their grants. A model nobody registered is an error, and a role
with no entry for a model sees none of it: deny by default.

Rows outside an actor's scope answer 404, never 403, so their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Agency, ApiClient, Membership, Role, User
from .regions import within_q

M = TypeVar("M", bound=Model)
T = TypeVar("T")

# `Q()` is "no condition", and `Q() | x` is just `x`: a rule meaning "every row" must say so explicitly.
EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class Grant:
    """One capacity an actor acts in: a role held in an agency, writable or read-only."""

    role: str
    agency: Agency
    may_write: bool


RoleRule = Callable[[Grant], Q]


@dataclass(frozen=True)
class _Follows:
    """Rows of a model are in scope exactly when their parent row is (a note follows its case)."""

    parent: type[Model]
    # Either the child's field pointing at the parent, or the parent's field pointing at the child.
    child_field: str | None = None
    parent_field: str | None = None
    # False: seen with the parent, but changed only through the model's own role clauses (see `extend`).
    with_change: bool = True
    # When given, only these roles reach the rows through the parent (e.g. no money for partner agencies).
    roles: frozenset | None = None

    def condition(self, parent_condition: Q) -> Q:
        parents = self.parent._default_manager.filter(parent_condition)
        if self.child_field:
            return Q(**{f"{self.child_field}__in": parents.values("pk")})
        return Q(pk__in=parents.values(self.parent_field))


@dataclass
class _ModelRule:
    see: dict[str, list[RoleRule]]
    change: dict[str, list[RoleRule]]
    follows: _Follows | None = None


_rules: dict[type[Model], _ModelRule] = {}


def _check_roles(model, *rule_maps):
    unknown = set().union(*rule_maps) - set(Role.values)
    if unknown:
        raise ImproperlyConfigured(f"Unknown roles in the access rule of {model.__name__}: {sorted(unknown)}")


def register(model: type[Model], *, see: Mapping[str, RoleRule], change: Mapping[str, RoleRule] | None = None):
    """Declare who sees and who changes rows of `model`. A role may change only rows it can also see."""
    if model in _rules:
        raise ImproperlyConfigured(f"Access to {model.__name__} is already registered.")
    change = dict(change or {})
    _check_roles(model, see, change)
    _conditions.clear()
    _rules[model] = _ModelRule(
        see={role: [rule] for role, rule in see.items()}, change={role: [rule] for role, rule in change.items()}
    )


def register_following(
    model: type[Model],
    parent: type[Model],
    *,
    child_field: str | None = None,
    parent_field: str | None = None,
    with_change: bool = True,
    roles=None,
):
    """Declare that `model` rows are seen and changed by whoever sees and changes their `parent` row.

    `extend` may add role clauses on top, OR-ed with the parent's.
    """
    if model in _rules:
        raise ImproperlyConfigured(f"Access to {model.__name__} is already registered.")
    if (child_field is None) == (parent_field is None):
        raise ImproperlyConfigured("Give exactly one of child_field and parent_field.")
    _conditions.clear()
    _rules[model] = _ModelRule(
        see={},
        change={},
        follows=_Follows(
            parent, child_field, parent_field, with_change, frozenset(roles) if roles is not None else None
        ),
    )


def extend(model: type[Model], *, see: Mapping[str, RoleRule] | None = None, change: Mapping[str, RoleRule] = None):
    """Widen a registered rule, e.g. from an app to the right (DESIGN §3), or a following rule with a role's own
    clause (trainers see the rosters of the sessions they deliver)."""
    rule = _rule(model)
    see, change = dict(see or {}), dict(change or {})
    _check_roles(model, see, change)
    _conditions.clear()
    for role, role_rule in see.items():
        rule.see.setdefault(role, []).append(role_rule)
    for role, role_rule in change.items():
        rule.change.setdefault(role, []).append(role_rule)


def registered_models() -> Iterable[type[Model]]:
    return tuple(_rules)


def _rule(model: type[Model]) -> _ModelRule:
    try:
        return _rules[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no access rule; register one with agencies.access.register()."
        ) from None


def _is_setup_superuser(actor) -> bool:
    # Superusers exist to set the platform up (first agencies and memberships); they are not a working role.
    return isinstance(actor, User) and actor.is_active and actor.is_superuser


def _cached(actor, key, compute):
    # Within one request (see agencies.middleware) answers are kept on the actor: an admin page asks the same
    # questions dozens of times. Outside a request nothing is cached, so services and tests see fresh rows.
    cache = getattr(actor, "_access_cache", None)
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def start_request_cache(actor) -> None:
    actor._access_cache = {}


def forget(actor) -> None:
    """Drop what was cached for `actor` in this request, e.g. after their own membership changed."""
    if getattr(actor, "_access_cache", None) is not None:
        actor._access_cache = {}


def grants_of(actor) -> tuple[Grant, ...]:
    """The capacities `actor` (a user or an API client) currently acts in; empty when they may do nothing."""
    return _cached(actor, "grants", lambda: _grants_of(actor))


def _grants_of(actor) -> tuple[Grant, ...]:
    if isinstance(actor, ApiClient):
        if not actor.is_active or not actor.agency.active or actor.role is None:
            return ()
        return (Grant(actor.role, actor.agency, actor.scope == ApiClient.Scope.READ_WRITE),)
    if not isinstance(actor, User) or not actor.is_active:
        return ()
    memberships = Membership.objects.filter(user=actor, active=True, agency__active=True).select_related(
        "agency__region"
    )
    return tuple(Grant(m.role, m.agency, may_write=True) for m in memberships)


# Building a rule's Q (subqueries for referrals and consents) and filtering by it cost more than running a page's
# query (measured: 2.0 ms per API request, 0.01 ms kept). Both are pure functions of the model, the grants' role,
# agency (id, kind, region) and writability, and today's date (consents run by date); nothing else, and no rule
# reads the database while building. So they are kept per process under exactly that key: a membership, role or
# agency change is a different key, never a stale answer. Rows are never cached: the querysets stay unevaluated
# and are handed out as .all() clones; Django treats Q objects and querysets in filters as immutable templates.
_conditions: dict[tuple, object] = {}
_CONDITIONS_KEPT = 4096


def _grant_key(grant: Grant) -> tuple:
    return grant.role, grant.agency.pk, grant.agency.kind, grant.agency.region_id, grant.may_write


def _memo_key(model: type[Model], which: str, grants: tuple[Grant, ...]) -> tuple:
    return model, which, tuple(_grant_key(grant) for grant in grants), timezone.localdate()


def _memo(key: tuple, compute):
    try:
        return _conditions[key]
    except KeyError:
        pass
    if len(_conditions) >= _CONDITIONS_KEPT:
        _conditions.clear()
    value = _conditions[key] = compute()
    return value


def _combined(actor, model: type[Model], which: str, grants: tuple[Grant, ...] | None = None) -> Q | None:
    grants = grants_of(actor) if grants is None else grants
    return _memo(_memo_key(model, which, grants), lambda: _build_condition(model, which, grants))


def _build_condition(model: type[Model], which: str, grants: tuple[Grant, ...]) -> Q | None:
    rule = _rule(model)
    conditions = []
    if rule.follows and (which == "see" or rule.follows.with_change):
        roles = rule.follows.roles
        parent_grants = grants if roles is None else tuple(g for g in grants if g.role in roles)
        parent_condition = _combined(None, rule.follows.parent, which, parent_grants)
        if parent_condition is not None:
            conditions.append(rule.follows.condition(parent_condition))
    for grant in grants:
        if which == "change" and not grant.may_write:
            continue
        conditions.extend(role_rule(grant) for role_rule in getattr(rule, which).get(grant.role, ()))
    return reduce(or_, conditions) if conditions else None


def visible_to(actor, model: type[M], *, shaped_by: Callable[[QuerySet], QuerySet] | None = None) -> QuerySet[M]:
    """Rows of `model` that `actor` may read; none when no grant of theirs reaches the model.

    `shaped_by`, a pure function of a queryset (e.g. the `.values()` columns a hot read needs), is applied to the
    scoped rows and kept with them, so that its cost is paid once per scope rather than on every request.
    """
    if _is_setup_superuser(actor):
        rows = model._default_manager.all()
        return shaped_by(rows) if shaped_by else rows
    grants = grants_of(actor)

    def scoped():
        # Kept unevaluated, handed out only as .all() clones: the filtered query is built once per key, not per call.
        condition = _combined(actor, model, "see", grants)
        rows = model._default_manager.none() if condition is None else model._default_manager.filter(condition)
        return shaped_by(rows) if shaped_by else rows

    return _memo(("rows", shaped_by, *_memo_key(model, "see", grants)), scoped).all()


def derived_from_scope(
    actor, model: type[M], derive: Callable[[QuerySet], T], *, shaped_by: Callable[[QuerySet], QuerySet] | None = None
) -> T:
    """`derive` (a pure function, e.g. compiling a hot read's SQL) of the rows `visible_to(actor, model, shaped_by)`,
    computed once per scope and kept under the same key as those rows: grants, roles, agencies and today's date."""
    grants = grants_of(actor)
    key = ("derived", derive, shaped_by, _is_setup_superuser(actor), *_memo_key(model, "see", grants))
    return _memo(key, lambda: derive(visible_to(actor, model, shaped_by=shaped_by)))


def changeable_by(actor, model: type[M]) -> QuerySet[M]:
    """Rows of `model` that `actor` may change: always a subset of what they may see."""
    rows = visible_to(actor, model)
    if _is_setup_superuser(actor):
        return rows
    condition = _combined(actor, model, "change")
    return rows.none() if condition is None else rows.filter(condition)


def may_see_any(actor, model: type[Model]) -> bool:
    """Whether some grant of `actor` reaches `model` at all (without querying its rows)."""
    return _is_setup_superuser(actor) or _combined(actor, model, "see") is not None


def may_change_any(actor, model: type[Model]) -> bool:
    """Whether some writable grant of `actor` may change rows of `model` (without querying its rows)."""
    return _is_setup_superuser(actor) or (
        _combined(actor, model, "see") is not None and _combined(actor, model, "change") is not None
    )


def can_see(actor, obj: Model) -> bool:
    """Whether `actor` may read the row `obj`."""
    key = ("see", type(obj), obj.pk)
    return _cached(actor, key, lambda: visible_to(actor, type(obj)).filter(pk=obj.pk).exists())


def can_change(actor, obj: Model) -> bool:
    """Whether `actor` may change the row `obj`."""
    key = ("change", type(obj), obj.pk)
    return _cached(actor, key, lambda: changeable_by(actor, type(obj)).filter(pk=obj.pk).exists())


def get_visible(actor, model: type[M], **lookup) -> M:
    """The row of `model` matching `lookup`, if `actor` may see it; Http404 otherwise, whether or not it exists."""
    try:
        return visible_to(actor, model).get(**lookup)
    except model.DoesNotExist:
        raise Http404(_("Not found.")) from None


def require_change(actor, obj: Model) -> None:
    """Raise Http404 when `actor` may not see `obj`, PermissionDenied when they may see but not change it."""
    model = type(obj)
    # Not cached: services ask this inside their transaction, under the row lock, and must see the truth.
    if not visible_to(actor, model).filter(pk=obj.pk).exists():
        raise Http404(_("Not found."))
    if not changeable_by(actor, model).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("You may view this record but not change it."))


def require_within_scope(actor, obj: Model) -> None:
    """After a create or an edit: PermissionDenied unless the saved row is one `actor` may change.

    Called inside the service's transaction, so a refusal rolls the write back; this is how "may create here"
    and "may not move this out of your scope" follow from the same rule as "may change".
    """
    if not changeable_by(actor, type(obj)).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("That would put the record outside the area you are responsible for."))


def may_use_admin(user) -> bool:
    """The admin is for people with at least one active membership of an active agency (and set-up superusers)."""
    return _is_setup_superuser(user) or bool(grants_of(user))


# Building blocks for the rules of every app.


def own_agency(field: str = "agency") -> RoleRule:
    """Rows whose `field` is the grant's own agency."""
    return lambda grant: Q(**{field: grant.agency})


def jurisdiction(field: str = "agency") -> RoleRule:
    """Rows whose `field` (an Agency) lies within the grant agency's jurisdiction.

    The ministry's is national; a social-service office's is every agency serving a region inside its own
    (a province office: its province; a regency/city office: its regency or city); any other agency's is itself.
    """
    prefix = f"{field}__" if field else ""

    def rule(grant: Grant) -> Q:
        kind = grant.agency.kind
        if kind == Agency.Kind.MINISTRY:
            return EVERYTHING
        if kind in (Agency.Kind.SOCIAL_SERVICE_PROVINCE, Agency.Kind.SOCIAL_SERVICE_DISTRICT):
            return within_q(f"{prefix}region__code", grant.agency.region_id)
        return Q(**{f"{prefix}pk": grant.agency.pk})

    return rule


def within_own_region(field: str = "region") -> RoleRule:
    """Rows whose `field` (a Region) lies inside the region the grant's agency serves; national for the ministry."""

    def rule(grant: Grant) -> Q:
        if grant.agency.kind == Agency.Kind.MINISTRY:
            return EVERYTHING
        return within_q(f"{field}__code", grant.agency.region_id)

    return rule


def grants_changing(actor, obj: Model) -> list[Grant]:
    """The actor's grants under which `obj` may be changed: lets a service ask *in which role* (maker or checker)."""
    model = type(obj)
    found = []
    for grant in grants_of(actor):
        condition = _combined(actor, model, "change", (grant,)) if grant.may_write else None
        if condition is not None and model._default_manager.filter(condition, pk=obj.pk).exists():
            found.append(grant)
    return found


def agency_acting_on(actor, obj: Model) -> Agency:
    """The agency in whose name `actor` changes `obj`: that of the first writable grant reaching it.

    Raises Http404/PermissionDenied like `require_change` when none does.
    """
    require_change(actor, obj)
    grants = grants_changing(actor, obj)
    if not grants:
        raise PermissionDenied(_("You may view this record but not change it."))  # a set-up superuser acts for none
    return grants[0].agency


def everything(grant: Grant) -> Q:
    return EVERYTHING


def every_role(rule: RoleRule) -> dict[str, RoleRule]:
    return dict.fromkeys(Role.values, rule)
