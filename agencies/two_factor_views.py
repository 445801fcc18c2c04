"""The sign-in's second step and the step-up, as pages of the one admin site (config.admin_site wires them):

- the code page ("Kode verifikasi"): after the password, a code from the authenticator app, or a recovery code;
- the enrolment page ("Pasang aplikasi autentikator"): a person with no authenticator yet reads the key (a QR code
  drawn here, and the key as text) into an app and confirms it with a code, at their first sign-in;
- the recovery codes page: the ten codes, shown once when made, and a button to make new ones;
- the step-up page: the code again before a sensitive action (agencies.step_up).

All of them: the person's language, the admin's look (its login page's box), usable on a 390 px phone.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import access, step_up, two_factor

# The codes just made, kept in the session until their page has shown them once.
CODES_KEY = "two_factor_new_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )


class RecoveryForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "size": 12}),
    )


def safe_next(request, default: str | None = None) -> str:
    """Where to go after this step: the `next` asked for when it is a page of ours, else the home."""
    wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return wanted
    return default or reverse("admin:index")


def next_step_url(user, next_url: str = "") -> str:
    """After the password: the code page, or the enrolment page for a person with no authenticator yet."""
    name = "admin:two_factor_code" if two_factor.authenticator_of(user) else "admin:two_factor_setup"
    return reverse(name) + (f"?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else "")


def _signed_in_member(request) -> bool:
    return request.user.is_authenticated and access.may_use_admin(request.user)


def _context(site, request, **more) -> dict:
    return {
        "site_header": site.site_header,
        "site_title": site.site_title,
        "site_url": None,
        "has_permission": False,  # no menu, no header links: the person is not inside yet
        "is_popup": False,
        "is_nav_sidebar_enabled": False,
        "next": safe_next(request),
        **more,
    }


def _to_login(request):
    return HttpResponseRedirect(reverse("admin:login") + f"?{urlencode({REDIRECT_FIELD_NAME: safe_next(request)})}")


def _check_code(site, request, *, title: str, template_title: str, on_success, intro: str, cancel_url: str = ""):
    """The code page and the step-up page alike: a code from the app or a recovery code; a wrong one counts towards
    the lockout (per username and address)."""
    user = request.user
    if two_factor.locked_out(request, user):
        return two_factor.lockout_response(request)
    form, recovery = CodeForm(), RecoveryForm()
    if request.method == "POST":
        form, recovery = CodeForm(request.POST), RecoveryForm(request.POST)
        form.is_valid()
        recovery.is_valid()
        typed = form.cleaned_data.get("code") or recovery.cleaned_data.get("recovery_code") or ""
        if typed.strip():
            device = two_factor.code_matches(user, typed)
            if device is not None:
                return on_success(device)
            if two_factor.code_failed(request, user):
                return two_factor.lockout_response(request)
            wrong = gettext("That code is wrong or has expired. Try again.")
            (form if form.cleaned_data.get("code") else recovery).add_error(
                "code" if form.cleaned_data.get("code") else "recovery_code", wrong
            )
        else:
            form.add_error("code", gettext("Enter the code your app shows."))
    context = _context(
        site,
        request,
        title=title,
        heading=template_title,
        intro=intro,
        form=form,
        recovery_form=recovery,
        cancel_url=cancel_url,
    )
    return TemplateResponse(request, "admin/two_factor/code.html", context)


def code_view(site, request):
    """The sign-in's second step."""
    if not _signed_in_member(request):
        return _to_login(request)
    if two_factor.verified(request.user):
        return HttpResponseRedirect(safe_next(request))
    if two_factor.authenticator_of(request.user) is None:
        return HttpResponseRedirect(next_step_url(request.user, safe_next(request)))

    def signed_in(device):
        two_factor.sign_in_completed(request, device)
        if device.persistent_id.startswith("otp_static"):
            left = two_factor.recovery_codes_left(request.user)
            messages.warning(
                request,
                gettext(
                    "You signed in with a recovery code; %(left)d are left. Make new ones under "
                    "“Recovery codes” if you are running out."
                )
                % {"left": left},
            )
        return HttpResponseRedirect(safe_next(request))

    return _check_code(
        site,
        request,
        title=gettext("Verification code"),
        template_title=gettext("Enter the code from your authenticator app"),
        intro=gettext("Open the authenticator app on your phone and type the six digits it shows for this account."),
        on_success=signed_in,
    )


def step_up_view(site, request):
    """The code again before a sensitive action (agencies.step_up), then back to it."""
    if not _signed_in_member(request) or not two_factor.verified(request.user):
        return _to_login(request)

    def confirmed(device):
        step_up.mark(request)
        return HttpResponseRedirect(safe_next(request))

    return _check_code(
        site,
        request,
        title=gettext("Confirm with a code"),
        template_title=gettext("Confirm it is you"),
        intro=gettext(
            "This action shows personal data in full or takes it out of the system. Type the code your "
            "authenticator app shows now."
        ),
        on_success=confirmed,
        cancel_url=reverse("admin:index"),
    )


def setup_view(site, request):
    """Enrolment: forced at the first sign-in of a person with no authenticator (and after a reset)."""
    if not _signed_in_member(request):
        return _to_login(request)
    user = request.user
    if two_factor.authenticator_of(user) is not None:
        return HttpResponseRedirect(next_step_url(user, safe_next(request)))
    if two_factor.locked_out(request, user):
        return two_factor.lockout_response(request)
    device = two_factor.enrolment_device(user)
    form = CodeForm()
    if request.method == "POST":
        form = CodeForm(request.POST)
        form.is_valid()
        typed = form.cleaned_data.get("code", "")
        try:
            if not typed.strip():
                raise ValidationError({"code": gettext("Enter the code your app shows.")})
            codes = two_factor.two_factor_enrol(actor=user, device=device, code=typed)
        except ValidationError as exc:
            if typed.strip() and two_factor.code_failed(request, user):
                return two_factor.lockout_response(request)
            for error in exc.message_dict.get("code", []):
                form.add_error("code", error)
        else:
            device.refresh_from_db()
            two_factor.sign_in_completed(request, device)
            request.session[CODES_KEY] = codes
            return HttpResponseRedirect(
                reverse("admin:two_factor_recovery_codes") + f"?{urlencode({REDIRECT_FIELD_NAME: safe_next(request)})}"
            )
    context = _context(
        site,
        request,
        title=gettext("Set up an authenticator app"),
        form=form,
        qr_svg=two_factor.qr_svg(device),
        key=two_factor.key_text(device),
        account=user.get_username(),
        issuer=settings.OTP_TOTP_ISSUER,
    )
    return TemplateResponse(request, "admin/two_factor/setup.html", context)


def recovery_codes_view(site, request):
    """The ten recovery codes: shown once, just after they were made; a POST makes new ones (after a step-up)."""
    user = request.user
    if request.method == "POST":
        try:
            request.session[CODES_KEY] = two_factor.recovery_codes_replace(actor=user)
        except step_up.StepUpRequired:
            return HttpResponseRedirect(step_up.confirm_url(request.path))
        return HttpResponseRedirect(request.path)
    codes = request.session.pop(CODES_KEY, None)
    context = {
        **site.each_context(request),
        "title": gettext("Recovery codes"),
        "codes": codes,
        "left": two_factor.recovery_codes_left(user),
        "next": safe_next(request),
    }
    response = TemplateResponse(request, "admin/two_factor/recovery_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response
