"""The admin's forms for programs that are not a model's own form: the follow-up visit, saved by `follow_up_record`."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Outcome


class OutcomeForm(forms.Form):
    recorded_on = forms.DateField(label=_("visited on"), initial=timezone.localdate)
    site_status = forms.ChoiceField(label=_("where the person lives"), choices=Outcome.SiteStatus.choices)
    left_site_on = forms.DateField(label=_("left the site on"), required=False)
    business_started = forms.BooleanField(label=_("business started"), required=False)
    business_type = forms.CharField(label=_("type of business"), required=False, max_length=120)
    income_band = forms.ChoiceField(
        label=_("income"), choices=[("", "---------"), *Outcome.IncomeBand.choices], required=False
    )
    bpjs_enrolled = forms.BooleanField(label=_("enrolled in BPJS"), required=False)
