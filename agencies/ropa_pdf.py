"""The record of processing activities (agencies.ropa) as a PDF, for the file and for the authority (reportlab)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _

from .ropa import ProcessingRecord


def processing_record_pdf(record: ProcessingRecord) -> bytes:
    """The record as an A4 PDF: the same headings and lists as its admin page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body, h1, h2, h3 = styles["BodyText"], styles["Title"], styles["Heading2"], styles["Heading4"]

    def para(text, style=body):
        return Paragraph(escape(str(text)), style)

    def bullets(items):
        return ListFlowable([ListItem(para(item), leftIndent=12) for item in items], bulletType="bullet", start="•")

    story = [
        para(record.title, h1),
        para(_("Drawn up on %(date)s") % {"date": formats.date_format(record.made_on, "DATE_FORMAT")}),
        para(_("Controller"), h3),
        para(record.controller),
        para(_("Data-protection officer"), h3),
        para(record.officer),
        para(_("Security measures in every activity"), h3),
        bullets(record.measures_everywhere),
        Spacer(1, 6),
        para(record.law),
    ]
    for number, chapter in enumerate(record.chapters, start=1):
        story += [Spacer(1, 8), para(f"{number}. {chapter.name}", h2)]
        story += [para(_("Purpose"), h3), para(chapter.purpose)]
        story += [para(_("Legal basis"), h3), para(chapter.legal_basis)]
        if chapter.legal_note:
            story.append(para(chapter.legal_note))
        story += [para(_("Data subjects"), h3), bullets(chapter.subjects)]
        story += [
            para(_("General personal data"), h3),
            bullets(f"{group.record}: {', '.join(group.items)}" for group in chapter.general),
        ]
        if chapter.specific:
            story += [
                para(_("Specific personal data"), h3),
                bullets(
                    f"{item.record}: {item.item} ({', '.join(item.kinds)})" + (f" — {item.note}" if item.note else "")
                    for item in chapter.specific
                ),
            ]
        recipients = [*chapter.recipients, *([chapter.recipients_note] if chapter.recipients_note else [])]
        story += [para(_("Recipients"), h3), bullets(recipients or [_("Nobody besides the system's own work.")])]
        story += [para(_("Retention period"), h3), bullets(chapter.retention)]
        if chapter.measures:
            story += [para(_("Security measures of this activity"), h3), bullets(chapter.measures)]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=record.title,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    ).build(story)
    return out.getvalue()
