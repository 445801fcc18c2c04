"""The subject-access bundle (UU 27/2022 art. 7 and 32, issue 18 item 7): a person's data and her processing trail,
as a readable Indonesian PDF and as JSON.

What is in it:
- her data, a section per kind of row: the person, her cases, stage moves, consents, assessments, notes, referrals,
  transfers (read here), and what programs and funding add through `SOURCES` (enrollments, attendance, follow-up
  visits, outcomes, entitlements, payments), since this app may not import them (DESIGN §3);
- her processing trail: every access-log event whose target is one of those rows (or one of her subject-access
  requests): when, what, by whom, acting for which agency, on which agency's data;
- what was left out, each with its reason (`Exclusion`).

Third parties. Other persons' data is never in it: a possible-duplicate review compares her with someone else, so it
is left out (counted, with the reason), and rosters of her batches are not read at all. Names of the other persons
her records connect her to (the participants of her batches, a possible duplicate) are blacked out of free text
(notes, assessments, reasons), each blacking-out counted. Staff names stay: they are processing information, not a
third party's private data; the law gives her the right to know who processed her data (art. 7), and she knows her
caseworker anyway. Their accounts, emails and phones are not in it.

Reading. Nothing here goes through the access rule: the officer sees none of these rows through it. `bundle_for`
reads them through agencies.access.subject_rows_for_request, the one door, open only for a request the officer may
change, once her identity is checked. `bundle_collect` is what that door runs; nothing else calls it.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.utils import timezone, translation
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _

from agencies import access, audit_labels
from agencies.models import Agency, ApiClient, AuditEvent, User
from agencies.regions import time_zone_of

from .models import (
    Assessment,
    Case,
    CaseNote,
    Consent,
    Person,
    PossibleDuplicate,
    Referral,
    StageChange,
    SubjectAccessRequest,
    Transfer,
)
from .timeline import by

REDACTED = "[nama pihak lain dihapus]"
# Points: one line of the trail's 7.5-point text with its padding.
TRAIL_ROW_HEIGHT = 12
# Bundles are for the person: in Indonesian, whatever the officer's own language.
LANGUAGE = "id"


@dataclass
class Section:
    """One kind of her rows as a table: a title, column headings and rows of text (`free_text`: the indexes of
    the columns that hold written text, where other persons' names are blacked out)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    free_text: tuple[int, ...] = ()


@dataclass
class Exclusion:
    """Something left out of the bundle, and why (how many rows or names, when counted)."""

    what: str
    reason: str
    count: int | None = None


@dataclass
class Subject:
    """Whom a bundle is about, and what its sources gather while they read: the rows whose trail is hers, the
    names of other persons to black out, and what they left out."""

    person: Person
    case_ids: list[int]
    zone: zoneinfo.ZoneInfo
    merged: list[Person] = field(default_factory=list)
    targets: dict[type[Model], set] = field(default_factory=dict)
    other_names: set[str] = field(default_factory=set)
    exclusions: list[Exclusion] = field(default_factory=list)

    def trail_of(self, model: type[Model], ids: Iterable) -> None:
        """The events about these rows of `model` belong in her trail."""
        self.targets.setdefault(model, set()).update(str(pk) for pk in ids)

    def when(self, value) -> str:
        """A moment in the handling office's time zone, a day as a day ("4 Des 2026 09.30", "4 Des 2026")."""
        if value is None:
            return "—"
        if not isinstance(value, datetime.datetime):
            return self._day(value)
        local = value.astimezone(self.zone)
        clock = _clock_separator()
        if clock is None:
            return date_format(local, "DATETIME_FORMAT")
        # The day worded once per day, the clock by hand: a trail of thousands of rows spends most of its time in
        # Django's date formatting otherwise. The same text as DATETIME_FORMAT (`_clock_separator` checks it).
        return f"{self._day(local.date())} {local.hour:02d}{clock}{local.minute:02d}"

    def _day(self, day: datetime.date) -> str:
        days = self.__dict__.setdefault("_days", {})
        key = (translation.get_language(), day)
        if key not in days:
            days[key] = date_format(day)
        return days[key]

    def section(self, key: str, title: str, rows: Iterable[Model], columns: list[tuple[str, Callable]]) -> Section:
        """A section of `rows` (model instances, read by the source), a column per (heading, value of a row); each
        row's events go into her trail."""
        shown, ids, model = [], [], None
        for row in rows:
            model = type(row)
            ids.append(row.pk)
            shown.append([_text(value(row)) for _heading, value in columns])
        if model is not None:
            self.trail_of(model, ids)
        return Section(key, title, [heading for heading, _value in columns], shown)


def _clock_separator() -> str | None:
    """ ":" or "." when the language's DATETIME_FORMAT is its DATE_FORMAT and the 24-hour clock ("j M Y H.i");
    None otherwise (then each moment goes through Django's formatting)."""
    day, moment = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    rest = moment[len(day) :] if moment.startswith(day) else ""
    return rest[2] if rest in (" H.i", " H:i") else None


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def name_of(user) -> str:
    """A member of staff as the case file names them; "" for nobody."""
    return by(user.first_name, user.last_name, user.username) if user else ""


# What other apps add: source(subject) yields Sections (and may add trail targets, names, exclusions to `subject`).
SOURCES: list[Callable[[Subject], Iterable[Section]]] = []


def source(read: Callable[[Subject], Iterable[Section]]):
    """Register a reader of more of a person's rows (programs/subject_access.py, funding/subject_access.py)."""
    SOURCES.append(read)
    return read


@dataclass
class Bundle:
    request: SubjectAccessRequest
    made_at: datetime.datetime
    zone: zoneinfo.ZoneInfo
    sections: list[Section]
    trail: Section
    exclusions: list[Exclusion]

    @property
    def title(self) -> str:
        return _("Personal data and its processing trail")


def bundle_for(actor, request: SubjectAccessRequest) -> Bundle:
    """The bundle of `request` as `actor` may have it: through agencies.access.subject_rows_for_request (Http404
    outside the officer's jurisdiction, PermissionDenied for another role or before the identity check)."""
    return access.subject_rows_for_request(actor, request, bundle_collect)


def bundle_collect(request: SubjectAccessRequest) -> Bundle:
    """Every row of the person of `request` and her trail, unscoped. Only agencies.access.subject_rows_for_request
    calls it (through `bundle_for`)."""
    with translation.override(LANGUAGE):
        person = Person.objects.select_related("home_region", "current_site").get(pk=request.person_id)
        zone = zoneinfo.ZoneInfo(time_zone_of(request.agency.region_id))
        case_ids = list(Case.objects.filter(person=person).values_list("pk", flat=True))
        subject = Subject(person=person, case_ids=case_ids, zone=zone, merged=_merged_into(person))
        sections = list(_own(subject))
        for read in SOURCES:
            sections.extend(read(subject))
        _black_out(subject, sections)
        subject.trail_of(
            SubjectAccessRequest, SubjectAccessRequest.objects.filter(person=person).values_list("pk", flat=True)
        )
        trail = _trail(subject)
        return Bundle(request, timezone.now(), zone, sections, trail, subject.exclusions)


def _own(s: Subject) -> Iterable[Section]:
    person = s.person
    yield Section("person", _("Personal data"), [_("Data"), _("Value")], _details(s, person))
    # Her earlier records merged into this one (a duplicate registered twice): their details are hers too, and so
    # are the events about them; their cases and consents were moved onto this record by the merge.
    for earlier in s.merged:
        title = _("Personal data of an earlier record of hers (#%(pk)s), merged into this one") % {"pk": earlier.pk}
        yield Section(f"person_merged_{earlier.pk}", title, [_("Data"), _("Value")], _details(s, earlier))
    s.trail_of(Person, [person.pk, *(earlier.pk for earlier in s.merged)])

    cases = Case.objects.filter(pk__in=s.case_ids).select_related(
        "owner", "registered_by", "caseworker", "target_group", "site"
    )
    yield s.section(
        "cases",
        _("Cases"),
        cases.order_by("created_at", "pk"),
        [
            (_("Case number"), lambda c: c.number),
            (_("Owning office"), lambda c: c.owner.name),
            (_("Registered by"), lambda c: c.registered_by.name),
            (_("Caseworker"), lambda c: name_of(c.caseworker)),
            (_("Target group"), lambda c: c.target_group),
            (_("Site"), lambda c: c.site.name if c.site else ""),
            (_("Stage"), lambda c: c.get_stage_display()),
            (_("Reason for closing"), lambda c: c.get_close_reason_display()),
            (_("Registered on"), lambda c: s.when(c.created_at)),
        ],
    )
    of_cases = Q(case_id__in=s.case_ids)
    yield s.section(
        "stage_changes",
        _("Stage changes"),
        StageChange.objects.filter(of_cases).select_related("case", "changed_by").order_by("changed_at", "pk"),
        [
            (_("When"), lambda r: s.when(r.changed_at)),
            (_("Case number"), lambda r: r.case.number),
            (_("From"), lambda r: r.get_from_stage_display()),
            (_("To"), lambda r: r.get_to_stage_display()),
            (_("Reason"), lambda r: r.reason),
            (_("By"), lambda r: name_of(r.changed_by)),
        ],
    )
    yield s.section(
        "consents",
        _("Consents"),
        Consent.objects.filter(person=person).select_related("agency", "recorded_by").order_by("given_on", "pk"),
        [
            (_("Purpose"), lambda r: r.get_purpose_display()),
            (_("Shared with"), lambda r: r.agency.name if r.agency else ""),
            (_("Given on"), lambda r: s.when(r.given_on)),
            (_("Withdrawn on"), lambda r: s.when(r.withdrawn_on) if r.withdrawn_on else ""),
            (_("Recorded by"), lambda r: name_of(r.recorded_by)),
        ],
    )
    assessments = s.section(
        "assessments",
        _("Assessments"),
        Assessment.objects.filter(of_cases).select_related("case", "assessed_by").order_by("assessed_on", "pk"),
        [
            (_("Assessed on"), lambda r: s.when(r.assessed_on)),
            (_("Case number"), lambda r: r.case.number),
            (_("Needs"), lambda r: r.needs),
            (_("Skills wanted"), lambda r: r.skills_wanted),
            (_("Business idea"), lambda r: r.business_idea),
            (_("Wants to go home"), lambda r: r.wants_to_go_home),
            (_("Assessed by"), lambda r: name_of(r.assessed_by)),
        ],
    )
    assessments.free_text = (2, 3, 4)
    yield assessments
    notes = s.section(
        "notes",
        _("Case notes"),
        CaseNote.objects.filter(of_cases).select_related("case", "author", "agency").order_by("created_at", "pk"),
        [
            (_("Written at"), lambda r: s.when(r.created_at)),
            (_("Case number"), lambda r: r.case.number),
            (_("Written by"), lambda r: name_of(r.author)),
            (_("Agency"), lambda r: r.agency.name),
            (_("Note"), lambda r: r.body),
        ],
    )
    notes.free_text = (4,)
    yield notes
    referrals = s.section(
        "referrals",
        _("Referrals"),
        Referral.objects.filter(of_cases).select_related("case", "from_agency", "to_agency").order_by("created_at"),
        [
            (_("Made at"), lambda r: s.when(r.created_at)),
            (_("Case number"), lambda r: r.case.number),
            (_("Kind"), lambda r: r.get_kind_display()),
            (_("From"), lambda r: r.from_agency.name),
            (_("To"), lambda r: r.to_agency.name),
            (_("Reason"), lambda r: r.reason),
            (_("Status"), lambda r: r.get_status_display()),
            (_("Reason for declining"), lambda r: r.decline_reason),
        ],
    )
    referrals.free_text = (5, 7)
    yield referrals
    yield s.section(
        "transfers",
        _("Transfers"),
        Transfer.objects.filter(of_cases).select_related("case", "from_agency", "to_agency", "transferred_by"),
        [
            (_("Transferred at"), lambda r: s.when(r.transferred_at)),
            (_("Case number"), lambda r: r.case.number),
            (_("From"), lambda r: r.from_agency.name),
            (_("To"), lambda r: r.to_agency.name),
            (_("By"), lambda r: name_of(r.transferred_by)),
        ],
    )
    # A possible-duplicate review sets her beside another person: that person's data is not hers to receive. (A
    # review between two records of hers, since merged, is no other person's.)
    hers = {person.pk, *(earlier.pk for earlier in s.merged)}
    pairs = [
        pair
        for pair in PossibleDuplicate.objects.filter(Q(person__in=hers) | Q(similar_to__in=hers)).values_list(
            "person", "similar_to"
        )
        if not set(pair) <= hers
    ]
    if pairs:
        others = {pk for pair in pairs for pk in pair} - hers
        s.other_names.update(_names_of(others))
        s.exclusions.append(
            Exclusion(
                _("Reviews of a possible duplicate record"),
                _("Each compares her with another person, whose data is not hers to receive."),
                len(pairs),
            )
        )


def _details(s: Subject, person: Person) -> list[list[str]]:
    details = [
        (_("Full name"), person.full_name),
        (_("Known as"), person.known_as),
        (_("NIK"), person.nik),
        (_("Birth date"), s.when(person.birth_date) if person.birth_date else ""),
        (_("Birth year (estimated)"), person.birth_year),
        (_("Sex"), person.get_sex_display()),
        (_("Phone"), person.phone),
        (_("Home region"), person.home_region.name if person.home_region else ""),
        (_("Address"), person.address),
        (_("Current site"), person.current_site.name if person.current_site else ""),
        (_("Target groups"), ", ".join(str(g) for g in person.target_groups.all())),
        (_("Recorded on"), s.when(person.created_at)),
    ]
    return [[k, _text(v)] for k, v in details]


def _merged_into(person: Person) -> list[Person]:
    """The records merged into `person`, and those merged into them, oldest first."""
    found, frontier = [], [person.pk]
    while frontier:
        earlier = list(Person.objects.filter(merged_into__in=frontier).select_related("home_region", "current_site"))
        found += earlier
        frontier = [p.pk for p in earlier]
    return sorted(found, key=lambda p: p.pk)


def _names_of(person_ids) -> set[str]:
    names = set()
    for full_name, known_as in Person.objects.filter(pk__in=person_ids).values_list("full_name", "known_as"):
        names.update(n for n in (full_name, known_as) if n)
    return names


def other_persons_of_cases(case_ids) -> set[str]:
    """The names of the persons of `case_ids` (for a source that knows who shared something with her: a batch)."""
    return _names_of(Case.objects.filter(pk__in=case_ids).values("person"))


def _black_out(s: Subject, sections: list[Section]) -> None:
    own = {n.casefold() for p in (s.person, *s.merged) for n in (p.full_name, p.known_as) if n}
    # Whole words only, longest first ("Sri Wahyuni" before "Sri"); very short nicknames would black out ordinary
    # words, so a name of fewer than four letters is left alone.
    names = sorted((n for n in s.other_names if len(n) >= 4 and n.casefold() not in own), key=len, reverse=True)
    if not names:
        return
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    blacked = 0
    for section in sections:
        for row in section.rows:
            for index in section.free_text:
                row[index], n = pattern.subn(REDACTED, row[index])
                blacked += n
    if blacked:
        s.exclusions.append(
            Exclusion(
                _("Names of other persons in written notes"),
                _("Replaced by %(mark)s: other persons' data is not hers to receive.") % {"mark": REDACTED},
                blacked,
            )
        )


def _trail(s: Subject) -> Section:
    wanted = Q(pk__in=[])
    for model, ids in s.targets.items():
        if ids:
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            wanted |= Q(target_type=content_type, target_id__in=sorted(ids))
    events = list(
        AuditEvent.objects.filter(wanted)
        .order_by("created_at", "id")
        .values_list(
            "created_at",
            "action",
            "actor_user_id",
            "actor_api_client_id",
            "actor_agency_id",
            "agency_id",
            "target_type_id",
        )
    )
    users = {
        u.pk: name_of(u)
        for u in User.objects.filter(pk__in={e[2] for e in events if e[2]}).only("first_name", "last_name", "username")
    }
    clients = dict(ApiClient.objects.filter(pk__in={e[3] for e in events if e[3]}).values_list("pk", "name"))
    agencies = dict(
        Agency.objects.filter(pk__in={e[4] for e in events} | {e[5] for e in events}).values_list("pk", "name")
    )
    models = {}
    rows = []
    for at, action, user_id, client_id, acting_id, agency_id, type_id in events:
        if type_id not in models:
            model = ContentType.objects.get_for_id(type_id).model_class()
            models[type_id] = str(model._meta.verbose_name).capitalize() if model else ""
        if user_id:
            who = users.get(user_id, "")
        elif client_id:
            who = _("API client %(name)s") % {"name": clients.get(client_id, "")}
        else:
            who = _("The system (a scheduled job)")
        rows.append(
            [
                s.when(at),
                audit_labels.action_label(action),
                models[type_id],
                who,
                agencies.get(acting_id, "—"),
                agencies.get(agency_id, "—"),
            ]
        )
    s.exclusions.append(
        Exclusion(
            _("Lists and exports of many people"),
            _(
                "A case list viewed or exported is recorded once per list, not per person, so it cannot be told "
                "whether she was on it; such events are not in her trail."
            ),
        )
    )
    return Section(
        "trail",
        _("Processing trail: who read, changed, exported or received her data"),
        [_("When"), _("What"), _("About"), _("Who"), _("Acting for"), _("Data of")],
        rows,
    )


# Writing the files


def _header(bundle: Bundle) -> list[tuple[str, str]]:
    r = bundle.request
    local = r.received_at.astimezone(bundle.zone)
    return [
        (_("Request"), f"#{r.pk}"),
        (_("Case number"), r.case_number),
        (_("Received at"), date_format(local, "DATETIME_FORMAT")),
        (_("Due at"), date_format(r.due_at.astimezone(bundle.zone), "DATETIME_FORMAT")),
        (_("Handled by"), r.agency.name),
        (_("Prepared at"), date_format(bundle.made_at.astimezone(bundle.zone), "DATETIME_FORMAT")),
    ]


def bundle_json(bundle: Bundle) -> bytes:
    """The bundle as JSON: every section's headings and rows as the PDF shows them, the trail, the exclusions."""
    with translation.override(LANGUAGE):
        document = {
            "title": bundle.title,
            "request": dict(_header(bundle)),
            "sections": [
                {"key": s.key, "title": s.title, "columns": s.columns, "rows": s.rows} for s in bundle.sections
            ],
            "trail": {"title": bundle.trail.title, "columns": bundle.trail.columns, "rows": bundle.trail.rows},
            "exclusions": [{"what": e.what, "reason": e.reason, "count": e.count} for e in bundle.exclusions],
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode()


def bundle_pdf(bundle: Bundle, out: io.RawIOBase) -> None:
    """The bundle as an A4 PDF in Indonesian: the request, a table per section, the trail, then what was left out."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from agencies.exports import RECORD_SIZE

    styles = getSampleStyleSheet()
    styles["Heading2"].keepWithNext = 1  # a section's title never ends a page alone
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3")),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    def cell(text: str):
        return Paragraph(_escaped(text), small)

    with translation.override(LANGUAGE):
        width = landscape(A4)[0] - 30 * mm
        story = [Paragraph(_escaped(bundle.title), styles["Title"])]
        story.append(Table([[k, v] for k, v in _header(bundle)], colWidths=[45 * mm, None], hAlign="LEFT"))
        story.append(
            Paragraph(
                _escaped(
                    _(
                        "This is all the data the social services hold about you, and who processed it (Law 27 of "
                        "2022 on Personal Data Protection, articles 7 and 32)."
                    )
                ),
                styles["BodyText"],
            )
        )
        for section in [*bundle.sections, bundle.trail]:
            story.append(Paragraph(_escaped(section.title), styles["Heading2"]))
            if not section.rows:
                story.append(Paragraph(_escaped(_("No data.")), styles["BodyText"]))
                continue
            # Written text wraps in its cell; the trail's short values are plain strings (thousands of rows).
            wraps = section.key != "trail"
            rows = [[cell(v) for v in row] if wraps else row for row in section.rows]
            # Headings wrap in their cells too ("Ingin pulang ke kampung halaman" in a narrow column).
            header = [Paragraph(f"<b>{_escaped(h)}</b>", small) for h in section.columns]
            # The trail's rows are one line each: their height is given, which spares reportlab measuring every
            # cell again each time the table is split across pages (most of a long trail's time).
            heights = None if wraps else [None] + [TRAIL_ROW_HEIGHT] * len(rows)
            table = LongTable([header, *rows], repeatRows=1, colWidths=_widths(section, width), rowHeights=heights)
            table.setStyle(grid)
            story.append(table)
        story.append(Paragraph(_escaped(_("Left out of this bundle")), styles["Heading2"]))
        excluded = [[_("What"), _("How many"), _("Why")]] + [
            [cell(e.what), "" if e.count is None else str(e.count), cell(e.reason)] for e in bundle.exclusions
        ]
        table = Table(excluded, colWidths=[70 * mm, 25 * mm, None], repeatRows=1)
        table.setStyle(grid)
        story.extend([table, Spacer(1, 6)])
        buffered = io.BufferedWriter(out, RECORD_SIZE)
        document = SimpleDocTemplate(
            buffered, pagesize=landscape(A4), title=bundle.title, leftMargin=15 * mm, rightMargin=15 * mm
        )
        document.build(story)
        buffered.flush()


def _widths(section: Section, width: float) -> list[float]:
    # Written text gets the room; the other columns share the rest. The trail's plain cells get fixed widths
    # (when, what, about, who, acting for, data of) that fit an agency's whole name.
    n = len(section.columns)
    if section.key == "trail":
        return [width * share for share in (0.11, 0.22, 0.11, 0.16, 0.2, 0.2)]
    if not section.free_text or n == 1:
        return [width / n] * n
    wide = len(section.free_text)
    narrow = (width * 0.4) / max(n - wide, 1)
    return [(width * 0.6) / wide if i in section.free_text else narrow for i in range(n)]


def _escaped(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
