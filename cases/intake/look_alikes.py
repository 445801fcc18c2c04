"""Flags for new persons who look like someone already registered (or like an earlier row of the same sheet)."""

import difflib
import functools
import re

from django.db.models import F, IntegerField, Q, Window
from django.db.models.functions import Coalesce, ExtractYear, RowNumber

from agencies import access

from ..models import Person, PossibleDuplicate

# Names at least this alike (difflib ratio) with the same home region and birth year ±1 are flagged for review.
DUPLICATE_NAME_SIMILARITY = 0.8
DUPLICATE_CANDIDATES_LIMIT = 500


@functools.lru_cache(maxsize=4096)  # names repeat a lot, and a sheet compares each with hundreds of others
def _normalized(name: str) -> str:
    return re.sub(r"[^a-z ]", "", name.lower()).strip()


def look_alike_pool(actor, persons: list[Person]) -> dict[tuple, list]:
    """Persons the actor can see who may look like a new one (same home region, birth year ±1), by home region
    and birth year; those outside their scope are never compared. Two people with a NIK each are two people, so
    persons with a NIK are read only where a new one without a NIK may be compared with them. One query for the
    whole call, at most DUPLICATE_CANDIDATES_LIMIT per home region and year (as many as one intake ever compared)."""
    keyed = [p for p in persons if p.home_region_id and p.approximate_birth_year]
    if not keyed:
        return {}
    regions = {p.home_region_id for p in keyed}
    years = {p.approximate_birth_year + delta for p in keyed for delta in (-1, 0, 1)}
    comparable = Q(nik_hash__isnull=True)
    without_nik = [p for p in keyed if not p.nik_hash]
    if without_nik:
        their_years = {p.approximate_birth_year + delta for p in without_nik for delta in (-1, 0, 1)}
        comparable |= Q(home_region_id__in={p.home_region_id for p in without_nik}) & (
            Q(birth_year__in=their_years) | Q(birth_date__year__in=their_years)
        )
    year = Coalesce(ExtractYear("birth_date"), "birth_year", output_field=IntegerField())
    candidates = (
        access.visible_to(actor, Person)
        .filter(home_region_id__in=regions, merged_into__isnull=True)
        .filter(Q(birth_year__in=years) | Q(birth_date__year__in=years))
        .filter(comparable)
        .annotate(
            year=year,
            newest=Window(RowNumber(), partition_by=[F("home_region_id"), year], order_by=F("pk").desc()),
        )
        .filter(newest__lte=DUPLICATE_CANDIDATES_LIMIT)
        .values_list("pk", "full_name", "known_as", "nik_hash", "home_region_id", "year")
    )
    pool: dict[tuple, list] = {}
    for pk, full_name, known_as, nik_hash, region, birth in candidates:
        pool.setdefault((region, birth), []).append((pk, _normalized(full_name), _normalized(known_as), nik_hash))
    return pool


def look_alikes(persons: list[Person], pool: dict[tuple, list]) -> list[PossibleDuplicate]:
    """Flag each new person against the pool and against the earlier persons of the same call, as if those had been
    registered one by one before it. Two different NIKs are two different people."""
    flags = []
    for person in persons:
        birth = person.approximate_birth_year
        region = person.home_region_id
        if not (region and birth):
            continue
        # Their own birth year first: when a neighbouring year alone fills the comparisons (a large district), the
        # likeliest matches must not be the ones cut off.
        others = [c for delta in (0, -1, 1) for c in pool.get((region, birth + delta), ())]
        if person.nik_hash:
            others = [c for c in others if not c[3]]  # only those without a NIK can be the same person
        name, known_as = _normalized(person.full_name), _normalized(person.known_as)
        for other, other_name, other_known_as, _other_hash in others[:DUPLICATE_CANDIDATES_LIMIT]:
            score = _name_similarity(name, known_as, other_name, other_known_as)
            if score >= DUPLICATE_NAME_SIMILARITY:
                similar = {"similar_to": other} if isinstance(other, Person) else {"similar_to_id": other}
                flags.append(PossibleDuplicate(person=person, score=round(score * 100), **similar))
        pool.setdefault((region, birth), []).append((person, name, known_as, person.nik_hash))
    return flags


def _name_similarity(name: str, known_as: str, other_name: str, other_known_as: str) -> float:
    best = _alike(name, other_name)
    if known_as and other_known_as:
        best = max(best, _alike(known_as, other_known_as))
    return best


# Names repeat (a few thousand given names and family names make most of a province), so a sheet of 1,000 rows
# compares the same two names again and again against a pool of hundreds each: at 1,000,000 persons difflib was
# four fifths of a bulk intake (issue 15). Normalized names only, kept in this process's memory, never written.
@functools.lru_cache(maxsize=65_536)
def _alike(a: str, b: str) -> float:
    """difflib's ratio of `a` and `b` when it can reach DUPLICATE_NAME_SIMILARITY; 0.0 when it cannot (only pairs
    at or above it are flagged). The quick ratios bound ratio() from above and cost next to nothing."""
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < DUPLICATE_NAME_SIMILARITY or matcher.quick_ratio() < DUPLICATE_NAME_SIMILARITY:
        return 0.0
    return matcher.ratio()
