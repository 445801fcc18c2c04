"""Helpers every app's services share: validate-then-save, scoped "may add", and change sets for the audit trail."""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from . import access
from .models import User


def save_validated(obj: Model, update_fields: list[str] | None = None) -> None:
    """Validate `obj` and save it; a constraint lost to a concurrent writer comes back as the same ValidationError."""
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
    except IntegrityError:
        obj.validate_constraints()
        raise


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
