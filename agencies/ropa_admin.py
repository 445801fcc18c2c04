"""The record of processing activities in the admin (menu: Data protection): its page, readable on a phone, and its
PDF. Both are drawn from the code's data inventory (agencies.ropa) and hold no personal data."""

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats

from . import access, ropa
from .ropa_pdf import processing_record_pdf


def may_read(user) -> bool:
    """The data-protection officer keeps the record and auditors check it (agencies.ropa.READERS)."""
    return any(grant.role in ropa.READERS for grant in access.grants_of(user))


def page_view(site, request):
    if not may_read(request.user):
        raise Http404(access.NOT_FOUND)
    record = ropa.processing_record()
    context = {**site.each_context(request), "title": record.title, "record": record}
    return TemplateResponse(request, "admin/agencies/ropa/record.html", context)


def pdf_view(site, request):
    if not may_read(request.user):
        raise Http404(access.NOT_FOUND)
    record = ropa.processing_record()
    response = HttpResponse(processing_record_pdf(record), content_type="application/pdf")
    day = formats.date_format(record.made_on, "Y-m-d")
    response["Content-Disposition"] = f'attachment; filename="catatan-aktivitas-pemrosesan-{day}.pdf"'
    return response
