"""Step-up (issue 18 §4): the few actions that take the most sensitive data out of the system — a NIK shown in full,
a case-level export, a subject-access bundle — ask for the second factor again when it was last given more than
STEP_UP_MINUTES ago (at sign-in or at an earlier step-up).

One piece, used two ways:
- a view: `@step_up.required` sends the person to the code page ("Konfirmasi dengan kode") and back to the page
  they asked for (a POST comes back as that page's GET: the person presses the button again, now confirmed);
- a service: `step_up.require(actor)` raises `StepUpRequired` (a PermissionDenied) when the web request it runs
  in has not passed the factor lately, so an action reached by another path is held to the same rule.

A service called outside a web request (a management command, a worker task, a test of the service itself) is not
asked: the second factor is about the person at a browser. An API client acts with its token, a machine's
credential with no second factor to give, and is not asked either (DESIGN §5 decides what it may read).
"""

from __future__ import annotations

import contextvars
import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import User

# When this session last gave the second factor (seconds since the epoch).
SESSION_KEY = "step_up_at"

_request: contextvars.ContextVar = contextvars.ContextVar("step_up_request", default=None)


class StepUpRequired(PermissionDenied):
    """The action needs the second factor again (`step_up.require`)."""

    def __init__(self):
        super().__init__(_("Confirm with a code from your authenticator app first."))


def mark(request) -> None:
    """The session gave the second factor just now (sign-in or step-up)."""
    request.session[SESSION_KEY] = time.time()


def fresh(request) -> bool:
    """Whether the session gave the second factor within the last STEP_UP_MINUTES."""
    given = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if given is None:
        return False
    return time.time() - float(given) < settings.STEP_UP_MINUTES * 60


def confirm_url(next_url: str) -> str:
    """The code page, coming back to `next_url` (a path of ours) once the code is given."""
    return f"{reverse('admin:step_up')}?{urlencode({'next': next_url})}"


def required(view):
    """A view decorator (for functions and ModelAdmin methods alike): a session that has not given the second factor
    lately goes to the code page first, and comes back to this page's address."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        request = next(arg for arg in args if isinstance(arg, HttpRequest))
        if not fresh(request):
            return HttpResponseRedirect(confirm_url(request.path))
        return view(*args, **kwargs)

    return wrapped


def require(actor) -> None:
    """For services: raise StepUpRequired when `actor` is a person acting in a web request that has not given the
    second factor within STEP_UP_MINUTES. Outside a request, and for API clients, nothing is asked (see above)."""
    request = _request.get()
    if request is None or not isinstance(actor, User):
        return
    if getattr(request, "user", None) is not None and request.user.pk != actor.pk:
        return  # the service acts for someone else than the person at the browser (none does today)
    if not fresh(request):
        raise StepUpRequired()


class StepUpMiddleware:
    """Makes the current request known to `require` for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
