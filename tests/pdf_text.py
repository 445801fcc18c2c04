"""The text a PDF written by reportlab shows, for tests (no PDF reader is installed): its page streams decoded
(ASCII85, then Flate, as reportlab writes them) and the strings of their text operators joined, line by line."""

import base64
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_SHOWN = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj")


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:20]
    lines = []
    for raw in _STREAM.findall(data):
        try:
            content = zlib.decompress(base64.a85decode(raw.strip(), adobe=True))
        except ValueError:
            continue  # not a page's text (an image, a font)
        for shown in _SHOWN.findall(content):
            text = re.sub(rb"\\([()\\])", rb"\1", shown)
            lines.append(text.decode("cp1252"))
    return "\n".join(lines)
