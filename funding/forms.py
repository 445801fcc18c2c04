"""The admin's forms for the steps of a disbursement's page: reject, pay, reverse (each saved by its service)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.forms import date_field, with_empty_choice

from .models import Disbursement


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason for rejecting"), widget=forms.Textarea(attrs={"rows": 3}))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("reason for reversing"), widget=forms.Textarea(attrs={"rows": 3}))


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("payment method"), choices=with_empty_choice(Disbursement.Method.choices))
    reference = forms.CharField(label=_("reference"), required=False, help_text=_("Bank reference or receipt number."))
    paid_on = date_field(_("paid on"), initial=timezone.localdate)
