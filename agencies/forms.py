"""The admin's forms for agencies: adding a member by email, with an account made for an address not yet known."""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Membership, Region
from .regions import region_label


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


# A choice box's empty first line: nothing is chosen until staff choose (no silent default).
EMPTY_CHOICE = [("", "---------")]


def with_empty_choice(choices) -> list:
    return [*EMPTY_CHOICE, *choices]


def date_field(label, **kwargs) -> forms.DateField:
    """A date typed as Indonesians write it (15-03-1990, 15/03/1990; config/formats) or picked in the admin's
    calendar. The page shows the calendar with the admin's catalogue (admin/service_form.html loads it)."""
    return forms.DateField(label=label, widget=AdminDateWidget, **kwargs)


class RegionChoiceField(forms.ModelChoiceField):
    """A region chosen in a picker (by name or code), named as the picker names it: "35.10 Kabupaten Banyuwangi,
    Jawa Timur" (agencies.admin.RegionAdmin.picker_label)."""

    def __init__(self, queryset=None, **kwargs):
        queryset = Region.objects.all() if queryset is None else queryset
        super().__init__(queryset=queryset.select_related("parent__parent"), **kwargs)

    def label_from_instance(self, obj):
        return region_label(obj)
