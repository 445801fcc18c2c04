"""Staff two-factor and lockout (issue 18 §1–2): every person signs in with a password and then a code from an
authenticator app (TOTP, django-otp), or one of ten one-time recovery codes; the admin admits only a session that
passed both (config.admin_site.RehabAdminSite.has_permission). The pages are ours (agencies.two_factor_views).

Failed passwords and failed codes count together per (username, address) in django-axes; each failure and each
lockout is in our trail, never with the password or the code typed. A set-up superuser may reset a person's
second factor (they enrol again at their next sign-in); nothing else removes it.
"""

from __future__ import annotations

import datetime
import re
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access, audit, step_up
from .models import Membership, User

RECOVERY_CODES = 10
# Our signal's mark on a failed code (the password step's signal comes from django.contrib.auth.authenticate).
SECOND_FACTOR = "second_factor"


def verified(user) -> bool:
    """Whether this request's session passed the second factor (django-otp's middleware answers; no middleware, no)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def authenticator_of(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user: User) -> TOTPDevice:
    """The authenticator being set up: the same key on every visit of the enrolment page until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def key_text(device: TOTPDevice) -> str:
    """The key as the apps ask for it when typed by hand: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The key as a QR code, drawn here as inline SVG (nothing from another server sees the key)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def _normalized(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def code_matches(user: User, code: str, *, device: TOTPDevice | None = None) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `code` (six digits: the authenticator, `device` when given; else a recovery code,
    which is used up), or None. Under the device's row lock, so one code is never accepted twice."""
    code = _normalized(code)
    if not code:
        return None
    with transaction.atomic():
        candidates = []
        if code.isdigit():
            apps = TOTPDevice.objects.filter(pk=device.pk) if device else TOTPDevice.objects.filter(confirmed=True)
            candidates += list(apps.filter(user=user).select_for_update())
        if device is None:  # a recovery code (letters and digits; rarely digits only)
            candidates += list(StaticDevice.objects.filter(user=user, confirmed=True).select_for_update())
        for found in candidates:
            if found.verify_token(code):
                return found
    return None


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _home_agency_id(user: User) -> int | None:
    """The office a person's sign-in events are filed under, so the auditors of its jurisdiction see them."""
    return Membership.objects.filter(user=user, active=True).order_by("pk").values_list("agency_id", flat=True).first()


# Services


@transaction.atomic
def two_factor_enrol(*, actor: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm `actor`'s new authenticator with a `code` it shows; returns ten new recovery codes. ValidationError
    when the code is wrong."""
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied(_("This authenticator is not yours to set up."))
    if not _normalized(code).isdigit() or code_matches(actor, code, device=device) is None:
        raise ValidationError({"code": _("That code is wrong or has expired. Enter the code your app shows now.")})
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    audit.record(actor, "agencies.user.two_factor_enrolled", actor, {}, agency_id=_home_agency_id(actor))
    return codes


@transaction.atomic
def recovery_codes_replace(*, actor: User) -> list[str]:
    """Ten new recovery codes for `actor` (the old ones stop working). Asks for the second factor again
    (StepUpRequired) when it was not given lately."""
    step_up.require(actor)
    if authenticator_of(actor) is None:
        raise PermissionDenied(_("Set up an authenticator app first."))
    codes = _new_recovery_codes(actor)
    audit.record(actor, "agencies.user.recovery_codes_replaced", actor, {}, agency_id=_home_agency_id(actor))
    return codes


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> User:
    """Remove every second-factor device of `user` (a lost phone): they enrol again at their next sign-in, and any
    session of theirs stops being verified at once. Only a set-up superuser, never on their own account."""
    if not access.is_setup_superuser(actor):
        raise PermissionDenied(_("Only a set-up administrator resets a person's second factor."))
    if actor.pk == user.pk:
        raise PermissionDenied(_("Another set-up administrator must reset your own second factor."))
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    audit.record(actor, "agencies.user.two_factor_reset", user, {"devices": removed}, agency_id=_home_agency_id(user))
    return user


def locked_usernames():
    """The usernames locked out now from some address (a subquery): LOCKOUT_FAILURE_LIMIT failures or more for one
    (username, address) within the cool-off, as django-axes counts them."""
    from axes.models import AccessAttempt
    from django.db.models import Sum

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return (
        AccessAttempt.objects.filter(attempt_time__gte=since, username__isnull=False)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values("username")
    )


@transaction.atomic
def lockout_lift(*, actor: User, membership: Membership) -> Membership:
    """End the lockout of `membership`'s person at every address (their office's or province's staff, after
    checking with them it was them). Their second factor still stands: this admits no one by itself."""
    access.require_change(actor, membership)
    from axes.models import AccessAttempt

    removed = AccessAttempt.objects.filter(username=membership.user.get_username()).delete()[0]
    if removed:
        audit.record(actor, "agencies.user.lockout_lifted", membership.user, {}, agency=membership.agency)
    return membership


def sign_in_completed(request, device) -> None:
    """The second factor was given at sign-in: the session is verified and fresh for step-up, and the failures
    counted for this username from this address start again."""
    from django_otp import login as otp_login

    otp_login(request, device)
    step_up.mark(request)
    AxesProxyHandler.reset_attempts(
        ip_address=get_client_ip_address(request), username=request.user.get_username(), ip_or_username=False
    )


def code_failed(request, user: User) -> bool:
    """Count a wrong code like a wrong password (django-axes, per username and address). True when this failure
    locked the pair out."""
    credentials = {"username": user.get_username(), SECOND_FACTOR: True}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def locked_out(request, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def lockout_until(request) -> datetime.datetime:
    cool_off = get_cool_off(request) or datetime.timedelta(0)
    return timezone.localtime(getattr(request, "axes_attempt_time", None) or timezone.now()) + cool_off


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): in the person's language, saying when to try again. A
    session half signed in (password given, code not) or stepping up is signed out."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        logout(request)
    until = lockout_until(request)
    context = {
        "title": _("Too many failed attempts"),
        "until": formats.time_format(until, "TIME_FORMAT"),
        "until_date": formats.date_format(until, "DATE_FORMAT"),
        "minutes": max(1, round((get_cool_off(request) or datetime.timedelta(0)).total_seconds() / 60)),
        "site_header": _("Social rehabilitation case management"),
        "site_title": _("Social rehabilitation"),
    }
    return TemplateResponse(request, "admin/two_factor/lockout.html", context, status=429).render()


# The trail: each failure and lockout, about the account tried (never the password or code typed, nor a username
# typed that is no account's: it may be a password typed in the wrong box).


@receiver(user_login_failed, dispatch_uid="two_factor_failure_recorded")
def _failure_recorded(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    user = User.objects.filter(username=username).first() if username else None
    data = {
        "code_step": bool((credentials or {}).get(SECOND_FACTOR)),
        "address": get_client_ip_address(request) if request is not None else "",
    }
    if user is None:
        audit.record(None, "agencies.user.sign_in_failed", User, {**data, "no_such_account": True})
    else:
        audit.record(None, "agencies.user.sign_in_failed", user, data, agency_id=_home_agency_id(user))


@receiver(user_locked_out, dispatch_uid="two_factor_lockout_recorded")
def _lockout_recorded(sender, request=None, username=None, ip_address=None, **kwargs):
    user = User.objects.filter(username=username).first() if username else None
    data = {"address": ip_address or "", "minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)}
    if user is None:
        audit.record(None, "agencies.user.locked_out", User, {**data, "no_such_account": True})
    else:
        audit.record(None, "agencies.user.locked_out", user, data, agency_id=_home_agency_id(user))
