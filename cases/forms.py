"""The admin's forms for cases: what staff type on the intake, person, and case-page button forms.

Forms check shape only; the services they feed decide the rules.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Region

from .models import Case, Consent, Person, Referral

# The person as staff type them, in the order both the intake page and the person's page show them.
PERSON_FIELDS = (
    "full_name",
    "known_as",
    "nik",
    "sex",
    "birth_date",
    "birth_year",
    "phone",
    "home_region",
    "address",
)
# Where the intake files the case.
CASE_FIELDS = ("target_group", "site", "owner")
# The intake page in the order staff fill it in: who the person is, where their case sits, then their consent.
INTAKE_FIELDS = (*PERSON_FIELDS, *CASE_FIELDS, "processing_consent_on")


class RegionCodeField(forms.CharField):
    """A Kemendagri code typed by staff (`35.10`); an unknown code is an error on this field."""

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        region = Region.objects.filter(code=code.strip()).first()
        if region is None:
            raise forms.ValidationError(_("Unknown region code %(code)s.") % {"code": code})
        return region


class IntakeForm(forms.ModelForm):
    """Intake (pendataan): the person and their case in one form, saved by `case_register`."""

    full_name = forms.CharField(label=_("full name"), max_length=150)
    known_as = forms.CharField(label=_("known as"), max_length=80, required=False)
    nik = forms.CharField(label=_("NIK"), max_length=20, required=False, help_text=_("16 digits, from the KTP."))
    birth_date = forms.DateField(label=_("birth date"), required=False)
    birth_year = forms.IntegerField(label=_("birth year"), required=False, help_text=_("When the date is unknown."))
    sex = forms.ChoiceField(label=_("sex"), choices=Person.Sex.choices)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    home_region = RegionCodeField(
        label=_("home region (kampung halaman)"), required=False, help_text=_("Kemendagri code, e.g. 35.10.")
    )
    address = forms.CharField(label=_("address"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    processing_consent_on = forms.DateField(
        label=_("consent to processing given on"), required=False, initial=timezone.localdate
    )

    class Meta:
        model = Case
        fields = list(CASE_FIELDS)


class PersonForm(forms.ModelForm):
    new_nik = forms.CharField(
        label=_("new NIK"), max_length=20, required=False, help_text=_("Leave empty to keep the current NIK.")
    )

    class Meta:
        model = Person
        # The NIK changes only through `new_nik`, typed afresh: the page shows the current one masked.
        fields = [*(f for f in PERSON_FIELDS if f != "nik"), "current_site"]
        widgets = {"phone": forms.TextInput, "address": forms.Textarea(attrs={"rows": 2})}


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("to stage"), choices=Case.Stage.choices)
    close_reason = forms.ChoiceField(
        label=_("close reason"), choices=[("", "---------"), *Case.CloseReason.choices], required=False
    )
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Needed to skip a stage, go back, reopen, or close for another reason."),
    )


class ReferForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("to"), queryset=Agency.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=Referral.Kind.choices)
    reason = forms.CharField(label=_("reason for referral"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("purpose"), choices=Consent.Purpose.choices)
    agency = forms.ModelChoiceField(
        label=_("shared with"), queryset=Agency.objects.none(), required=False, help_text=_("For sharing only.")
    )
    given_on = forms.DateField(label=_("given on"), initial=timezone.localdate)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("reason for declining"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    body = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 6}))


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("assessed on"), initial=timezone.localdate)
    needs = forms.CharField(label=_("needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    skills_wanted = forms.CharField(label=_("skills wanted"), max_length=200, required=False)
    business_idea = forms.CharField(label=_("business idea"), max_length=200, required=False)
    wants_to_go_home = forms.NullBooleanField(label=_("wants to go home"), required=False)
