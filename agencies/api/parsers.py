"""The API reads JSON only, and refuses up front what the database or the stored reply could not hold.

A NUL character or a lone UTF-16 surrogate is valid JSON but no valid text for PostgreSQL or UTF-8; left in, it
fails deep inside a write (issue 13: after the commit). Nesting is bounded by orjson (1,024 levels), where the
standard library recurses until Python's stack gives out.
"""

import json

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser

# A NUL can only be written escaped inside a JSON string ("\u0000": raw control characters are invalid JSON).
ESCAPED_NUL = b"\\u0000"


class JsonParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            data = _reread_or_refuse(body, exc)
        else:
            if ESCAPED_NUL not in body:
                return data
        problems = {}
        _find_unstorable(data, problems)
        if problems:
            raise ValidationError(problems)
        return data


def _reread_or_refuse(body: bytes, exc: orjson.JSONDecodeError):
    """orjson refuses lone surrogates as it refuses malformed JSON: read such a body again with the standard
    library, so the refusal can name the field; anything else is a 400 saying where the JSON breaks."""
    if "surrogate" in str(exc):
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            pass
    if "depth" in str(exc):
        raise ParseError(_("The JSON is nested too deeply.")) from None
    raise ParseError(_("The body is not valid JSON (line %(line)d, column %(column)d).") % _position(exc)) from None


def _position(exc: orjson.JSONDecodeError) -> dict:
    return {"line": exc.lineno, "column": exc.colno}


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find_unstorable(value, problems: dict, path: tuple = ()) -> None:
    """Fill `problems` with one refusal per field holding a NUL or a lone surrogate, nested as the field is."""
    message = _("This text contains a character that cannot be stored (NUL or a lone surrogate).")
    if isinstance(value, str):
        if _unstorable(value):
            _put(problems, path or ("non_field_errors",), message)
    elif isinstance(value, dict):
        for key, item in value.items():
            if _unstorable(key):
                refusal = _("A field name contains a character that cannot be stored.")
                _put(problems, (*path, "non_field_errors"), refusal)
                continue
            _find_unstorable(item, problems, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _find_unstorable(item, problems, (*path, str(index)))


def _put(problems: dict, path: tuple, message: str) -> None:
    node = problems
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return
    node.setdefault(path[-1], [message])


def body_limit() -> int:
    """The largest body read, in bytes (Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
