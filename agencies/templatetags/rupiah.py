"""Rupiah the Indonesian way (PUEBI: `Rp5.000.000`) and in words (terbilang), for every app's templates."""

from django import template
from lokal import format_rupiah, terbilang

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    """`5000000` → `Rp5.000.000`; empty for None."""
    return "" if amount is None else format_rupiah(int(amount))


@register.filter
def rupiah_in_words(amount) -> str:
    """`5000000` → `lima juta rupiah`."""
    return "" if amount is None else f"{terbilang(int(amount))} rupiah"
