"""The rulebook: how each app declares who sees and changes its models (`register`, `register_following`,
`extend`, in each app's access_rules.py) and the building blocks those declarations are made of.

agencies.access evaluates what is declared here; `manage.py explain_access MODEL` prints it per role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, Model, OuterRef, Q

from .models import Agency, Role
from .regions import within_q

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
    # Whether `child_field` may be empty (a row without a parent); set by register_following from the model.
    child_may_be_empty: bool = True

    def condition(self, parent_condition: Q) -> Q:
        """The rows whose parent meets `parent_condition`: a correlated EXISTS on the parent's key.

        Not `child__in=(the parents in scope)`: under an OR (a following rule with clauses of its own) PostgreSQL
        cannot make that a semi-join and hashes the actor's whole scope to decide one row (issue 15: 230 ms to
        enroll one case among a million). EXISTS costs one index probe per row asked about, and in a plain AND
        the planner still turns it into a semi-join for a list.
        """
        manager = self.parent._default_manager
        if parent_condition == EVERYTHING and self.child_field and not self.child_may_be_empty:
            return EVERYTHING  # every row has a parent, and every parent is in scope
        if self.child_field:
            return Q(Exists(manager.filter(parent_condition, pk=OuterRef(self.child_field))))
        return Q(Exists(manager.filter(parent_condition, **{self.parent_field: OuterRef("pk")})))


@dataclass
class _ModelRule:
    see: dict[str, list[RoleRule]]
    change: dict[str, list[RoleRule]]
    follows: _Follows | None = None


_rules: dict[type[Model], _ModelRule] = {}
# Bumped by every registration: whatever was built from the rules before is another generation's.
generation = 0


def _registered(model, rule: _ModelRule, *rule_maps) -> None:
    global generation
    unknown = set().union(*rule_maps) - set(Role.values)
    if unknown:
        raise ImproperlyConfigured(f"Unknown roles in the access rule of {model.__name__}: {sorted(unknown)}")
    _rules[model] = rule
    generation += 1


def register(model: type[Model], *, see: Mapping[str, RoleRule], change: Mapping[str, RoleRule] | None = None):
    """Declare who sees and who changes rows of `model`. A role may change only rows it can also see."""
    if model in _rules:
        raise ImproperlyConfigured(f"Access to {model.__name__} is already registered.")
    see, change = {role: [rule] for role, rule in see.items()}, {role: [rule] for role, rule in (change or {}).items()}
    _registered(model, _ModelRule(see, change), see, change)


def register_following(model: type[Model], parent: type[Model], *, child_field=None, parent_field=None, **options):
    """Declare that `model` rows are seen and changed by whoever sees and changes their `parent` row (give exactly
    one of `child_field` and `parent_field`; `with_change`, `roles`: see `_Follows`). `extend` may add clauses."""
    if model in _rules:
        raise ImproperlyConfigured(f"Access to {model.__name__} is already registered.")
    if (child_field is None) == (parent_field is None):
        raise ImproperlyConfigured("Give exactly one of child_field and parent_field.")
    if options.get("roles") is not None:
        options["roles"] = frozenset(options["roles"])
    if child_field is not None and "__" not in child_field:
        options["child_may_be_empty"] = model._meta.get_field(child_field).null
    _registered(model, _ModelRule({}, {}, _Follows(parent, child_field, parent_field, **options)))


def extend(model: type[Model], *, see: Mapping[str, RoleRule] | None = None, change: Mapping[str, RoleRule] = None):
    """Widen a registered rule, e.g. from an app to the right (DESIGN §3), or a following rule with a role's own
    clause (trainers see the rosters of the sessions they deliver)."""
    rule = rule_of(model)
    see, change = dict(see or {}), dict(change or {})
    for clauses, added in ((rule.see, see), (rule.change, change)):
        for role, role_rule in added.items():
            clauses.setdefault(role, []).append(role_rule)
    _registered(model, rule, see, change)


def registered_models() -> Iterable[type[Model]]:
    return tuple(_rules)


def rule_of(model: type[Model]) -> _ModelRule:
    try:
        return _rules[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no access rule; register one with agencies.rulebook.register()."
        ) from None


# Building blocks for the rules of every app.


def _described(rule: RoleRule, description: str) -> RoleRule:
    rule.description = description  # what `manage.py explain_access` prints for the clause
    return rule


def describe(rule: RoleRule) -> str:
    """A clause in words: the building block and its field, or the rule function's name and module."""
    found = getattr(rule, "description", None)
    return found or f"{rule.__name__} ({rule.__module__})"


def own_agency(field: str = "agency") -> RoleRule:
    """Rows whose `field` is the grant's own agency."""
    return _described(lambda grant: Q(**{field: grant.agency}), f"{field} is the own agency")


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

    return _described(rule, f"{field or 'the agency'} within the own jurisdiction")


def within_own_region(field: str = "region") -> RoleRule:
    """Rows whose `field` (a Region) lies inside the region the grant's agency serves; national for the ministry."""

    def rule(grant: Grant) -> Q:
        if grant.agency.kind == Agency.Kind.MINISTRY:
            return EVERYTHING
        return within_q(f"{field}__code", grant.agency.region_id)

    return _described(rule, f"{field} within the own region")


def everything(grant: Grant) -> Q:
    """Every row."""
    return EVERYTHING


everything.description = "every row"


def every_role(rule: RoleRule) -> dict[str, RoleRule]:
    return dict.fromkeys(Role.values, rule)
