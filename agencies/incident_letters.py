"""The written notices of an incident (UU 27/2022 art. 46): one to the subjects, one to the authority, in Indonesian.

Art. 46(2) says what a notice holds at least: the personal data disclosed, when and how it was disclosed, and the
controller's efforts to handle it and recover. Ours add the contact of the office's data-protection officer, and
for the authority the number of cases affected and whether the subjects were told. The letter is one structure
(`letter`), drawn as a page to read and print (admin/agencies/incident/letter.html) and as a PDF (reportlab),
so both say the same. A letter to the subjects names nobody: it is handed to each person affected as it is.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .incident_models import SPECIFIC_CATEGORIES, DataCategory, Incident
from .incidents import LETTERS, Affected
from .models import Membership, Role
from .notifications import zone_of
from .regions import time_zone_label

# Letters are written in Indonesian whatever the reader's language: they go to people and an authority in Indonesia.
LETTER_LANGUAGE = "id"


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


@dataclass
class Letter:
    which: str
    office: str
    place_and_date: str
    reference: str
    subject: str
    addressee: list[str]
    opening: str
    sections: list[Section]
    closing: str
    signature: list[str]
    title: str


def _moment(incident: Incident, moment: datetime.datetime | None) -> str:
    if moment is None:
        return _("not known")
    zone = zone_of(incident.agency)
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, 'j F Y H.i')} {time_zone_label(str(zone))}"


def _officers(incident: Incident) -> list[str]:
    """How to reach the office's data-protection officer: names and work emails (staff, not subjects)."""
    members = (
        Membership.objects.filter(
            agency=incident.agency, role=Role.DATA_PROTECTION_OFFICER, active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    officers = [m.user for m in members]
    if not officers and incident.recorded_by_id:
        officers = [incident.recorded_by]
    lines = [f"{u.get_full_name() or u.get_username()}{f' <{u.email}>' if u.email else ''}" for u in officers]
    if incident.agency.contact_email:
        lines.append(_("Office email: %(email)s") % {"email": incident.agency.contact_email})
    return lines


def letter(incident: Incident, which: str, affected: Affected | None = None, *, now=None) -> Letter:
    """The notice `which` ("subjects" or "authority") of `incident`, in Indonesian."""
    if which not in LETTERS:
        raise ValueError(which)
    now = now or timezone.now()
    with translation.override(LETTER_LANGUAGE):
        return _letter(incident, which, affected, now)


def _letter(incident: Incident, which: str, affected: Affected | None, now) -> Letter:
    office = incident.agency.name
    today = formats.date_format(timezone.localtime(now, zone_of(incident.agency)), "j F Y")
    place = incident.agency.region.name if incident.agency.region_id else ""
    chosen = set(incident.data_categories or [])
    general = [str(c.label) for c in DataCategory if c in chosen and c not in SPECIFIC_CATEGORIES]
    specific = [str(c.label) for c in DataCategory if c in chosen and c in SPECIFIC_CATEGORIES]
    data = Section(_("1. Personal data disclosed"))
    if general:
        data.items.append(_("General personal data: %(list)s.") % {"list": ", ".join(general)})
    if specific:
        data.items.append(_("Specific personal data: %(list)s.") % {"list": ", ".join(specific)})
    when = Section(
        _("2. When and how the personal data was disclosed"),
        [
            _("Happened: %(when)s.") % {"when": _moment(incident, incident.occurred_at)},
            _("Detected: %(when)s.") % {"when": _moment(incident, incident.detected_at)},
            incident.description,
        ],
    )
    handling = Section(_("3. Handling and recovery by the controller"))
    if incident.containment:
        handling.paragraphs.append(incident.containment)
        handling.paragraphs.append(_("Contained: %(when)s.") % {"when": _moment(incident, incident.contained_at)})
    else:
        handling.paragraphs.append(_("The handling is still under way; a further notice will follow."))
    contact = Section(
        _("4. Contact of the data-protection officer"),
        [_("For questions about this notice or your personal data, contact:")],
        _officers(incident),
    )
    sections = [data, when, handling]
    if which == "authority":
        count = affected.cases if affected is not None else incident.affected_count
        scale = Section(_("Scale of the incident"))
        if count is None:
            scale.paragraphs.append(_("The number of cases affected is still being determined."))
        else:
            scale.paragraphs.append(
                _("Cases affected, found in the access log: %(count)s (counted %(when)s).")
                % {"count": count, "when": _moment(incident, incident.affected_counted_at or now)}
            )
        if incident.subjects_notified_at:
            scale.paragraphs.append(
                _("The subjects were notified in writing on %(when)s (%(how)s).")
                % {"when": _moment(incident, incident.subjects_notified_at), "how": incident.subjects_notice_channel}
            )
        else:
            scale.paragraphs.append(_("The subjects are being notified in writing at the same time as this notice."))
        sections.append(scale)
        addressee = [_("To:"), settings.PDP_AUTHORITY_NAME]
        opening = _(
            "In accordance with Article 46 of Law No. 27 of 2022 on Personal Data Protection, %(office)s as the "
            "personal data controller notifies you of a failure of personal data protection, as follows."
        ) % {"office": office}
    else:
        addressee = [_("To the personal data subject concerned")]
        opening = _(
            "In accordance with Article 46 of Law No. 27 of 2022 on Personal Data Protection, %(office)s notifies "
            "you that personal data about you held by our office may have been disclosed without authorisation. "
            "We are sorry for this. Below is what happened and what we have done."
        ) % {"office": office}
    sections.append(contact)
    title = _("Notice of a failure of personal data protection")
    return Letter(
        which=which,
        office=office,
        place_and_date=f"{place}, {today}" if place else today,
        reference=_("Reference: %(reference)s") % {"reference": incident.reference},
        subject=_("Subject: %(title)s") % {"title": title},
        addressee=addressee,
        opening=opening,
        sections=sections,
        closing=_("Thank you for your attention."),
        signature=[office, _("Data-protection officer")],
        title=title,
    )


def letter_pdf(found: Letter) -> bytes:
    """The letter as an A4 PDF."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading4"]

    def para(text: str, style=body):
        # Paragraph reads a small markup: the officer's own text is escaped, and its line breaks kept.
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story = [para(found.office, styles["Heading3"]), para(found.place_and_date), para(found.reference)]
    story += [para(found.subject), Spacer(1, 0.4 * cm)]
    story += [para(line) for line in found.addressee]
    story += [Spacer(1, 0.4 * cm), para(found.opening)]
    for section in found.sections:
        story.append(para(section.heading, heading))
        story += [para(text) for text in section.paragraphs if text]
        if section.items:
            story.append(ListFlowable([ListItem(para(item)) for item in section.items], bulletType="bullet"))
    story += [Spacer(1, 0.6 * cm), para(found.closing), Spacer(1, 1.2 * cm)]
    story += [para(line) for line in found.signature]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=found.title, leftMargin=2.5 * cm, rightMargin=2.5 * cm, topMargin=2 * cm
    )
    document.build(story)
    return out.getvalue()
