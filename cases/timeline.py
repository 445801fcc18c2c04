"""The case as one file: everything that happened to the person, newest first, as far as the reader may see.

The case's own history (stage moves, notes, assessments, consents, referrals, transfers) is read here; programs
(enrollments and attendance, follow-up visits and their outcomes) and funding (entitlements and payments) add
theirs through `SOURCES`, since this app may not import them (DESIGN.md §3). Each source reads through the access
rule, so a reader sees of the file only what the rule shows them (money never to those it hides it from).

Every entry is dated in the time zone of the office that owns the case ("4 Des 2026 09.30"): a visit in Kupang is
at Kupang's time, whoever reads it.
"""

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext

from agencies.regions import time_zone_of

from .models import Case, Consent, Referral


@dataclass(frozen=True)
class Entry:
    """One thing that happened: when (an aware moment, or a day for what is recorded by the day), what (a title
    and its details), who, and where to read more."""

    at: datetime.datetime | datetime.date
    kind: str  # what it is about, for the page's marks: stage, note, assessment, consent, referral, program, money
    title: str
    detail: str = ""
    by: str = ""
    link: str = ""
    link_label: str = ""


@dataclass(frozen=True)
class Shown:
    """An entry as the page shows it: its date as read in the office's time zone."""

    when: str
    entry: Entry


@dataclass(frozen=True)
class Due:
    """The next thing due on a case (a follow-up visit, say): what, on which day, and whether it is late."""

    label: str
    on: datetime.date
    late: bool


# What other apps add to the file: source(actor, case) yields its entries, and what it knows is due next (a Due).
SOURCES: list[Callable[..., Iterable[Entry | Due]]] = []


def source(read: Callable[..., Iterable[Entry | Due]]):
    """Register a reader of more of a case's file (programs/timeline.py, funding/timeline.py)."""
    SOURCES.append(read)
    return read


def zone_of(case: Case) -> zoneinfo.ZoneInfo:
    """The time zone of the office that owns the case."""
    return zoneinfo.ZoneInfo(time_zone_of(case.owner.region_id))


def by(first_name, last_name, username) -> str:
    """A user as the pages name one: their full name, or their user name; "" for nobody."""
    if username is None:
        return ""
    return f"{first_name} {last_name}".strip() or username


def _sort_key(entry: Entry, zone) -> datetime.datetime:
    # A day's entry sorts after that day's timed ones: recorded "on the day", it is read as the day's outcome.
    if isinstance(entry.at, datetime.datetime):
        return entry.at
    return datetime.datetime.combine(entry.at, datetime.time.max, tzinfo=zone)


def _when(at, zone) -> str:
    if isinstance(at, datetime.datetime):
        return date_format(at.astimezone(zone), "DATETIME_FORMAT")
    return date_format(at)


def timeline(actor, case: Case, history: dict[str, list[dict]]) -> tuple[list[Shown], Due | None]:
    """The file of `case` (one the reader sees) newest first, and the earliest thing due next on it: its own
    history, given as the case page read it (`history`, case_page.history_rows), its person's consents (prefetched
    with their agency), and what the registered sources read for this reader."""
    entries, due = [*_own(case, history)], []
    for read in SOURCES:
        for item in read(actor, case):
            (due if isinstance(item, Due) else entries).append(item)
    zone = zone_of(case)
    entries.sort(key=lambda entry: _sort_key(entry, zone), reverse=True)
    shown = [Shown(_when(entry.at, zone), entry) for entry in entries]
    return shown, min(due, key=lambda item: item.on, default=None)


def _user(row, relation) -> str:
    return by(row[f"{relation}__first_name"], row[f"{relation}__last_name"], row[f"{relation}__username"])


def _own(case: Case, history: dict[str, list[dict]]) -> Iterable[Entry]:
    stages = dict(Case.Stage.choices)
    kinds, statuses = dict(Referral.Kind.choices), dict(Referral.Status.choices)
    purposes = dict(Consent.Purpose.choices)
    yes_no = {True: gettext("Yes"), False: gettext("No")}
    for row in history["stage_changes"]:
        if row["from_stage"]:
            title = gettext("Stage: %(from)s → %(to)s") % {
                "from": stages.get(row["from_stage"], row["from_stage"]),
                "to": stages.get(row["to_stage"], row["to_stage"]),
            }
        else:
            title = gettext("Registered (stage: %(to)s)") % {"to": stages.get(row["to_stage"], row["to_stage"])}
        yield Entry(row["changed_at"], "stage", title, row["reason"], _user(row, "changed_by"))
    for row in history["notes"]:
        author = _user(row, "author")
        yield Entry(
            row["created_at"],
            "note",
            gettext("Note"),
            row["body"],
            f"{author} ({row['agency__name']})" if author else row["agency__name"],
        )
    for row in history["assessments"]:
        parts = [
            (gettext("Needs"), row["needs"]),
            (gettext("Skills wanted"), row["skills_wanted"]),
            (gettext("Business idea"), row["business_idea"]),
        ]
        lines = [f"{label}: {value}" for label, value in parts if value]
        if row["wants_to_go_home"] is not None:
            lines.append(f"{gettext('Wants to go home')}: {yes_no[row['wants_to_go_home']]}")
        yield Entry(
            row["assessed_on"], "assessment", gettext("Assessment"), "\n".join(lines), _user(row, "assessed_by")
        )
    for row in history["referrals"]:
        title = gettext("%(kind)s: %(from)s → %(to)s") % {
            "kind": kinds.get(row["kind"], row["kind"]),
            "from": row["from_agency__name"],
            "to": row["to_agency__name"],
        }
        lines = [row["reason"], f"{gettext('Status')}: {statuses.get(row['status'], row['status'])}"]
        if row["decline_reason"]:
            lines.append(f"{gettext('Reason for declining')}: {row['decline_reason']}")
        link = reverse("admin:cases_referral_change", args=[row["id"]])
        yield Entry(row["created_at"], "referral", title, "\n".join(lines), "", link, gettext("Open the referral"))
    for row in history["transfers"]:
        title = gettext("Transferred from %(from)s to %(to)s") % {
            "from": row["from_agency__name"],
            "to": row["to_agency__name"],
        }
        yield Entry(row["transferred_at"], "referral", title, "", _user(row, "transferred_by"))
    for consent in case.person.consents.all():
        purpose = purposes.get(consent.purpose, consent.purpose)
        with_whom = f" ({consent.agency.name})" if consent.agency_id else ""
        yield Entry(
            consent.given_on, "consent", gettext("Consent given: %(purpose)s") % {"purpose": purpose + with_whom}
        )
        if consent.withdrawn_on:
            title = gettext("Consent withdrawn: %(purpose)s") % {"purpose": purpose + with_whom}
            yield Entry(consent.withdrawn_on, "consent", title)
