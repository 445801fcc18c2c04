"""Kemendagri regions: code shapes, levels and the time zone each province keeps (GLOSSARY)."""

import re

from django.db.models import Q

CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}){0,2}$")

# Province code → IANA zone (Keppres 41/1987): Java and Sumatra WIB, West and Central Kalimantan WIB on
# Pontianak time, Bali, Nusa Tenggara, the rest of Kalimantan and Sulawesi WITA, Maluku and Papua WIT.
_PONTIANAK = {"61", "62"}
_MAKASSAR = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_JAYAPURA = {"81", "82", "91", "92", "93", "94", "95", "96"}

TIME_ZONES = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"]
# How offices name them (Pontianak keeps WIB's clock; its own zone only for history's sake).
TIME_ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB (Pontianak)",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def time_zone_label(zone: str) -> str:
    """`Asia/Makassar` → `WITA`; a zone outside Indonesia as its IANA name."""
    return TIME_ZONE_NAMES.get(zone, zone)


def time_zone_of(code: str) -> str:
    """IANA time zone of a region, decided by its province (the first two digits of its code)."""
    province = code[:2]
    if province in _PONTIANAK:
        return "Asia/Pontianak"
    if province in _MAKASSAR:
        return "Asia/Makassar"
    if province in _JAYAPURA:
        return "Asia/Jayapura"
    return "Asia/Jakarta"


def parent_code_of(code: str) -> str | None:
    """`33.03.01` → `33.03` → `33` → None."""
    return code.rsplit(".", 1)[0] if "." in code else None


def is_within(inner: str, code: str) -> bool:
    """Whether the region `inner` is `code` itself or lies inside it: `within_q` for one code in hand."""
    return inner == code or inner.startswith(f"{code}.")


def within_q(field: str, code: str) -> Q:
    """Rows whose region `field` (a Region code) is `code` itself or lies inside it."""
    return Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})


def region_label(region) -> str:
    """A region as a picker names it, with the regions it lies in: `35.10 Kabupaten Banyuwangi, Jawa Timur`, and
    `35.10.01 Pesanggaran, Kabupaten Banyuwangi, Jawa Timur` (read with `parent__parent` to cost no query)."""
    names = [f"{region.code} {region.name}"]
    parent = region.parent if region.parent_id else None
    while parent is not None:
        names.append(parent.name)
        parent = parent.parent if parent.parent_id else None
    return ", ".join(names)


# How staff shorten the kinds of region in its name ("Kab. Banyuwangi"); a word of its kind alone names no region.
_NAME_WORDS = {"kab": "kabupaten", "kab.": "kabupaten", "kabupaten": "kabupaten", "kota": "kota", "kot.": "kota"}
_KIND_ONLY = {"prov", "prov.", "provinsi", "kec", "kec.", "kecamatan"}


def search_words(term: str) -> list[str]:
    """The words a region search looks for in names (or codes): "Kab. Banyuwangi" → ["kabupaten", "banyuwangi"]."""
    words = re.split(r"[\s,]+|(?<=\.)(?=[^\d\s])", term.lower())
    return [_NAME_WORDS.get(word, word) for word in words if word and word not in _KIND_ONLY]
