"""The one page reached from an email without signing in: switching a kind of reminder off or on."""

from django.contrib import admin
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from . import notifications
from .models import NotificationOptOut, User


# The signed token in the link is the credential (RFC 8058 one-click unsubscribe posts without a CSRF token).
@csrf_exempt
def unsubscribe(request, token: str):
    try:
        user_id, kind_code = notifications.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise Http404 from None
    user = get_object_or_404(User, pk=user_id, is_active=True)
    kind = notifications.KINDS[kind_code]
    with translation.override(user.language or translation.get_language()):
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            try:
                if one_click or request.POST.get("action") == "opt_out":
                    notifications.notification_opt_out(user=user, kind=kind.code)
                elif request.POST.get("action") == "opt_in":
                    notifications.notification_opt_in(user=user, kind=kind.code)
            except ValidationError:
                pass  # a critical kind: the page says it cannot be switched off
            if one_click:
                return HttpResponse(status=204)
        context = {
            **admin.site.each_context(request),
            # Reached without signing in: the admin's menu would only say there is nothing to see.
            "is_nav_sidebar_enabled": False,
            "kind": kind,
            "opted_out": NotificationOptOut.objects.filter(user=user, kind=kind.code).exists(),
        }
        return TemplateResponse(request, "notifications/unsubscribe.html", context).render()
