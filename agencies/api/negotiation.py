from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JsonOnly(DefaultContentNegotiation):
    """The API answers JSON and nothing else (issue 13: its HTML pages listed every case and user in their filter
    forms). Negotiated before any handler runs, so a request whose answer cannot be produced writes nothing: an
    Accept without JSON, or `?format=` naming another format, is 406."""

    def filter_renderers(self, renderers, format):
        renderers = [renderer for renderer in renderers if renderer.format == format]
        if not renderers:
            raise NotAcceptable(_("This API answers in JSON only."))
        return renderers
