"""The admin's forms for cases: what staff type on the intake, person, and case-page button forms.

Forms check shape only; the services they feed decide the rules.
"""

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agencies.forms import RegionChoiceField, date_field, with_empty_choice
from agencies.models import Agency
from agencies.scoped_admin import posted_picker

from .models import Case, Consent, CorrectionRequest, Person, Referral, Restriction

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


class IntakeForm(forms.ModelForm):
    """Intake (pendataan): the person and their case in one form, saved by `case_register`."""

    full_name = forms.CharField(label=_("full name"), max_length=150)
    known_as = forms.CharField(label=_("known as"), max_length=80, required=False)
    nik = forms.CharField(label=_("NIK"), max_length=20, required=False, help_text=_("16 digits, from the KTP."))
    birth_date = date_field(_("birth date"), required=False, help_text=_("Day-month-year, e.g. 15-03-1990."))
    birth_year = forms.IntegerField(label=_("birth year"), required=False, help_text=_("When the date is unknown."))
    sex = forms.ChoiceField(label=_("sex"), choices=with_empty_choice(Person.Sex.choices))
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    home_region = RegionChoiceField(
        label=_("home region (kampung halaman)"),
        required=False,
        widget=posted_picker(Person, "home_region"),
        help_text=_("Type the name or the Kemendagri code, e.g. Banyuwangi or 35.10."),
    )
    address = forms.CharField(label=_("address"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    processing_consent_on = date_field(_("consent to processing given on"), required=False, initial=timezone.localdate)

    class Meta:
        model = Case
        fields = list(CASE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # "Nama lengkap", as the model's own fields are labelled on the page
            field.label = capfirst(field.label)


class PersonForm(forms.ModelForm):
    new_nik = forms.CharField(
        label=capfirst(_("new NIK")), max_length=20, required=False, help_text=_("Leave empty to keep the current NIK.")
    )

    class Meta:
        model = Person
        # The NIK changes only through `new_nik`, typed afresh: the page shows the current one masked.
        fields = [*(f for f in PERSON_FIELDS if f != "nik"), "current_site"]
        widgets = {"phone": forms.TextInput, "address": forms.Textarea(attrs={"rows": 2})}


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("to stage"), choices=with_empty_choice(Case.Stage.choices))
    close_reason = forms.ChoiceField(
        label=_("close reason"), choices=with_empty_choice(Case.CloseReason.choices), required=False
    )
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Needed to skip a stage, go back, reopen, or close for another reason."),
    )


class ReferForm(forms.Form):
    # Any office in the country (a repatriation goes to the person's home district): searched by name or region.
    to_agency = forms.ModelChoiceField(
        label=_("to"), queryset=Agency.objects.none(), widget=posted_picker(Referral, "to_agency")
    )
    kind = forms.ChoiceField(label=_("kind"), choices=with_empty_choice(Referral.Kind.choices))
    reason = forms.CharField(label=_("reason for referral"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("purpose"), choices=with_empty_choice(Consent.Purpose.choices))
    agency = forms.ModelChoiceField(
        label=_("shared with"),
        queryset=Agency.objects.none(),
        required=False,
        widget=posted_picker(Consent, "agency"),
        help_text=_("For sharing only."),
    )
    given_on = date_field(_("given on"), initial=timezone.localdate)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("reason for declining"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    body = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 6}))


class AssessmentForm(forms.Form):
    assessed_on = date_field(_("assessed on"), initial=timezone.localdate)
    needs = forms.CharField(label=_("needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    skills_wanted = forms.CharField(label=_("skills wanted"), max_length=200, required=False)
    business_idea = forms.CharField(label=_("business idea"), max_length=200, required=False)
    wants_to_go_home = forms.NullBooleanField(label=_("wants to go home"), required=False)


class CorrectionForm(forms.Form):
    """A person's request to correct one field, as the desk that received it records it (a case page's button)."""

    field = forms.ChoiceField(label=_("field to correct"), choices=with_empty_choice(CorrectionRequest.Field.choices))
    new_value = forms.CharField(
        label=_("corrected value"),
        max_length=300,
        required=False,
        help_text=_(
            "As the person asks it to read. A date as day/month/year; a home region by its Kemendagri code "
            "(33.03); a target group by its code (10); sex as P or L. Empty clears an optional field."
        ),
    )
    evidence = forms.ChoiceField(label=_("evidence"), choices=with_empty_choice(CorrectionRequest.Evidence.choices))
    evidence_note = forms.CharField(
        label=_("what was seen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you checked, e.g. the KTP shown at the desk. No copy of a document is kept."),
    )


class OfficerCorrectionForm(CorrectionForm):
    """The same, recorded by the data-protection officer, who names the case by its number (they see no case)."""

    case_number = forms.CharField(label=_("case number"), max_length=24)

    field_order = ["case_number", "field", "new_value", "evidence", "evidence_note"]


class RejectCorrectionForm(forms.Form):
    reject_reason = forms.CharField(label=_("reason for rejecting"), widget=forms.Textarea(attrs={"rows": 3}))


class RestrictForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=with_empty_choice(Restriction.Reason.choices))
    note = forms.CharField(
        label=_("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the register only (how the request came, a reference); never in the trail or an email."),
    )


class OfficerRestrictForm(RestrictForm):
    case_number = forms.CharField(label=_("case number"), max_length=24)

    field_order = ["case_number", "reason", "note"]


class LiftRestrictionForm(forms.Form):
    lift_reason = forms.ChoiceField(
        label=_("reason for lifting"), choices=with_empty_choice(Restriction.LiftReason.choices)
    )
