"""Correction requests (UU 27/2022: a person's right to have her data corrected): recorded at a desk, decided by
the data-protection officer, and applied by the approval itself, in its transaction.

Values travel as text (a date as 1990-05-04, a region or target group by its code, sex as F or M), are kept
encrypted on the request (cases.models.CorrectionRequest), and never reach the trail: its rows name the field.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format

from agencies import access, audit
from agencies.fastpath.saves import locked
from agencies.models import Region, User
from agencies.writes import save_validated

from .. import locks, privacy, refusals
from ..models import Case, CorrectionRequest, Person, TargetGroup
from .persons import check_birth, check_nik, person_changes_apply

Field = CorrectionRequest.Field
# The fields held by the case rather than the person.
CASE_FIELDS = {Field.TARGET_GROUP: "target_group_id"}
# How long the office has to correct, from the request's receipt.
CORRECTION_WITHIN = datetime.timedelta(hours=72)
# A request "received" a little ahead of the server's clock is a clock's error, not the future.
CLOCK_SKEW = datetime.timedelta(minutes=5)
FEMALE, MALE = {"p", "f", "perempuan", "female", "wanita"}, {"l", "m", "laki-laki", "male", "pria"}


def current_value(case: Case, field: str) -> str:
    """What `case` (or its person) holds in `field`, as the text a request keeps."""
    if field in CASE_FIELDS:
        value = getattr(case, CASE_FIELDS[field])
    else:
        value = getattr(case.person, Person._meta.get_field(field).attname)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _date(text: str) -> str:
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007 (a day, no time)
        except ValueError:
            continue
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({"new_value": refusals.CORRECTION_DATE_INVALID})
    return day.isoformat()


def normalized(field: str, text: str) -> tuple[str, list[str]]:
    """`text` as the request keeps it for `field`, and any warnings (a NIK's); ValidationError on `new_value` when
    it cannot be such a value. Empty clears an optional field."""
    text = (text or "").strip()
    if not text or field in (Field.FULL_NAME, Field.KNOWN_AS, Field.ADDRESS, Field.PHONE):
        return text, []
    if field == Field.NIK:
        try:
            return check_nik(text.replace(" ", "").replace(".", ""))
        except ValidationError as refused:
            raise ValidationError({"new_value": refused.message_dict["nik"]}) from None
    if field == Field.BIRTH_DATE:
        value = _date(text)
        try:
            check_birth(datetime.date.fromisoformat(value), None)
        except ValidationError as refused:
            raise ValidationError({"new_value": refused.message_dict["birth_date"]}) from None
        return value, []
    if field == Field.BIRTH_YEAR:
        if not (text.isdigit() and len(text) == 4):
            raise ValidationError({"new_value": refusals.CORRECTION_YEAR_INVALID})
        try:
            check_birth(None, int(text))
        except ValidationError as refused:
            raise ValidationError({"new_value": refused.message_dict["birth_year"]}) from None
        return text, []
    if field == Field.SEX:
        word = text.lower()
        if word in FEMALE:
            return "F", []
        if word in MALE:
            return "M", []
        raise ValidationError({"new_value": refusals.CORRECTION_SEX_INVALID})
    if field == Field.HOME_REGION:
        if not Region.objects.filter(pk=text).exists():
            raise ValidationError({"new_value": refusals.CORRECTION_REGION_INVALID})
        return text, []
    if field == Field.TARGET_GROUP:
        if not (text.isdigit() and TargetGroup.objects.filter(pk=int(text)).exists()):
            raise ValidationError({"new_value": refusals.CORRECTION_TARGET_GROUP_INVALID})
        return str(int(text)), []
    raise ValidationError({"field": refusals.CORRECTION_FIELD_UNKNOWN})


def shown_value(field: str, value: str) -> str:
    """A kept value in the words a page shows it in: a date as 4 Mei 1990, a region or target group by name."""
    if not value:
        return "—"
    if field == Field.BIRTH_DATE:
        return date_format(datetime.date.fromisoformat(value))
    if field == Field.SEX:
        return str(dict(Person.Sex.choices).get(value, value))
    if field == Field.HOME_REGION:
        region = Region.objects.filter(pk=value).first()
        return f"{region.name} ({value})" if region else value
    if field == Field.TARGET_GROUP:
        group = TargetGroup.objects.filter(pk=int(value)).first()
        return str(group) if group else value
    return value


def _python_value(field: str, value: str):
    if field == Field.BIRTH_DATE:
        return datetime.date.fromisoformat(value) if value else None
    if field == Field.BIRTH_YEAR:
        return int(value) if value else None
    if field == Field.HOME_REGION:
        return Region.objects.get(pk=value) if value else None
    return value


@access.grants_read_once
@transaction.atomic
def correction_request_record(
    *,
    actor,
    case: Case,
    field: str,
    new_value: str,
    evidence: str,
    evidence_note: str = "",
    received_at: datetime.datetime | None = None,
) -> tuple[CorrectionRequest, list[str]]:
    """Record a person's request to correct `field` of `case`'s record, received at the owning office's desk (its
    district staff) or by the data-protection officer; returns it with the new NIK's warnings, if any. Raises
    PermissionDenied for anyone else, ValidationError on the field at fault."""
    if not isinstance(actor, User) or (
        privacy.desk_grant(actor, case) is None and not privacy.is_officer_for(actor, case)
    ):
        raise PermissionDenied(refusals.CORRECTION_NOT_AT_DESK)
    if field not in Field.values:
        raise ValidationError({"field": refusals.CORRECTION_FIELD_UNKNOWN})
    if evidence not in CorrectionRequest.Evidence.values:
        raise ValidationError({"evidence": refusals.CORRECTION_EVIDENCE_MISSING})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + CLOCK_SKEW:
        raise ValidationError({"received_at": refusals.CORRECTION_RECEIVED_IN_FUTURE})
    value, warnings = normalized(field, new_value)
    if value == current_value(case, field):
        raise ValidationError({"new_value": refusals.CORRECTION_SAME_VALUE})
    if field == Field.FULL_NAME and not value:
        raise ValidationError({"new_value": refusals.CORRECTION_NAME_MISSING})
    request = CorrectionRequest(
        case=case,
        field=field,
        old_value=current_value(case, field),
        new_value=value,
        evidence=evidence,
        evidence_note=evidence_note.strip(),
        received_at=received_at,
        due_at=received_at + CORRECTION_WITHIN,
        made_by=actor,
    )
    save_validated(request)
    audit.record(
        actor,
        "cases.correction_request.recorded",
        request,
        {"field": field, "evidence": evidence},
        agency_id=case.owner_id,
    )
    return request, warnings


def _locked_for_decision(actor, request: CorrectionRequest) -> CorrectionRequest:
    request = locked(CorrectionRequest, request.pk)
    access.require_change(actor, request)
    if not privacy.is_officer_for(actor, request.case):
        raise PermissionDenied(refusals.ONLY_THE_OFFICER)
    if request.status != CorrectionRequest.Status.PENDING:
        raise ValidationError({"status": refusals.CORRECTION_DECIDED_ALREADY})
    if request.made_by_id == actor.pk:
        raise ValidationError({"decided_by": refusals.CORRECTION_OWN_REQUEST})
    return request


def _decided(actor, request: CorrectionRequest, status: str, fields: list[str]) -> None:
    request.status, request.decided_by, request.decided_at = status, actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at", *fields, "updated_at"])


@access.grants_read_once
@transaction.atomic
def correction_request_approve(*, actor, request: CorrectionRequest) -> tuple[CorrectionRequest, list[str]]:
    """Approve a pending request and apply it, in this one transaction: the person's (or case's) field takes the
    new value through the same path as an edit (a NIK re-checked, re-encrypted, re-hashed, and refused when it is
    registered, without naming that person). Only the officer responsible, never the request's maker. Refused, as
    well, when the field changed since the request was recorded."""
    request = _locked_for_decision(actor, request)
    # Lock order: the request, then the person, then the case (cases.locks).
    person = locks.person(request.case.person_id)
    case = locks.case(request.case_id)
    case.person = person
    if current_value(case, request.field) != request.old_value:
        raise ValidationError({"new_value": refusals.CORRECTION_CHANGED_MEANWHILE})
    warnings: list[str] = []
    if request.field in CASE_FIELDS:
        setattr(case, CASE_FIELDS[request.field], int(request.new_value))
        case.save(update_fields=["target_group", "updated_at"])
        audit.record(
            actor,
            "cases.case.corrected",
            case,
            {"fields": [request.field], "correction_request": request.pk},
            agency_id=case.owner_id,
        )
    else:
        try:
            _person, warnings = person_changes_apply(
                actor=actor,
                person=person,
                changes={request.field: _python_value(request.field, request.new_value)},
                data={"correction_request": request.pk},
            )
        except ValidationError as refused:
            codes = {e.code for errors in getattr(refused, "error_dict", {}).values() for e in errors}
            if codes & {"duplicate", "duplicate_elsewhere"}:
                # The officer sees no case: whoever holds the NIK stays unnamed (DESIGN §5).
                raise ValidationError({"new_value": refusals.CORRECTION_NIK_REGISTERED}) from None
            raise
    _decided(actor, request, CorrectionRequest.Status.APPLIED, [])
    audit.record(actor, "cases.correction_request.applied", request, {"field": request.field}, agency_id=case.owner_id)
    return request, warnings


@access.grants_read_once
@transaction.atomic
def correction_request_reject(*, actor, request: CorrectionRequest, reason: str) -> CorrectionRequest:
    """Reject a pending request, saying why (kept encrypted; the trail names the field only)."""
    request = _locked_for_decision(actor, request)
    if not (reason or "").strip():
        raise ValidationError({"reject_reason": refusals.CORRECTION_REJECT_REASON_MISSING})
    request.reject_reason = reason.strip()
    _decided(actor, request, CorrectionRequest.Status.REJECTED, ["reject_reason"])
    audit.record(
        actor, "cases.correction_request.rejected", request, {"field": request.field}, agency_id=request.case.owner_id
    )
    return request
