"""A password validator refusing the words an attacker guessing a staff password here tries first: the names of
our agencies and of provinces and regencies/cities, and the product's own words (issue 18, OWASP ASVS 2.1.7's
"context-specific words").

Compared case-insensitively, with the usual digit and symbol swaps undone (`b4nyuw4ng1` is `banyuwangi`), as a
part of the password: a name of five letters or more anywhere in it (`Semarang2026!`), a shorter one only as a word
of its own (`pati-2026-…`, not `compatible`), so a random passphrase is not refused for a four-letter town inside it.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Agency, Region

# The product's words and the institutions' short names.
PRODUCT_WORDS = (
    "rehabilitasi",
    "rehab",
    "rehsos",
    "dinsos",
    "dinassosial",
    "kemensos",
    "kementeriansosial",
    "depsos",
    "pelindungan",
    "lokalisasi",
)
# Words of agency and region names that name no one place ("Dinas Sosial Kabupaten …"): the validator refuses
# "banyuwangi", not every password with "kota" in it. Short province names people use are added.
ADMINISTRATIVE = {"provinsi", "kabupaten", "kota", "kab", "adm", "administrasi"}
GENERIC = ADMINISTRATIVE | {
    "dinas",
    "sosial",
    "kepulauan",
    "kementerian",
    "lembaga",
    "kesejahteraan",
    "yayasan",
    "kelompok",
    "kerja",
    "kantor",
    "badan",
    "pusat",
    "daerah",
    "resor",
    "kepolisian",
    "polres",
    "lks",
    "lsm",
    "bpjs",
    "dan",
    "the",
    # directions and the like, in many region names ("Jawa Tengah", "Kotawaringin Timur")
    "utara",
    "selatan",
    "timur",
    "barat",
    "tengah",
    "raya",
    "baru",
    "laut",
    "kesehatan",
    "agama",
    "cabang",
}
PROVINCE_SHORT_NAMES = ("jateng", "jatim", "jabar", "diy", "jogja", "jakarta", "ntt", "ntb", "kalteng", "sulsel")
SHORT = 5  # names shorter than this count only as a word of their own
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


def _letters(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def _names() -> set[str]:
    """Each agency's and each province's or regency's name without its generic words, whole and word by word."""
    found = set()
    regions = Region.objects.filter(Q(level=Region.Level.PROVINCE) | Q(level=Region.Level.REGENCY))
    for name in regions.values_list("name", flat=True):
        # The whole name without "Kabupaten", "Kota" ("jawatimur"), and each of its own words ("kotawaringin").
        found.add("".join(word for word in _words(name) if word not in ADMINISTRATIVE))
        found.update(word for word in _distinct_words(name) if len(word) >= 4)
    for name in Agency.objects.values_list("name", flat=True):
        # An agency's own name without its place ("Lentera Asa Semarang": "lenteraasa"), whole: "sehat" alone (of
        # "Bina Sehat") is an everyday word.
        found.add("".join(word for word in _distinct_words(name) if word not in found))
    return found - {""}


def _words(name: str) -> list[str]:
    return [word for word in (_letters(part) for part in re.split(r"[\s/().,-]+", name)) if word]


def _distinct_words(name: str) -> list[str]:
    return [word for word in _words(name) if word not in GENERIC]


def context_words() -> set[str]:
    return {*PRODUCT_WORDS, *PROVINCE_SHORT_NAMES, *_names()}


def _found_in(password: str, words: set[str]) -> str | None:
    lowered = password.lower()
    plain, swapped = _letters(lowered), _letters(lowered.translate(LEET))
    tokens = {_letters(t) for t in re.split(r"[^a-z]+", lowered)} | {
        _letters(t) for t in re.split(r"[^a-z]+", lowered.translate(LEET))
    }
    for word in sorted(words, key=len, reverse=True):
        if len(word) >= SHORT and (word in plain or word in swapped):
            return word
        if len(word) < SHORT and word in tokens:
            return word
    return None


class ContextWordsValidator:
    """Refuses a password holding an agency's or region's name or one of the product's words."""

    def validate(self, password, user=None):
        if _found_in(password, context_words()):
            raise ValidationError(
                _(
                    "This password contains the name of an agency, a region or this application. Such words are "
                    "the first an attacker tries: choose other words."
                ),
                code="password_context_word",
            )

    def get_help_text(self):
        return _(
            "Your password cannot contain the name of an agency, a province, a regency or city, or this application."
        )
