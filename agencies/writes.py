"""Helpers every app's services share: validate-then-save, scoped "may add", and change sets for the audit trail."""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from . import access
from .fastpath import saves
from .models import User


def save_validated(obj: Model, update_fields: list[str] | None = None) -> None:
    """Validate `obj` and save it; a constraint refused by the database (lost to a concurrent writer, or never
    checked before: see below) comes back as the ValidationError Model.validate_constraints gives.

    What is validated before saving is what the database cannot refuse: the fields written (on an update, those in
    `update_fields`) and `clean()`. A foreign key set to a row the service read is not asked about again, and
    constraints and uniqueness are the database's to refuse: each asked beforehand is one or three statements more
    in every write, for an answer the INSERT or UPDATE gives anyway (issue 15).
    """
    _validate(obj, update_fields)
    try:
        saves.save_guarded(obj, update_fields)  # under a savepoint of its own, so the transaction goes on after
    except IntegrityError:
        obj.validate_unique()
        obj.validate_constraints()
        raise


def _validate(obj: Model, update_fields: list[str] | None) -> None:
    # Model.full_clean's field validation and clean(), without a query for a foreign key to a row already read.
    skipped = set()
    for field in obj._meta.concrete_fields:
        if update_fields is not None and field.name not in update_fields and field.attname not in update_fields:
            skipped.add(field.name)
        elif field.is_relation and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is not None and not related._state.adding:
                skipped.add(field.name)
    errors = {}
    try:
        obj.clean_fields(exclude=skipped)
    except ValidationError as refused:
        errors = refused.update_error_dict(errors)
    try:
        obj.clean()
    except ValidationError as refused:
        errors = refused.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


MAY_NOT_ADD = _("You may not add records of this kind.")


def require_may_add(actor, model: type[Model]) -> None:
    if not access.may_change_any(actor, model):
        raise PermissionDenied(MAY_NOT_ADD)


def apply_changes(obj: Model, changes: dict, editable: tuple[str, ...]) -> dict:
    """Set `changes` on `obj`; return {field: [old, new]} for the fields whose value really changed."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise TypeError(f"Not editable here: {sorted(unknown)}")
    diff = {}
    for field, new in changes.items():
        old = getattr(obj, field)
        if old != new:
            diff[field] = [_loggable(old), _loggable(new)]
            setattr(obj, field, new)
    return diff


def _loggable(value):
    return value.pk if isinstance(value, Model) else value


def acting_user(actor):
    """The user behind `actor`, for "recorded by" columns; None for an API client (its agency is audited)."""
    return actor if isinstance(actor, User) else None


def agency_acting_as(actor, roles, refusal: str):
    """The agency of the actor's first writable grant in one of `roles` (agencies.access.acting_grant): who
    registers, organizes or budgets. Raises PermissionDenied(`refusal`) when the actor holds none of those roles."""
    grant = access.acting_grant(actor, roles=roles)
    if grant is None:
        raise PermissionDenied(refusal)
    return grant.agency


class VersionMismatch(Exception):
    """The row changed since the client read it (its If-Match names another version): the API answers 412."""


def version_of(obj: Model) -> str:
    """The version of a row as the API's ETag gives it: its id and `updated_at` to the microsecond, quoted."""
    return version_for(obj.pk, obj.updated_at)


def version_for(pk, updated_at) -> str:
    """`version_of` for a row read as plain values (no instance)."""
    return f'"{pk}-{int(updated_at.timestamp() * 1_000_000)}"'


def require_version(obj: Model, if_match: Sequence[str] | None) -> None:
    """Raise VersionMismatch unless `obj` (locked by the caller) is a version the client named; None: no check.

    Called by services after `select_for_update`, so two writers sending the same ETag cannot both pass: the second
    reads the row the first committed. `if_match` is the list of entity tags of the request's If-Match header
    ("*" matches any version).
    """
    if if_match is None:
        return
    if "*" not in if_match and version_of(obj) not in if_match:
        raise VersionMismatch
