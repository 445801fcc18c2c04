"""The one access rule: which rows a user or an API client may see and change, and for whom they act (DESIGN §5).

Every selector, admin queryset and API view asks this module; nothing else filters by agency or region.
Each app declares, per model and per role, a function from a `Grant` to a `Q` over that model (agencies.rulebook);
an actor sees the union over their grants. A model nobody registered is an error, and a role
with no entry for a model sees none of it: deny by default. `manage.py explain_access MODEL` prints the result.

A rule is a pure function of its grant (role, agency id, kind and region, writability) and today's date: it builds
a Q, it never reads the database (tests/agencies/test_access_rule_building.py holds every rule to that). That is
what lets the fast path (agencies.fastpath.memo) keep built rules per process; this module knows only the seam.

Rows outside an actor's scope answer 404, never 403, so their existence is not revealed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import reduce
from operator import or_
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Agency, ApiClient, Figure, Membership, Role, User
from .rulebook import EVERYTHING, Grant, rule_of

M = TypeVar("M", bound=Model)
T = TypeVar("T")

# The refusals of the rule, for services to raise and tests to name.
NOT_FOUND = _("Not found.")
MAY_NOT_CHANGE = _("You may view this record but not change it.")
OUTSIDE_AREA = _("That would put the record outside the area you are responsible for.")


def _built_fresh(what: tuple, grants: tuple[Grant, ...], build: Callable):
    return build()


# The seam for the fast path: `remember(what, grants, build)` answers `build()`, or what it answered before for
# the same `what`, grants and day. agencies.fastpath.memo installs its memo here (ACCESS_MEMO switches it off).
remember = _built_fresh


def condition(model: type[Model], which: str, grants: tuple[Grant, ...]) -> Q | None:
    """The Q of the rows of `model` that `grants` may `which` ("see" or "change"); None when no grant reaches."""
    return remember((model, which), grants, lambda: build_condition(model, which, grants))


def build_condition(model: type[Model], which: str, grants: tuple[Grant, ...]) -> Q | None:
    """`condition` built from the declared rules: the union of each grant's clauses and of the parent's rows."""
    rule = rule_of(model)
    conditions = []
    if rule.follows and (which == "see" or rule.follows.with_change):
        roles = rule.follows.roles
        parent_grants = grants if roles is None else tuple(g for g in grants if g.role in roles)
        parent_condition = condition(rule.follows.parent, which, parent_grants)
        if parent_condition is not None:
            conditions.append(rule.follows.condition(parent_condition))
    for grant in grants:
        if which == "change" and not grant.may_write:
            continue
        conditions.extend(role_rule(grant) for role_rule in getattr(rule, which).get(grant.role, ()))
    if EVERYTHING in conditions:  # every row, or anything else: every row (and a plain condition to recognize)
        return EVERYTHING
    return reduce(or_, conditions) if conditions else None


def is_setup_superuser(actor) -> bool:
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


# The grants read by the service call in progress (see `grants_read_once`), per actor; None outside one.
_grants_in_call: ContextVar[dict | None] = ContextVar("grants_in_call", default=None)


def grants_read_once(service: Callable) -> Callable:
    """Decorate a service called with `actor=`: within one call (and the services it calls) the actor's grants are
    read once, as a request reads them once (agencies.middleware). A service asks about several rows, and each
    question would otherwise read the memberships again. Per thread and call: nothing outlives the call."""

    @functools.wraps(service)
    def call(*args, **kwargs):
        if _grants_in_call.get() is not None:
            return service(*args, **kwargs)
        token = _grants_in_call.set({})
        try:
            return service(*args, **kwargs)
        finally:
            _grants_in_call.reset(token)

    return call


def grants_of(actor) -> tuple[Grant, ...]:
    """The capacities `actor` (a user or an API client) currently acts in, in the order `acting_grant` tries them;
    empty when they may do nothing."""
    held = _grants_in_call.get()
    if held is None or getattr(actor, "_access_cache", None) is not None:
        return _cached(actor, "grants", lambda: _grants_of(actor))
    key = (type(actor), getattr(actor, "pk", None), id(actor))
    if key not in held:
        held[key] = _grants_of(actor)
    return held[key]


def _grants_of(actor) -> tuple[Grant, ...]:
    if isinstance(actor, ApiClient):
        if not actor.is_active or not actor.agency.active or actor.role is None:
            return ()
        return (Grant(actor.role, actor.agency, actor.scope == ApiClient.Scope.READ_WRITE),)
    if not isinstance(actor, User) or not actor.is_active:
        return ()
    return read_grants(actor)


def _memberships_read(user: User) -> tuple[Grant, ...]:
    memberships = Membership.objects.filter(user=user, active=True, agency__active=True).select_related(
        "agency__region"
    )
    return tuple(Grant(m.role, m.agency, may_write=True) for m in memberships)


def members_query(agency_id, roles: tuple[str, ...]) -> QuerySet[Membership]:
    """The active memberships of active users in agency `agency_id`, in one of `roles`, with agency, region and user,
    by user (what `members_acting_on` reads)."""
    return (
        Membership.objects.filter(
            agency_id=agency_id, role__in=list(roles), active=True, agency__active=True, user__is_active=True
        )
        .select_related("agency__region", "user")
        .order_by("user_id")
    )


def _members_read(agency_id: int, roles: tuple[str, ...]) -> list[Membership]:
    return list(members_query(agency_id, roles))


def _row_asked(actor, model: type[Model], pk) -> tuple[bool, bool] | None:
    return next(iter(decision(actor, model, pk)), None)


# Seams for the fast path (agencies.fastpath.checks, installed when ACCESS_MEMO is on), each answering exactly what
# its default does: how a user's grants are read, how (may see, may change) one row is asked, and how an agency's
# members in some roles are read (who is told of a referral, asked to approve).
read_grants: Callable[[User], tuple[Grant, ...]] = _memberships_read
row_asked: Callable[[object, type[Model], object], tuple[bool, bool] | None] = _row_asked
read_members: Callable[[int, tuple[str, ...]], list[Membership]] = _members_read


def visible_to(actor, model: type[M]) -> QuerySet[M]:
    """Rows of `model` that `actor` may read; none when no grant of theirs reaches the model."""
    if is_setup_superuser(actor):
        return model._default_manager.all()
    grants = grants_of(actor)

    def scoped():
        found = condition(model, "see", grants)
        return model._default_manager.none() if found is None else model._default_manager.filter(found)

    # Handed out as a clone: what is remembered is an unevaluated query, never rows.
    return remember((model, "rows"), grants, scoped).all()


def figures_visible_to(actor, roles: Iterable[str]) -> QuerySet[Figure]:
    """The stored figures `actor` may read acting in one of `roles` (an indicator's readers): the union of what
    each such grant sees, so a grant in another role never widens an indicator's reach."""
    if is_setup_superuser(actor):
        return Figure.objects.all()
    grants = tuple(grant for grant in grants_of(actor) if grant.role in roles)
    found = condition(Figure, "see", grants)
    return Figure.objects.none() if found is None else Figure.objects.filter(found)


# The capacities in which an office's own staff read its figures exact: they read its cases anyway.
EXACT_FIGURES_ROLES = frozenset({Role.DISTRICT_STAFF, Role.FINANCE_APPROVER, Role.AUDITOR})


def figures_exact(actor, roles: Iterable[str]) -> bool:
    """Whether the figures `actor` reads acting in `roles` are all their own office's, to be shown exact: staff of
    a regency/city Dinsos read their own district's figures unsuppressed (as the program report shows its figures
    to the office that runs it). Anyone whose reach goes beyond their own district (a province, the ministry, a
    second office) reads every figure suppressed; so does someone reading in no role at all."""
    grants = [grant for grant in grants_of(actor) if grant.role in roles]
    return bool(grants) and all(
        grant.role in EXACT_FIGURES_ROLES and grant.agency.kind == Agency.Kind.SOCIAL_SERVICE_DISTRICT
        for grant in grants
    )


def changeable_by(actor, model: type[M]) -> QuerySet[M]:
    """Rows of `model` that `actor` may change: always a subset of what they may see."""
    return _changeable(actor, visible_to(actor, model))


def _changeable(actor, seen: QuerySet[M]) -> QuerySet[M]:
    # `seen` narrowed to the rows `actor`'s change condition reaches.
    if is_setup_superuser(actor):
        return seen
    found = condition(seen.model, "change", grants_of(actor))
    return seen.none() if found is None else seen.filter(found)


def may_see_any(actor, model: type[Model]) -> bool:
    """Whether some grant of `actor` reaches `model` at all (without querying its rows)."""
    return is_setup_superuser(actor) or condition(model, "see", grants_of(actor)) is not None


def may_change_any(actor, model: type[Model]) -> bool:
    """Whether some writable grant of `actor` may change rows of `model` (without querying its rows)."""
    grants = grants_of(actor)
    return is_setup_superuser(actor) or (
        condition(model, "see", grants) is not None and condition(model, "change", grants) is not None
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
        raise Http404(NOT_FOUND) from None


def require_change(actor, obj: Model) -> None:
    """Raise Http404 when `actor` may not see `obj`, PermissionDenied when they may see but not change it."""
    # Not cached: services ask this inside their transaction, under the row lock, and must see the truth.
    # Both questions in one statement, about this one row (rules that follow a parent ask about the parent's key).
    answer = row_asked(actor, type(obj), obj.pk)
    if not answer or not answer[0]:
        raise Http404(NOT_FOUND)
    if not answer[1]:  # changeable_by is what may be seen and changed: seen is answered just above
        raise PermissionDenied(MAY_NOT_CHANGE)


def decision(actor, model: type[Model], pk) -> QuerySet:
    """(may see, may change) the row `pk` of `model`, as one row of one statement; no row when there is no such row."""
    row = model._default_manager.filter(pk=pk)
    seen, changed = visible_to(actor, model).filter(pk=pk), _changeable(actor, row)
    return row.annotate(_seen=Exists(seen), _changed=Exists(changed)).values_list("_seen", "_changed")


def require_see(actor, obj: Model) -> None:
    """Raise Http404 unless `actor` may see the row `obj` (read by the caller, e.g. under its lock); without a query
    when their rule lets them see every row of its model (a batch of the calendar everybody reads)."""
    if is_setup_superuser(actor) or condition(type(obj), "see", grants_of(actor)) == EVERYTHING:
        return
    answer = row_asked(actor, type(obj), obj.pk)
    if not answer or not answer[0]:
        raise Http404(NOT_FOUND)


def require_within_scope(actor, obj: Model, *, parent_changeable: Model | None = None) -> None:
    """After a create or an edit: PermissionDenied unless the saved row is one `actor` may change.

    Called inside the service's transaction, so a refusal rolls the write back; this is how "may create here"
    and "may not move this out of your scope" follow from the same rule as "may change".

    `parent_changeable`: the row's parent, which `require_change` let `actor` change in this transaction, under the
    service's lock on it. When the rule says the row is seen and changed with that parent, that is the answer,
    without asking the database again.
    """
    if parent_changeable is not None and _changed_with(obj, parent_changeable):
        return
    if not changeable_by(actor, type(obj)).filter(pk=obj.pk).exists():
        raise PermissionDenied(OUTSIDE_AREA)


def _changed_with(obj: Model, parent: Model) -> bool:
    # Whether the rule of `obj` makes whoever may see and change `parent` see and change `obj`, and `obj` is its child.
    follows = rule_of(type(obj)).follows
    if follows is None or not follows.with_change or follows.roles is not None or not follows.child_field:
        return False
    if follows.parent is not type(parent) or "__" in follows.child_field:
        return False
    return getattr(obj, type(obj)._meta.get_field(follows.child_field).attname) == parent.pk


# The one door through which a person's data reaches a data-protection officer (DESIGN §5, issue 18 item 7).


SUBJECT_IDENTITY_FIRST = _("Check the person's identity before her data is gathered.")


def subject_rows_for_request(actor, request: Model, read: Callable[[Model], T]) -> T:
    """What `read(request)` gathers of a person's rows for the subject-access request `request`, for `actor`.

    The data-protection officer sees no case content through the rule: no Case, Person, note or payment of theirs
    is in `visible_to`. This is the one exception, and it is narrow on purpose: `read` runs only for a request the
    actor may change (the officer of a jurisdiction that owns one of her cases: the request model's own rule), held
    as a data-protection officer, and only once her identity is checked. Http404 for a request out of scope,
    PermissionDenied for another role or an unchecked identity. Every caller is a bundle of that request
    (cases.subject_access.bundle_for); tests/cases/test_subject_access.py holds the door shut for every other path.
    """
    require_change(actor, request)
    if not any(g.role == Role.DATA_PROTECTION_OFFICER and g.may_write for g in grants_of(actor)):
        raise PermissionDenied(MAY_NOT_CHANGE)
    if getattr(request, "identity_checked_at", None) is None:
        raise PermissionDenied(SUBJECT_IDENTITY_FIRST)
    return read(request)


def may_use_admin(user) -> bool:
    """The admin is for people with at least one active membership of an active agency (and set-up superusers)."""
    return is_setup_superuser(user) or bool(grants_of(user))


# For whom an actor acts: the one answer services, the audit trail and reminders all use.


def may_act_on(grant: Grant, obj: Model) -> bool:
    """Whether `grant` alone may change the row `obj`."""
    found = condition(type(obj), "change", (grant,)) if grant.may_write else None
    return found is not None and type(obj)._default_manager.filter(found, pk=obj.pk).exists()


def acting_grant(actor, obj: Model | None = None, *, roles=None, agency_id: int | None = None) -> Grant | None:
    """The grant `actor` acts under: the first writable one (in `grants_of` order), held in one of `roles` and for
    `agency_id` when given, that may change `obj` (any such grant when `obj` is None); None when none does."""
    candidates = [
        g
        for g in grants_of(actor)
        if g.may_write and (roles is None or g.role in roles) and (agency_id is None or g.agency.pk == agency_id)
    ]
    if obj is None:
        return candidates[0] if candidates else None
    return next((grant for grant in candidates if may_act_on(grant, obj)), None)


def changing_grant(actor, obj: Model, *, roles=None, agency_id: int | None = None) -> Grant | None:
    """`require_change(actor, obj)`, then the grant `actor` changes `obj` under (as `acting_grant` chooses it); None
    when no grant in `roles` and of `agency_id` may."""
    require_change(actor, obj)
    writable = [g for g in grants_of(actor) if g.may_write]
    if len(writable) == 1:
        # One writable grant: the change condition just checked was that grant's own; only roles and agency remain.
        return writable[0] if acting_grant(actor, roles=roles, agency_id=agency_id) == writable[0] else None
    return acting_grant(actor, obj, roles=roles, agency_id=agency_id)


def acting_agency(actor, obj: Model, *, roles=None, agency_id: int | None = None) -> Agency:
    """The agency in whose name `actor` changes `obj` (see `acting_grant`). Raises Http404/PermissionDenied like
    `require_change` when no grant may (a set-up superuser acts for none)."""
    grant = changing_grant(actor, obj, roles=roles, agency_id=agency_id)
    if grant is None:
        raise PermissionDenied(MAY_NOT_CHANGE)
    return grant.agency


def members_acting_on(obj: Model, *, agency_id: int, roles: Iterable[str]) -> list[User]:
    """The active members of agency `agency_id`, in one of `roles`, who may change `obj`: who should be asked to."""
    acting = {}  # one question per role, not per person
    members = read_members(agency_id, tuple(roles))
    for m in members:
        if m.role not in acting:
            acting[m.role] = may_act_on(Grant(m.role, m.agency, may_write=True), obj)
    return list({m.user_id: m.user for m in members if acting[m.role]}.values())
