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
    "406": _("The Accept header asks for something other than JSON: this API answers JSON only."),
    "429": _("Too many requests; see Retry-After."),
    "400": _("Malformed input, with field errors."),
}
WRITES = {
    "409": _("Already exists (e.g. a NIK already registered), or the same Idempotency-Key is still in flight."),
    "412": _("If-Match does not match the current ETag: read the record again and reapply your change."),
    "413": _("The request body is too large."),
    "415": _("The body is not JSON (send Content-Type: application/json)."),
    "422": _("The Idempotency-Key was used with another request."),
}
EDITS = {"428": _("If-Match is missing: an edit must name the version it was made on.")}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": _(
        "Your own unique key for this write (e.g. a UUID). Sending the same request with the same key again, "
        "within 24 hours, answers the first reply again (with `Idempotent-Replayed: true`) instead of writing "
        "twice; the same key with another body is 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": _(
        "The ETag you read. The write is refused with 412 when the record changed since (no lost updates)."
    ),
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": _("The ETag you hold: 304, without a body, when the record has not changed."),
    "schema": {"type": "string"},
}
ETAG = {
    "description": _("The record's version: send it as If-Match when you change the record."),
    "schema": {"type": "string"},
}
REPLAYED = {
    "description": _("`true` when this is the stored reply to an earlier request with the same Idempotency-Key."),
    "schema": {"type": "string", "enum": ["true"]},
}
# Writes that take If-Match without requiring it (the stage move predates edits; a plain move stays possible).
OPTIONAL_IF_MATCH = ("/stage/",)


def add_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): the problem responses,
    and the headers of safe writes (Idempotency-Key, If-Match, If-None-Match, ETag, Idempotent-Replayed)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for url, path in result.get("paths", {}).items():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = ALWAYS | (WRITES if method != "get" else {}) | (EDITS if method in ("put", "patch") else {})
            for code, description in codes.items():
                operation["responses"].setdefault(
                    code,
                    {"description": str(description), "content": {"application/problem+json": {"schema": reference}}},
                )
            _add_headers(url, method, operation)
    return result


def _add_headers(url: str, method: str, operation: dict) -> None:
    parameters = operation.setdefault("parameters", [])
    successes = [response for code, response in operation["responses"].items() if code.startswith("2")]
    if method == "get":
        if "{" not in url:
            return  # lists carry no ETag
        parameters.append(_resolved(IF_NONE_MATCH))
        operation["responses"].setdefault("304", {"description": str(_("Not modified since the ETag you sent."))})
        for response in successes:
            response.setdefault("headers", {})["ETag"] = _resolved(ETAG)
        return
    parameters.append(_resolved(IDEMPOTENCY_KEY))
    if method in ("put", "patch") or url.endswith(OPTIONAL_IF_MATCH):
        parameters.append(_resolved(IF_MATCH, required=method in ("put", "patch")))
    for response in [*successes, *(r for c, r in operation["responses"].items() if c.startswith("4"))]:
        headers = response.setdefault("headers", {})
        headers["Idempotent-Replayed"] = _resolved(REPLAYED)
        if response in successes:
            headers["ETag"] = _resolved(ETAG)


def _resolved(definition: dict, **more) -> dict:
    """A copy of `definition` with its description in the language the document is generated in."""
    return {**definition, "description": str(definition["description"]), **more}
