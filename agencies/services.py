"""Every change to agencies, memberships and API clients: one function, one transaction, one audit event."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, audit, locks, sessions
from .fastpath import statements, token_cache
from .models import Agency, ApiClient, Membership, Region, User
from .writes import apply_changes, require_may_add, save_validated

# Agencies

AGENCY_EDITABLE = ("name", "kind", "region", "parent", "active", "contact_email")


@transaction.atomic
def agency_create(
    *,
    actor,
    name: str,
    kind: str,
    region: Region | None,
    parent: Agency | None = None,
    contact_email: str = "",
    active: bool = True,
) -> Agency:
    """Add an agency inside the actor's jurisdiction. Raises ValidationError or PermissionDenied."""
    require_may_add(actor, Agency)
    agency = Agency(name=name, kind=kind, region=region, parent=parent, contact_email=contact_email, active=active)
    save_validated(agency)
    access.require_within_scope(actor, agency)
    audit.record(
        actor,
        "agencies.agency.created",
        agency,
        {"kind": kind, "region": agency.region_id, "parent": agency.parent_id, "active": active},
        agency=agency,
    )
    return agency


@transaction.atomic
def agency_update(*, actor, agency: Agency, **changes) -> Agency:
    """Change an agency's details (deactivate with active=False); it must stay in the actor's jurisdiction."""
    agency = locks.agency(agency.pk)
    access.require_change(actor, agency)
    diff = apply_changes(agency, changes, AGENCY_EDITABLE)
    if not diff:
        return agency
    save_validated(agency, update_fields=[*diff, "updated_at"])
    access.require_within_scope(actor, agency)
    access.forget(actor)
    transaction.on_commit(token_cache.forget)  # this process need not wait for the NOTIFY (token_cache)
    audit.record(actor, "agencies.agency.updated", agency, {"changed": diff}, agency=agency)
    if "active" in diff and not agency.active:
        # Its people whose last way in this was are signed out everywhere, in this transaction.
        members = Membership.objects.filter(agency=agency, active=True).values_list("user", flat=True)
        sessions.end_sessions_of_users_without_access(actor=actor, user_ids=members)
    return agency


# Accounts


@transaction.atomic
def user_language_change(*, actor, user: User, language: str) -> User:
    """Set the language the admin speaks to `user`; each person sets only their own. Raises ValidationError or
    PermissionDenied."""
    if not isinstance(actor, User) or actor.pk != user.pk:
        raise PermissionDenied(_("Only the account holder chooses the account's language."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose Indonesian or English.")})
    user = locks.user(user.pk)
    old = user.language
    if old == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    audit.record(actor, "agencies.user.language_changed", user, {"from": old, "to": language})
    return user


@transaction.atomic
def user_active_set(*, actor, user: User, active: bool) -> User:
    """Activate or deactivate an account (set-up superusers only); deactivating ends every session of it in the same
    transaction. Raises PermissionDenied."""
    if not access.is_setup_superuser(actor):
        raise PermissionDenied(_("Only a set-up administrator activates or deactivates accounts."))
    user = locks.user(user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actor, "agencies.user.activated" if active else "agencies.user.deactivated", user)
    if not active:
        sessions.user_sessions_end(actor=actor, user=user)
    return user


# Memberships


def _user_by_email(email: str, first_name: str, last_name: str) -> User:
    """The account with this email, or a new one without a password (they set it through a reset link)."""
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("Enter the person's email address.")})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        if User.objects.filter(username__iexact=email).exists():
            raise ValidationError({"email": _("This email address is already used as a sign-in name.")})
        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    return user


@transaction.atomic
def membership_create(
    *,
    actor,
    agency: Agency | None,
    role: str,
    user: User | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Give a person a role in an agency; a new email gets a new account. Raises ValidationError/PermissionDenied."""
    require_may_add(actor, Membership)
    if user is None:
        user = _user_by_email(email, first_name, last_name)
    membership = Membership(user=user, agency=agency, role=role, active=True)
    save_validated(membership)
    access.require_within_scope(actor, membership)
    access.forget(actor)
    audit.record(
        actor,
        "agencies.membership.created",
        membership,
        {"user": user.pk, "role": role},
        agency=membership.agency,
    )
    return membership


@transaction.atomic
def membership_update(*, actor, membership: Membership, **changes) -> Membership:
    """Change a membership's role or end it (active=False); history is kept, nothing is deleted."""
    membership = locks.membership(membership.pk)
    access.require_change(actor, membership)
    diff = apply_changes(membership, changes, ("role", "active"))
    if not diff:
        return membership
    save_validated(membership, update_fields=[*diff, "updated_at"])
    access.require_within_scope(actor, membership)
    access.forget(actor)
    audit.record(actor, "agencies.membership.updated", membership, {"changed": diff}, agency=membership.agency)
    if "active" in diff and not membership.active:
        # Their last membership ended: every session of theirs ends with it, in this transaction.
        sessions.end_sessions_of_users_without_access(actor=actor, user_ids=[membership.user_id])
    return membership


# API clients


@transaction.atomic
def api_client_create(*, actor, agency: Agency | None, name: str, scope: str) -> tuple[ApiClient, str]:
    """Issue an API client and its token. The token is returned once here and never stored in the clear."""
    require_may_add(actor, ApiClient)
    key_id, token = ApiClient.new_token()
    client = ApiClient(
        agency=agency,
        name=name,
        scope=scope,
        key_id=key_id,
        token_hash=ApiClient.hash_token(token),
        created_by=actor if isinstance(actor, User) else None,
    )
    save_validated(client)
    access.require_within_scope(actor, client)
    audit.record(actor, "agencies.api_client.created", client, {"scope": scope, "key_id": key_id}, agency=client.agency)
    return client, token


def _lock_active_client(actor, client: ApiClient) -> ApiClient:
    client = locks.api_client(client.pk)
    access.require_change(actor, client)
    if not client.is_active:
        raise ValidationError({"revoked_at": _("This API client has been revoked.")})
    return client


@transaction.atomic
def api_client_rotate(*, actor, client: ApiClient) -> tuple[ApiClient, str]:
    """Replace the client's token; the old one stops working at once. Returns the new token, shown once."""
    client = _lock_active_client(actor, client)
    old_key_id = client.key_id
    client.key_id, token = ApiClient.new_token()
    client.token_hash = ApiClient.hash_token(token)
    client.rotated_at = timezone.now()
    client.save(update_fields=["key_id", "token_hash", "rotated_at", "updated_at"])
    transaction.on_commit(token_cache.forget)  # this process need not wait for the NOTIFY (token_cache)
    audit.record(
        actor,
        "agencies.api_client.rotated",
        client,
        {"old_key_id": old_key_id, "key_id": client.key_id},
        agency=client.agency,
    )
    return client, token


@transaction.atomic
def api_client_update(*, actor, client: ApiClient, **changes) -> ApiClient:
    """Rename a client or change its scope."""
    client = _lock_active_client(actor, client)
    diff = apply_changes(client, changes, ("name", "scope"))
    if not diff:
        return client
    save_validated(client, update_fields=[*diff, "updated_at"])
    transaction.on_commit(token_cache.forget)  # this process need not wait for the NOTIFY (token_cache)
    audit.record(actor, "agencies.api_client.updated", client, {"changed": diff}, agency=client.agency)
    return client


@transaction.atomic
def api_client_revoke(*, actor, client: ApiClient) -> ApiClient:
    """Revoke a client for good; its token stops working at once. Revoking twice changes nothing."""
    client = locks.api_client(client.pk)
    access.require_change(actor, client)
    if not client.is_active:
        return client
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at", "updated_at"])
    transaction.on_commit(token_cache.forget)  # this process need not wait for the NOTIFY (token_cache)
    audit.record(actor, "agencies.api_client.revoked", client, {"key_id": client.key_id}, agency=client.agency)
    return client


def api_client_authenticate(*, token: str) -> ApiClient | None:
    """The active client of an active agency holding `token`, or None. Notes when it was last used."""
    if not token or not token.startswith(f"{ApiClient.TOKEN_PREFIX}_"):
        return None
    # Checked against the database, or against what this process read there since its connection last heard of a
    # change to a client or an agency (agencies.fastpath.token_cache): revocation and rotation take effect at once.
    # Only the SQL of the lookup is kept, compiled once (agencies.fastpath.statements): building it cost the most.
    token_hash = ApiClient.hash_token(token)
    statement = _client_by_token()
    row = None
    if statement is None:
        client = (
            ApiClient.objects.select_related("agency__region")
            .filter(token_hash=token_hash, revoked_at__isnull=True, agency__active=True)
            .order_by()
            .first()
        )
    else:
        row = token_cache.get(statement.alias, token_hash)
        if row is None:
            rows = statement.rows(token_hash=token_hash)
            row = rows[0] if rows else None
            if row is not None:
                token_cache.keep(statement.alias, token_hash, row)
        client = _client_from(statement.alias, row) if row is not None else None
    if client is None:
        return None
    now = timezone.now()
    resolution = timedelta(seconds=settings.API_CLIENT_LAST_USED_RESOLUTION_SECONDS)
    if client.last_used_at is None or now - client.last_used_at >= resolution:
        # A plain timestamp, not a state change: no lock, no audit row, and at most one write per resolution.
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
        if row is not None:
            row["last_used_at"] = now  # the kept row too, or each request would note it again
    return client


# The client, its agency and the agency's region, as select_related("agency__region") would load them.
_TOKEN_ROW = ((ApiClient, ""), (Agency, "agency__"), (Region, "agency__region__"))
_TOKEN_SLOT = statements.Slot("token_hash", "<token hash>")  # never a real hash: those are 64 hex digits
_token_statement: list = []


def _client_by_token():
    if not _token_statement:
        names = [f"{prefix}{field.attname}" for model, prefix in _TOKEN_ROW for field in model._meta.concrete_fields]
        rows = (
            ApiClient.objects.filter(
                token_hash=_TOKEN_SLOT.marker,
                revoked_at__isnull=True,
                agency__active=True,
            )
            .order_by()  # the hash is unique: no sort
            .values(*names)
        )
        _token_statement.append(statements.compile_values(rows, _TOKEN_SLOT))
    return _token_statement[0]


def _client_from(alias: str, row: dict) -> ApiClient:
    made = []
    for model, prefix in _TOKEN_ROW:
        names = [field.attname for field in model._meta.concrete_fields]
        made.append(model.from_db(alias, names, [row[f"{prefix}{name}"] for name in names]))
    client, agency, region = made
    agency._state.fields_cache["region"] = region if region.pk is not None else None
    client._state.fields_cache["agency"] = agency
    return client
