"""Subject-access requests (UU 27/2022 art. 32, issue 18 item 7): recorded, identity checked, bundle prepared,
delivered or refused; each step one transaction with its audit row, by the data-protection officer of the
jurisdiction that owns the person's cases."""

import datetime
import re
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import access, audit, exports
from agencies.models import Export, Membership, Role, User
from agencies.rulebook import jurisdiction

from .. import subject_access
from ..encryption import keyed_hash
from ..models import Case, Person, SubjectAccessRequest

NOT_FOUND_IN_JURISDICTION = _("No person with this case number or NIK has a case in your jurisdiction.")
NOT_AN_OFFICER = _("Only a data-protection officer handles subject-access requests.")
KIND = "cases.subject_access"
SAR = SubjectAccessRequest


def _officer_grant(actor):
    grant = next((g for g in access.grants_of(actor) if g.role == Role.DATA_PROTECTION_OFFICER and g.may_write), None)
    if grant is None:
        raise PermissionDenied(NOT_AN_OFFICER)
    return grant


def _locked(request: SAR) -> SAR:
    locked = SAR.objects.select_for_update().select_related("agency", "person").filter(pk=request.pk).first()
    if locked is None:
        raise Http404(access.NOT_FOUND)
    return locked


def _refuse_unless(request: SAR, *statuses, field: str = "status") -> None:
    if request.status not in statuses:
        raise ValidationError(
            {
                field: _("This request is %(status)s: that step is not open.")
                % {"status": request.get_status_display().lower()}
            }
        )


def _record(actor, request: SAR, action: str, data: dict | None = None) -> None:
    audit.record(
        actor,
        f"cases.subject_access_request.{action}",
        request,
        data,
        agency=request.agency,
        acting_for=request.agency,
    )


def subject_find(actor, subject: str) -> tuple[Person, str, str]:
    """The person a data-protection officer means by `subject` (a case number, or a whole NIK), with the case
    number to name the request by and how she was found ("case_number" or "nik"); a ValidationError naming
    `subject` when no case of hers is owned in the officer's jurisdiction (the same words whether or not she exists
    elsewhere). Only the person's key is read: nothing of her data is shown."""
    grant = _officer_grant(actor)
    in_jurisdiction = Case.objects.filter(jurisdiction("owner")(grant))
    typed = (subject or "").strip()
    if not typed:
        raise ValidationError({"subject": _("Type a case number or a NIK.")})
    digits = re.sub(r"\D", "", typed)
    if len(digits) == 16 and digits == typed.replace(" ", ""):
        found = in_jurisdiction.filter(person__nik_hash=keyed_hash("nik", digits)).order_by("created_at").first()
        how = "nik"
    else:
        found = in_jurisdiction.filter(number=typed.upper()).first()
        how = "case_number"
    if found is None:
        raise ValidationError({"subject": NOT_FOUND_IN_JURISDICTION})
    return found.person, found.number, how


@transaction.atomic
@access.grants_read_once
def subject_access_request_record(
    *,
    actor: User,
    subject: str,
    channel: str,
    received_at: datetime.datetime | None,
    assignee: User | None = None,
) -> SAR:
    """Record a person's request to see her data, found by `subject` (case number or NIK), due 3×24 hours after
    `received_at`. ValidationError naming the field; PermissionDenied for anyone but a data-protection officer."""
    grant = _officer_grant(actor)
    if channel not in SAR.Channel.values:
        raise ValidationError({"channel": _("Choose how the request came in.")})
    now = timezone.now()
    if received_at is None:
        raise ValidationError({"received_at": _("Give the moment the request was received.")})
    if received_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("A request cannot be received in the future.")})
    assignee = assignee or actor
    if not Membership.objects.filter(
        user=assignee, agency=grant.agency, role=Role.DATA_PROTECTION_OFFICER, active=True
    ).exists():
        raise ValidationError({"assignee": _("Assign it to a data-protection officer of your office.")})
    person, number, how = subject_find(actor, subject)
    request = SAR.objects.create(
        person=person,
        case_number=number,
        agency=grant.agency,
        channel=channel,
        received_at=received_at,
        due_at=received_at + SAR.ANSWER_WITHIN,
        assignee=assignee,
        recorded_by=actor,
    )
    access.require_within_scope(actor, request)
    # How she was found, never the NIK or the number typed.
    _record(actor, request, "recorded", {"channel": channel, "found_by": how})
    return request


@transaction.atomic
@access.grants_read_once
def subject_access_identity_check(*, actor: User, request: SAR, method: str, nik: str = "", note: str = "") -> SAR:
    """Record how the person's identity was checked, and by whom. With a KTP, the NIK typed from the card must match
    the record's keyed hash (a match or not: nothing of the record is shown); any other way needs a note."""
    request = _locked(request)
    access.require_change(actor, request)
    _refuse_unless(request, SAR.Status.RECEIVED)
    if method not in SAR.IdentityMethod.values:
        raise ValidationError({"method": _("Choose how her identity was checked.")})
    note = (note or "").strip()
    if method == SAR.IdentityMethod.KTP_MATCHED:
        digits = re.sub(r"\D", "", nik or "")
        if len(digits) != 16:
            raise ValidationError({"nik": _("Type the 16 digits of the NIK on the card shown.")})
        if request.person.nik_hash is None or keyed_hash("nik", digits) != request.person.nik_hash:
            raise ValidationError({"nik": _("This NIK does not match the record: check the card again.")})
    elif not note:
        raise ValidationError({"note": _("Say how her identity was checked (who vouched, which document).")})
    request.identity_method, request.identity_note = method, note[:300]
    request.identity_checked_by, request.identity_checked_at = actor, timezone.now()
    request.status = SAR.Status.IDENTITY_CHECKED
    request.save(
        update_fields=[
            "identity_method",
            "identity_note",
            "identity_checked_by",
            "identity_checked_at",
            "status",
            "updated_at",
        ]
    )
    _record(actor, request, "identity_checked", {"method": method})
    return request


@transaction.atomic
@access.grants_read_once
def subject_access_bundle_build(*, actor: User, request: SAR) -> SAR:
    """Gather her data and trail (cases.subject_access.bundle_for) and write it as PDF and JSON, encrypted, as two
    exports of the officer's (agencies.exports.export_written). Again after a first bundle: a fresh one."""
    request = _locked(request)
    access.require_change(actor, request)
    _refuse_unless(request, SAR.Status.IDENTITY_CHECKED, SAR.Status.IN_PROGRESS)
    bundle = subject_access.bundle_for(actor, request)
    filters = {"request": request.pk}
    rows = sum(len(s.rows) for s in bundle.sections)

    def pdf(out) -> int:
        subject_access.bundle_pdf(bundle, out)
        return rows

    def json(out) -> int:
        out.write(subject_access.bundle_json(bundle))
        return rows

    made = {}
    for fmt, write in ((Export.Format.PDF, pdf), (Export.Format.JSON, json)):
        made[fmt] = exports.export_written(
            actor=actor, agency=request.agency, kind=KIND, format=fmt, filters=filters, write=write
        )
    request.bundle_pdf, request.bundle_json = made[Export.Format.PDF], made[Export.Format.JSON]
    request.bundle_built_at, request.status = timezone.now(), SAR.Status.IN_PROGRESS
    request.save(update_fields=["bundle_pdf", "bundle_json", "bundle_built_at", "status", "updated_at"])
    _record(
        actor,
        request,
        "bundle_prepared",
        {"rows": rows, "trail_rows": len(bundle.trail.rows), "exclusions": len(bundle.exclusions)},
    )
    return request


@transaction.atomic
@access.grants_read_once
def subject_access_download(*, actor: User, request: SAR, format: str) -> tuple[Export, Iterator[bytes]]:  # noqa: A002
    """The bundle's file in `format` (pdf or json), decrypted as it is sent, for the officer who prepared it;
    the download is in her trail (and the export's). Http404 when there is no such file (expired, never made)."""
    access.require_change(actor, request)
    export = {Export.Format.PDF: request.bundle_pdf, Export.Format.JSON: request.bundle_json}.get(format)
    if export is None or export.status != Export.Status.DONE or export.requested_by_id != actor.pk:
        raise Http404(access.NOT_FOUND)
    if not export.file_name or not (exports.export_dir() / export.file_name).is_file():
        raise Http404(access.NOT_FOUND)
    _record(actor, request, "downloaded", {"format": format})
    return export, exports.export_downloaded(actor, export)


@transaction.atomic
@access.grants_read_once
def subject_access_deliver(
    *, actor: User, request: SAR, method: str, delivered_at: datetime.datetime | None = None
) -> SAR:
    """Mark the bundle given to the person (how, and when: now unless said). The delivery is in her trail."""
    request = _locked(request)
    access.require_change(actor, request)
    _refuse_unless(request, SAR.Status.IN_PROGRESS)
    if method not in SAR.DeliveryMethod.values:
        raise ValidationError({"method": _("Choose how the bundle was given to her.")})
    delivered_at = delivered_at or timezone.now()
    if delivered_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"delivered_at": _("A delivery cannot be in the future.")})
    if delivered_at < request.received_at:
        raise ValidationError({"delivered_at": _("A delivery cannot be before the request was received.")})
    request.status, request.delivery_method, request.delivered_at = SAR.Status.DELIVERED, method, delivered_at
    request.save(update_fields=["status", "delivery_method", "delivered_at", "updated_at"])
    _record(actor, request, "delivered", {"method": method, "late": delivered_at > request.due_at})
    return request


@transaction.atomic
@access.grants_read_once
def subject_access_refuse(*, actor: User, request: SAR, reason: str) -> SAR:
    """Refuse an open request, with the reason she will be given (e.g. her identity could not be checked)."""
    request = _locked(request)
    access.require_change(actor, request)
    _refuse_unless(request, *SAR.OPEN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason she will be told.")})
    request.status, request.refusal_reason = SAR.Status.REFUSED, reason
    request.save(update_fields=["status", "refusal_reason", "updated_at"])
    _record(actor, request, "refused")
    return request
