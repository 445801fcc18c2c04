"""Whose caseload an intake may file into (issue 13, item 5; DESIGN §5): the owning office's jurisdiction covers the
registering agency. A refused owner is a field error, checked before any case number is taken."""

import pytest
from django.core.exceptions import ValidationError

from agencies.models import Role
from cases import intake
from cases.models import Case, CaseNumberSequence, Person, TargetGroup
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import TUNA_SUSILA, NgoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _register(actor, **details):
    target_group = TargetGroup.objects.get(code=TUNA_SUSILA)
    return intake.case_register(actor=actor, full_name="Siti Aminah", sex="F", target_group=target_group, **details)


def _refused_on_owner(actor, owner) -> None:
    with pytest.raises(ValidationError) as refused:
        _register(actor, owner=owner)
    assert set(refused.value.message_dict) == {"owner"}
    assert not Case.objects.exists() and not Person.objects.exists()
    assert not CaseNumberSequence.objects.exists()  # no office's next number was taken


def test_an_ngo_may_name_the_office_of_the_regency_it_works_in(member, banyuwangi):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="35.10.01")))

    case = _register(caseworker, owner=banyuwangi).case

    assert case.owner == banyuwangi and case.number.startswith("35.10-")


def test_an_ngo_registered_at_regency_level_may_name_its_regency_office(member, semarang):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="33.74")))

    assert _register(caseworker, owner=semarang).case.owner == semarang


def test_an_ngo_cannot_file_into_the_caseload_of_another_regency(member, semarang, banyuwangi):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="33.74.01")))

    _refused_on_owner(caseworker, banyuwangi)


def test_district_staff_cannot_file_into_another_district_s_caseload(member, semarang, banyuwangi):
    _refused_on_owner(member(Role.DISTRICT_STAFF, agency=semarang), banyuwangi)


def test_a_province_office_does_not_own_cases(member, semarang):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="33.74.01")))

    _refused_on_owner(caseworker, AgencyFactory(province_office=True))


def test_a_bulk_row_naming_another_regency_s_office_is_an_error_row_on_owner(member, semarang, banyuwangi):
    caseworker = member(Role.NGO_CASEWORKER, agency=NgoFactory(region=RegionFactory(code="33.74.01")))
    target_group = TargetGroup.objects.get(code=TUNA_SUSILA)
    row = {"full_name": "Siti Aminah", "sex": "F", "target_group": target_group}

    elsewhere, at_home = intake.case_register_many(
        actor=caseworker,
        rows=[{**row, "external_id": "A-1", "owner": banyuwangi}, {**row, "external_id": "A-2", "owner": semarang}],
    )

    assert (elsewhere.status, set(elsewhere.errors)) == ("error", {"owner"})
    assert at_home.status == "created" and at_home.case.owner == semarang
    assert not CaseNumberSequence.objects.filter(region=banyuwangi.region).exists()
