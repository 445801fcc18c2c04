"""The admin's forms for programs that are not a model's own form: the follow-up visit, saved by `follow_up_record`."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.forms import date_field, with_empty_choice
from agencies.scoped_admin import posted_picker

from .models import Batch, Enrollment, Outcome


class OutcomeForm(forms.Form):
    recorded_on = date_field(_("visited on"), initial=timezone.localdate)
    site_status = forms.ChoiceField(
        label=_("where the person lives"), choices=with_empty_choice(Outcome.SiteStatus.choices)
    )
    left_site_on = date_field(_("left the site on"), required=False)
    business_started = forms.BooleanField(label=_("business started"), required=False)
    business_type = forms.CharField(label=_("type of business"), required=False, max_length=120)
    income_band = forms.ChoiceField(
        label=_("income"), choices=with_empty_choice(Outcome.IncomeBand.choices), required=False
    )
    bpjs_enrolled = forms.BooleanField(label=_("enrolled in BPJS"), required=False)


class EnrollSelectedForm(forms.Form):
    """The batch the cases selected in the case list are enrolled in (each by `enrollment_create`)."""

    batch = forms.ModelChoiceField(
        label=_("batch"),
        queryset=Batch.objects.none(),
        widget=posted_picker(Enrollment, "batch"),
        help_text=_("A batch open for enrollment: type its program's name."),
        error_messages={"invalid_choice": _("Choose a batch open for enrollment.")},
    )

    def __init__(self, *args, batches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batches
