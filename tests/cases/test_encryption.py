"""NIK and phone encrypted at rest, looked up only through a keyed hash, revealed only on the record (DESIGN §6)."""

import pytest
from django.core.exceptions import FieldError, PermissionDenied
from django.db import connection
from django.http import Http404

from agencies import access
from agencies.models import AuditEvent, Role
from cases import services
from cases.encryption import keyed_hash
from cases.models import Person
from tests.agencies.factories import RegionFactory
from tests.cases.factories import DistrictOfficeFactory, IntakeFactory

pytestmark = pytest.mark.django_db

NIK = "3510014501900001"
PHONE = "081234567890"


@pytest.fixture
def person(staff):
    return IntakeFactory(actor=staff, full_name="Siti Aminah", nik=NIK, phone=PHONE).case.person


def _raw_columns(person) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik, phone, nik_hash FROM cases_person WHERE id = %s", [person.pk])
        return cursor.fetchone()


def test_the_database_never_holds_a_nik_or_phone_number_in_plain_text(person):
    nik, phone, nik_hash = _raw_columns(person)

    for column in (nik, phone, nik_hash):
        assert NIK not in column
        assert PHONE not in column
        assert PHONE.lstrip("0") not in column
    assert nik and phone and nik_hash


def test_the_orm_gives_back_the_plain_nik_and_phone(person):
    stored = Person.objects.get(pk=person.pk)

    assert (stored.nik, stored.phone) == (NIK, PHONE)


def test_equal_niks_never_encrypt_alike(staff, person):
    # the same plaintext saved again gives a different token, so the column cannot be matched or counted
    before, _phone, _hash = _raw_columns(person)
    person.save()

    after, _phone, _hash = _raw_columns(person)
    assert before != after
    assert Person.objects.get(pk=person.pk).nik == NIK


def test_the_nik_is_found_only_through_its_keyed_hash(person):
    assert Person.objects.get(nik_hash=keyed_hash("nik", NIK)) == person
    assert keyed_hash("nik", NIK) != keyed_hash("phone", NIK)


@pytest.mark.parametrize("lookup", [{"nik": NIK}, {"nik__startswith": "3510"}, {"phone": PHONE}, {"nik__in": [NIK]}])
def test_encrypted_fields_cannot_be_filtered_on(person, lookup):
    with pytest.raises(FieldError):
        list(Person.objects.filter(**lookup))


def test_encrypted_fields_can_only_be_asked_whether_they_are_empty(person):
    assert list(Person.objects.filter(nik__isnull=False)) == [person]


def test_a_person_without_a_nik_or_phone_stores_empty_columns_and_no_hash(staff):
    person = IntakeFactory(actor=staff).case.person

    assert _raw_columns(person) == ("", "", None)


def test_the_masked_nik_shows_the_first_four_and_last_two_digits(person):
    assert Person.objects.get(pk=person.pk).masked_nik == "3510**********01"


def test_no_nik_masks_to_nothing(staff):
    assert IntakeFactory(actor=staff).case.person.masked_nik == ""


def test_a_person_is_never_named_by_str(person):
    text = str(person)

    assert "Siti" not in text and "Aminah" not in text and NIK not in text
    assert str(person.pk) in text


def test_revealing_a_nik_returns_it_and_is_audited(staff, semarang, person):
    nik = services.person_nik_reveal(actor=staff, person=person)

    assert nik == NIK
    event = AuditEvent.objects.get(action="cases.person.nik_revealed")
    assert (event.actor_user, event.actor_agency, event.target_id) == (staff, semarang, str(person.pk))
    assert NIK not in str(event.data)


def test_every_reveal_is_audited(staff, person):
    services.person_nik_reveal(actor=staff, person=person)
    services.person_nik_reveal(actor=staff, person=person)

    assert AuditEvent.objects.filter(action="cases.person.nik_revealed").count() == 2


def test_read_only_roles_may_not_reveal_a_nik(province_staff, person):
    with pytest.raises(PermissionDenied):
        services.person_nik_reveal(actor=province_staff, person=person)

    assert not AuditEvent.objects.filter(action="cases.person.nik_revealed").exists()


def test_an_outsider_gets_404_revealing_a_nik(member, person):
    outsider = member(Role.DISTRICT_STAFF, agency=DistrictOfficeFactory(region=RegionFactory(code="35.10")))

    with pytest.raises(Http404):
        services.person_nik_reveal(actor=outsider, person=person)

    assert not AuditEvent.objects.filter(action="cases.person.nik_revealed").exists()


def test_the_auditor_of_the_owning_office_sees_nik_reveals_in_the_access_log(member, staff, semarang, person):
    auditor = member(Role.AUDITOR, agency=semarang)

    services.person_nik_reveal(actor=staff, person=person)

    assert access.visible_to(auditor, AuditEvent).filter(action="cases.person.nik_revealed").exists()
