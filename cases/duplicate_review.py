"""The review of a possible duplicate (PossibleDuplicateAdmin's page): both persons side by side, each shown only as
far as the reader may see them (agencies.access), with what tells them apart marked.

Read in a fixed number of statements whatever either person's history: one for the two persons (with whether the
reader may change each), one for their cases the reader sees, and the reads of personal data logged per person.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies import access

from . import selectors
from .models import Case, Person, PossibleDuplicate

OUTSIDE = gettext_lazy("outside your area")

# What is compared, in order: (label, how a person shows it).
FIELDS = (
    (gettext_lazy("name"), lambda p: p.full_name),
    (gettext_lazy("known as"), lambda p: p.known_as),
    (gettext_lazy("NIK"), lambda p: p.masked_nik),
    (gettext_lazy("sex"), lambda p: p.get_sex_display()),
    (
        gettext_lazy("birth date or year"),
        lambda p: date_format(p.birth_date) if p.birth_date else str(p.birth_year or ""),
    ),
    (gettext_lazy("home region"), lambda p: p.home_region.name if p.home_region_id else ""),
    (gettext_lazy("address"), lambda p: p.address),
    (gettext_lazy("phone"), lambda p: p.phone),
    (gettext_lazy("current site"), lambda p: p.current_site.name if p.current_site_id else ""),
)


@dataclass
class Side:
    """One of the two persons: None when outside the reader's scope (nothing of them is shown)."""

    person: Person | None
    may_change: bool = False
    cases: list[Case] = field(default_factory=list)


@dataclass
class Compared:
    label: str
    new: str
    earlier: str
    differs: bool


@dataclass
class Review:
    new: Side  # the person flagged at intake (merged away when merged)
    earlier: Side  # the person they resemble (kept when merged)
    rows: list[Compared]
    may_merge: bool
    may_dismiss: bool

    @property
    def sides(self) -> list[Side]:
        return [self.new, self.earlier]


def persons_read(actor, duplicate: PossibleDuplicate) -> QuerySet[Person]:
    """The pair's persons `actor` may see, with what the page shows of them and their cases `actor` sees."""
    cases = access.visible_to(actor, Case).select_related("owner").only("number", "stage", "person_id", "owner__name")
    return (
        access.visible_to(actor, Person)
        .filter(pk__in=[duplicate.person_id, duplicate.similar_to_id])
        .select_related("home_region", "current_site")
        .annotate(_may_change=Exists(access.changeable_by(actor, Person).filter(pk=OuterRef("pk"))))
        .prefetch_related(Prefetch("cases", queryset=cases.order_by("created_at", "pk"), to_attr="seen_cases"))
    )


def review(actor, duplicate: PossibleDuplicate, *, may_change: bool) -> Review:
    """Both persons of `duplicate` side by side as `actor` may see them; logs the read of each one shown.
    `may_change`: whether `actor` may change the pair itself (the admin has asked the access rule)."""
    seen = {person.pk: person for person in persons_read(actor, duplicate)}
    sides = []
    for pk in (duplicate.person_id, duplicate.similar_to_id):
        person = seen.get(pk)
        if person is None:
            sides.append(Side(None))
            continue
        selectors.person_viewed(actor, person)
        sides.append(Side(person, may_change=person._may_change, cases=person.seen_cases))
    new, earlier = sides
    rows = []
    for label, shown in FIELDS:
        a = shown(new.person) if new.person else None
        b = shown(earlier.person) if earlier.person else None
        rows.append(
            Compared(
                label=str(label),
                new=_or_dash(a),
                earlier=_or_dash(b),
                differs=a is not None and b is not None and a != b,
            )
        )
    is_open = duplicate.status == PossibleDuplicate.Status.OPEN
    return Review(
        new=new,
        earlier=earlier,
        rows=rows,
        may_merge=is_open and may_change and new.may_change and earlier.may_change,
        may_dismiss=is_open and may_change,
    )


def _or_dash(value: str | None) -> str:
    if value is None:
        return str(OUTSIDE)
    return value or "-"


def named(person: Person | None, cases: list[Case]) -> str:
    """A person as the list names them: name and their case numbers the reader sees, or 'outside your area'."""
    if person is None:
        return str(OUTSIDE)
    numbers = ", ".join(case.number for case in cases)
    return (
        _("%(name)s (case %(numbers)s)") % {"name": person.full_name, "numbers": numbers}
        if numbers
        else (person.full_name)
    )
