"""Password rules (issue 18 item 5): 12 characters or more, not a common password, not like the account's own names,
and none of the words an attacker tries first here — agency names, province and regency names, the product's words —
refused case-insensitively with Indonesian messages."""

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from tests.agencies.factories import AgencyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def places():
    RegionFactory(code="35", name="Jawa Timur")
    RegionFactory(code="35.10", name="Kabupaten Banyuwangi")
    RegionFactory(code="33.26", name="Kabupaten Pati")
    RegionFactory(code="33.74", name="Kota Semarang")
    AgencyFactory(name="Lentera Asa Semarang", region=RegionFactory(code="33.74"))
    AgencyFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=RegionFactory(code="35.10"))


def _refusals(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as refused:
        return [error.code for error in refused.error_list]
    return []


def test_a_long_password_of_everyday_words_passes():
    assert _refusals("kuda-lari-di-sawah-pagi") == []


def test_factory_and_demo_style_passwords_pass():
    assert _refusals("secret-pass-123", UserFactory()) == []
    assert _refusals("demo-sandi-2026", UserFactory(username="kabupaten")) == []


def test_a_password_shorter_than_twelve_characters_is_refused():
    assert _refusals("kuda-lari-1") == ["password_too_short"]


def test_a_common_password_is_refused():
    assert "password_too_common" in _refusals("password1234")


def test_a_password_like_the_accounts_own_name_is_refused():
    user = UserFactory(username="sri.rahayu", first_name="Sri", last_name="Rahayuningsih")

    assert "password_too_similar" in _refusals("rahayuningsih!", user)


@pytest.mark.parametrize(
    "password",
    ["Banyuwangi-2026!", "aku-cinta-SEMARANG", "jawatimur-kuda-lari", "pati-kuda-lari-2026", "b4nyuw4ng1-kuda-lari"],
    ids=["regency", "city, upper case", "province", "short regency as a word", "digits for letters"],
)
def test_a_region_name_in_the_password_is_refused(password):
    assert _refusals(password) == ["password_context_word"]


def test_a_short_region_name_inside_another_word_is_not_refused():
    assert _refusals("compatible-kuda-lari") == []


def test_an_agency_name_in_the_password_is_refused():
    assert _refusals("LenteraAsa-kuda-lari") == ["password_context_word"]


@pytest.mark.parametrize("word", ["dinsos", "Rehabilitasi", "KEMENSOS", "rehab"])
def test_the_products_words_are_refused(word):
    assert _refusals(f"{word}-kuda-lari-2026") == ["password_context_word"]


def test_the_refusal_and_the_rules_are_said_in_indonesian():
    with pytest.raises(ValidationError) as refused:
        validate_password("dinsos-kuda-lari-2026")

    assert "Kata sandi ini memuat nama instansi, nama wilayah, atau nama aplikasi ini." in refused.value.messages[0]
    rules = " ".join(password_validators_help_texts())
    assert "tidak boleh memuat nama instansi, provinsi, kabupaten/kota" in rules
    assert "12" in rules
