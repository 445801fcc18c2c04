"""Makes the OpenAPI document say what every operation may answer besides success: RFC 9457 problem details."""

from django.utils.translation import gettext_lazy as _

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; field errors under `errors`, keyed by field.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        # Field → messages; nested fields (a row of a list, a key of a map) → the same shape, one level down.
        "errors": {"type": "object", "additionalProperties": {}},
    },
    "required": ["type", "title", "status"],
}

# Every operation may be refused for these; writes also for the ones below.
ALWAYS = {
    "401": _("No valid token."),
    "403": _("Not allowed for this token or role."),
    "404": _("Not found, or not yours: existence is not revealed."),
    "429": _("Too many requests; see Retry-After."),
    "400": _("Malformed input, with field errors."),
}
WRITES = {
    "409": _("Already exists (e.g. a NIK already registered), or the same Idempotency-Key is still in flight."),
    "412": _("If-Match does not match the current ETag."),
    "422": _("The Idempotency-Key was used with another request."),
}


def add_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = ALWAYS | (WRITES if method != "get" else {})
            for code, description in codes.items():
                operation["responses"].setdefault(
                    code,
                    {"description": str(description), "content": {"application/problem+json": {"schema": reference}}},
                )
    return result
