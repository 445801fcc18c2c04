"""Signed-in sessions (issue 18): idle and absolute time limits, each person's list of their own sessions, and the
ending of every session of an account whose access ends.

Sessions are django-qsessions rows (Django's database sessions with the user, IP and browser beside them), so a
user's sessions are one query and can be ended by deleting their rows. API clients authenticate by token and have no
session: nothing here touches them.
"""

import dataclasses
import datetime
import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from qsessions.middleware import SessionMiddleware as QSessionMiddleware
from qsessions.models import Session

from . import audit
from .models import Membership, User

# Kept in the session: when the person signed in and when they were last seen (seconds since the epoch).
STARTED = "_rehab_started"
SEEN = "_rehab_seen"
# "Last seen" is written at most this often, so a page view is not also a session write.
SEEN_RESOLUTION_SECONDS = 60
SALT = "agencies.sessions:reference"


def idle_seconds() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def absolute_seconds() -> int:
    return settings.SESSION_ABSOLUTE_HOURS * 3600


class SessionMiddleware(QSessionMiddleware):
    """qsessions' middleware, with the client's address taken from the proxy's X-Forwarded-For when
    SESSION_IP_FROM_FORWARDED_FOR says a proxy in front of us appends it (else every session shows the proxy's)."""

    def process_request(self, request):
        super().process_request(request)
        request.session.ip = client_ip(request)


def client_ip(request) -> str | None:
    if settings.SESSION_IP_FROM_FORWARDED_FOR:
        # The last entry is the one our own proxy appended; earlier ones are whatever the client claimed.
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or None


class SessionTimeoutMiddleware:
    """Ends a signed-in session idle for SESSION_IDLE_MINUTES or older than SESSION_ABSOLUTE_HOURS before any view
    runs, so a form sent after the limit changes nothing; the person lands on the sign-in page told why.

    Runs after AuthenticationMiddleware and MessageMiddleware. On the API a stale session is simply dropped: the
    request goes on unauthenticated (a token still works), never redirected to a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if auth.SESSION_KEY in session:
            now = time.time()
            started, seen = session.get(STARTED), session.get(SEEN)
            if started is None:
                self._start(session, now)
            elif now - started >= absolute_seconds():
                return self._expired(request, "absolute")
            elif seen is not None and now - seen >= idle_seconds():
                return self._expired(request, "idle")
            elif seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
                session[SEEN] = now  # modifies the session: its row's updated_at ("last active") moves too
        return self.get_response(request)

    @staticmethod
    def _start(session, now: float) -> None:
        session[STARTED] = session[SEEN] = now
        # The row outlives the absolute limit by the idle one, so a person coming back late is still told why.
        session.set_expiry(timezone.now() + datetime.timedelta(seconds=absolute_seconds() + idle_seconds()))

    def _expired(self, request, why: str):
        # Said in the account's language (AccountLanguageMiddleware ran before) before the account is gone.
        if why == "idle":
            minutes = settings.SESSION_IDLE_MINUTES
            text = ngettext(
                "You were signed out after %(count)d minute without activity.",
                "You were signed out after %(count)d minutes without activity.",
                minutes,
            ) % {"count": minutes}
        else:
            hours = settings.SESSION_ABSOLUTE_HOURS
            text = ngettext(
                "You were signed out because you had been signed in for %(count)d hour.",
                "You were signed out because you had been signed in for %(count)d hours.",
                hours,
            ) % {"count": hours}
        auth.logout(request)  # flushes the session: a new, empty one from here on
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        note = _("Sign in again. Nothing you sent after that was saved.")
        messages.warning(request, f"{text} {note}")
        back = request.get_full_path() if request.method == "GET" else request.path
        response = redirect_to_login(back, reverse("admin:login"))
        # The sign-in page speaks the language of the account that was just signed out, as its pages did.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            translation.get_language(),
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response


def session_started(sender, request, user, **kwargs) -> None:
    """Django's `user_logged_in`: the session's clock starts now, saved with the sign-in itself (no later write)."""
    session = getattr(request, "session", None)
    if session is not None:
        SessionTimeoutMiddleware._start(session, time.time())


# Each person's own sessions


@dataclasses.dataclass(frozen=True)
class SessionRow:
    reference: str  # names the session in a form without giving its key (which is the cookie itself)
    device: str
    ip: str
    started: datetime.datetime | None
    last_active: datetime.datetime
    current: bool


def reference_of(session_key: str) -> str:
    return salted_hmac(SALT, session_key).hexdigest()[:32]


def _live(sessions):
    """Sessions whose row has not expired and that were active within the idle limit."""
    now = timezone.now()
    return sessions.filter(
        expire_date__gt=now, updated_at__gt=now - datetime.timedelta(seconds=idle_seconds() + SEEN_RESOLUTION_SECONDS)
    )


def sessions_of(user: User, *, current_key: str | None = None) -> list[SessionRow]:
    """The user's own live sessions, the one in use first, then the most recently active."""
    rows = [
        SessionRow(
            reference=reference_of(s.session_key),
            device=device_label(s.user_agent or ""),
            ip=s.ip or "—",
            started=s.created_at,
            last_active=s.updated_at,
            current=s.session_key == current_key,
        )
        for s in _live(Session.objects.filter(user=user)).order_by("-updated_at")
    ]
    return sorted(rows, key=lambda row: not row.current)


def device_label(user_agent: str) -> str:
    """ "Chrome 131 · Android" in words a person recognizes, from the browser's user agent."""
    if not user_agent:
        return _("Unknown device")
    from ua_parser import parse  # imported when a list is drawn: building the parser takes a moment

    found = parse(user_agent)
    browser = found.user_agent.family if found.user_agent else ""
    if browser and found.user_agent.major:
        browser = f"{browser} {found.user_agent.major}"
    system = found.os.family if found.os else ""
    parts = [part for part in (browser, system) if part and part != "Other"]
    return " · ".join(parts) or _("Unknown device")


@transaction.atomic
def session_end(*, actor: User, reference: str, current_key: str | None = None) -> bool:
    """End one of `actor`'s own sessions, named by its reference; returns whether it was the session in use.
    Raises PermissionDenied when no session of the actor's has that reference (another person's is never found)."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        raise PermissionDenied(_("Only the account holder ends their sessions."))
    for session in Session.objects.select_for_update().filter(user=actor):
        if constant_time_compare(reference_of(session.session_key), reference or ""):
            current = session.session_key == current_key
            session.delete()
            audit.record(actor, "agencies.user.session_ended", actor, {"current": current})
            return current
    raise PermissionDenied(_("That session is not one of yours, or it has already ended."))


def user_sessions_end(*, actor, user: User) -> int:
    """End every session of `user` inside the caller's transaction (an account deactivated, its last membership
    ended); the trail says how many, beside the caller's own event that says why. A request of theirs still running
    cannot save its session again: Django refuses to update a deleted session row."""
    ended, _by_model = Session.objects.filter(user=user).delete()
    if ended:
        audit.record(actor, "agencies.user.sessions_ended", user, {"sessions": ended})
    return ended


def end_sessions_of_users_without_access(*, actor, user_ids) -> None:
    """End the sessions of those of these users left with no active membership of an active agency."""
    active = Membership.objects.filter(user=OuterRef("pk"), active=True, agency__active=True)
    for user in User.objects.filter(pk__in=list(user_ids)).exclude(Exists(active)):
        user_sessions_end(actor=actor, user=user)


def sessions_purge() -> int:
    """Delete session rows past their expiry (Django leaves them to `clearsessions`); returns how many."""
    purged, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return purged
