"""The admin's forms for agencies: adding a member by email, with an account made for an address not yet known."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Membership


class MembershipAddForm(forms.ModelForm):
    # Labelled as the admin labels model fields: capitalised.
    email = forms.EmailField(
        label=capfirst(_("email")), help_text=_("An account is created for an address the platform does not know yet.")
    )
    first_name = forms.CharField(label=capfirst(_("first name")), max_length=150, required=False)
    last_name = forms.CharField(label=capfirst(_("last name")), max_length=150, required=False)

    class Meta:
        model = Membership
        fields = ["agency", "role"]
