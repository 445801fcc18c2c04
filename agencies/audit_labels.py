"""The audit trail in words its readers understand: each action code's label, and an event's data as labelled values.

Every code a service records has a label here (tests/agencies/test_audit_labels.py reads the source and fails on
a code without one). The codes of the apps to the right are plain strings, so `agencies` still imports none of
them; their models are reached through the app registry, by the event's target type.
"""

import datetime
import functools
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.functions import Cast
from django.utils import formats, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .templatetags.rupiah import rupiah

ACTIONS = {
    # agencies
    "agencies.agency.created": gettext_lazy("Agency added"),
    "agencies.agency.updated": gettext_lazy("Agency changed"),
    "agencies.membership.created": gettext_lazy("Membership given"),
    "agencies.membership.updated": gettext_lazy("Membership changed"),
    "agencies.api_client.created": gettext_lazy("API client issued"),
    "agencies.api_client.updated": gettext_lazy("API client changed"),
    "agencies.api_client.rotated": gettext_lazy("API client token replaced"),
    "agencies.api_client.revoked": gettext_lazy("API client revoked"),
    "agencies.notification.requeued": gettext_lazy("Email queued to be sent again"),
    "agencies.user.language_changed": gettext_lazy("Account language changed"),
    "agencies.user.activated": gettext_lazy("Account activated"),
    "agencies.user.deactivated": gettext_lazy("Account deactivated"),
    "agencies.user.session_ended": gettext_lazy("Own session ended"),
    "agencies.user.sessions_ended": gettext_lazy("Every session of the account ended"),
    "agencies.user.sign_in_failed": gettext_lazy("Sign-in failed"),
    "agencies.user.locked_out": gettext_lazy("Sign-in locked after failed attempts"),
    "agencies.user.lockout_lifted": gettext_lazy("Sign-in lockout lifted"),
    "agencies.user.two_factor_enrolled": gettext_lazy("Authenticator app set up"),
    "agencies.user.two_factor_reset": gettext_lazy("Second factor reset"),
    "agencies.user.recovery_codes_replaced": gettext_lazy("New recovery codes made"),
    "agencies.export.requested": gettext_lazy("Export requested"),
    "agencies.export.finished": gettext_lazy("Export ready"),
    "agencies.export.failed": gettext_lazy("Export failed"),
    "agencies.export.downloaded": gettext_lazy("Export downloaded"),
    "agencies.reply.replayed": gettext_lazy("Stored API reply sent again"),
    "agencies.figures.refresh_requested": gettext_lazy("Figures recomputed on request"),
    "agencies.monthly_snapshot.approved": gettext_lazy("Monthly figures approved"),
    "agencies.retention.requested": gettext_lazy("Retention job run on request"),
    "agencies.retention.ran": gettext_lazy("Retention job ran"),
    "agencies.export.deleted_by_retention": gettext_lazy("Export file deleted: it named a pseudonymized person"),
    "agencies.incident.recorded": gettext_lazy("Personal data incident recorded"),
    "agencies.incident.updated": gettext_lazy("Personal data incident corrected"),
    "agencies.incident.query_saved": gettext_lazy("Incident's search of the access log saved"),
    "agencies.incident.recounted": gettext_lazy("Incident's affected cases counted again"),
    "agencies.incident.contained": gettext_lazy("Incident contained"),
    "agencies.incident.subjects_notified": gettext_lazy("Subjects notified of the incident"),
    "agencies.incident.authority_notified": gettext_lazy("Authority notified of the incident"),
    "agencies.incident.closed": gettext_lazy("Incident closed"),
    "agencies.incident.letter_viewed": gettext_lazy("Incident notice letter opened"),
    # cases
    "cases.site.created": gettext_lazy("Site added"),
    "cases.site.updated": gettext_lazy("Site changed"),
    "cases.site_count.recorded": gettext_lazy("Site count recorded"),
    "cases.case.registered": gettext_lazy("Case registered"),
    "cases.case.registered_in_bulk": gettext_lazy("Cases registered from an intake sheet"),
    "cases.case.viewed": gettext_lazy("Case viewed"),
    "cases.case.listed": gettext_lazy("Case list viewed"),
    "cases.case.read_by_api": gettext_lazy("Case read through the API"),
    "cases.case.stage_changed": gettext_lazy("Case stage changed"),
    "cases.case.assigned": gettext_lazy("Caseworker assigned"),
    "cases.case.transferred": gettext_lazy("Case transferred"),
    "cases.case_note.added": gettext_lazy("Case note added"),
    "cases.assessment.recorded": gettext_lazy("Assessment recorded"),
    "cases.assessment.updated": gettext_lazy("Assessment corrected"),
    "cases.person.viewed": gettext_lazy("Personal data viewed"),
    "cases.person.updated": gettext_lazy("Personal data changed"),
    "cases.person.nik_revealed": gettext_lazy("NIK shown in full"),
    "cases.person.merged": gettext_lazy("Duplicate persons merged"),
    "cases.possible_duplicate.dismissed": gettext_lazy("Possible duplicate dismissed"),
    "cases.person.pseudonymized": gettext_lazy("Personal data pseudonymized (retention)"),
    "cases.legal_hold.placed": gettext_lazy("Legal hold placed"),
    "cases.legal_hold.lifted": gettext_lazy("Legal hold lifted"),
    "cases.possible_duplicate.listed": gettext_lazy("Possible duplicates listed"),
    "cases.consent.given": gettext_lazy("Consent recorded"),
    "cases.consent.withdrawn": gettext_lazy("Consent withdrawn"),
    "cases.referral.created": gettext_lazy("Referral made"),
    "cases.referral.accepted": gettext_lazy("Referral accepted"),
    "cases.referral.declined": gettext_lazy("Referral declined"),
    "cases.referral.completed": gettext_lazy("Referral completed"),
    "cases.referral.withdrawn": gettext_lazy("Referral withdrawn"),
    "cases.subject_access_request.recorded": gettext_lazy("Subject-access request recorded"),
    "cases.subject_access_request.identity_checked": gettext_lazy("Requester's identity checked"),
    "cases.subject_access_request.bundle_prepared": gettext_lazy("Subject-access bundle prepared"),
    "cases.subject_access_request.downloaded": gettext_lazy("Subject-access bundle downloaded"),
    "cases.subject_access_request.delivered": gettext_lazy("Subject-access bundle delivered to her"),
    "cases.subject_access_request.refused": gettext_lazy("Subject-access request refused"),
    "cases.correction_request.recorded": gettext_lazy("Correction request recorded"),
    "cases.correction_request.viewed": gettext_lazy("Correction request viewed"),
    "cases.correction_request.applied": gettext_lazy("Correction request approved and applied"),
    "cases.correction_request.rejected": gettext_lazy("Correction request rejected"),
    "cases.case.corrected": gettext_lazy("Case corrected on request"),
    "cases.person.restricted": gettext_lazy("Processing restricted"),
    "cases.person.restriction_lifted": gettext_lazy("Restriction of processing lifted"),
    # programs
    "programs.program.created": gettext_lazy("Program added"),
    "programs.program.updated": gettext_lazy("Program changed"),
    "programs.batch.created": gettext_lazy("Batch added"),
    "programs.batch.updated": gettext_lazy("Batch changed"),
    "programs.batch.status_changed": gettext_lazy("Batch status changed"),
    "programs.batch.completed": gettext_lazy("Batch completed"),
    "programs.session.created": gettext_lazy("Session added"),
    "programs.enrollment.created": gettext_lazy("Participant enrolled"),
    "programs.enrollment.withdrawn": gettext_lazy("Participant withdrawn"),
    "programs.enrollment.promoted": gettext_lazy("Participant moved up from the waiting list"),
    "programs.enrollment.read_by_api": gettext_lazy("Enrollment read through the API"),
    "programs.attendance.recorded": gettext_lazy("Attendance recorded"),
    "programs.follow_up.recorded": gettext_lazy("Follow-up visit recorded"),
    "programs.follow_up.updated": gettext_lazy("Follow-up visit corrected"),
    # funding
    "funding.funding_source.created": gettext_lazy("Funding source added"),
    "funding.allocation.created": gettext_lazy("Allocation added"),
    "funding.allocation.updated": gettext_lazy("Allocation changed"),
    "funding.benefit.added": gettext_lazy("Benefit added"),
    "funding.entitlement.created": gettext_lazy("Entitlement granted"),
    "funding.entitlement.cancelled": gettext_lazy("Entitlement cancelled"),
    "funding.disbursement.requested": gettext_lazy("Disbursement requested"),
    "funding.disbursement.approved": gettext_lazy("Disbursement approved"),
    "funding.disbursement.rejected": gettext_lazy("Disbursement rejected"),
    "funding.disbursement.paid": gettext_lazy("Disbursement paid"),
    "funding.disbursement.reversed": gettext_lazy("Disbursement reversed"),
    "funding.disbursement.receipt_viewed": gettext_lazy("Receipt printed"),
    "funding.realization.exported": gettext_lazy("Budget realization exported"),
}

# The keys of events' data that are not simply a field of the target's model.
DATA_KEYS = {
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "changed": gettext_lazy("changed"),
    "fields": gettext_lazy("fields changed"),
    "count": gettext_lazy("rows shown"),
    "with_reason": gettext_lazy("with a recorded reason"),
    "from_agency": gettext_lazy("from agency"),
    "to_agency": gettext_lazy("to agency"),
    "old_key_id": gettext_lazy("old key"),
    "key_id": gettext_lazy("key"),
    "merged": gettext_lazy("person merged in"),
    "cases_moved": gettext_lazy("cases moved"),
    "cases": gettext_lazy("cases"),
    "nik_given": gettext_lazy("with a NIK"),
    "nik_warnings": gettext_lazy("NIK warnings"),
    "processing_consents": gettext_lazy("processing consents"),
    "present": gettext_lazy("present"),
    "absent": gettext_lazy("absent"),
    "completed": gettext_lazy("completed"),
    "not_completed": gettext_lazy("not completed"),
    "follow_ups_created": gettext_lazy("follow-ups planned"),
    "released": gettext_lazy("released"),
    "amount": gettext_lazy("amount"),
    "total": gettext_lazy("total"),
    "ceiling": gettext_lazy("ceiling"),
    "by": gettext_lazy("grouped by"),
    "format": gettext_lazy("file format"),
    "rows": gettext_lazy("rows"),
    "replayed": gettext_lazy("a stored reply sent again"),
    "sessions": gettext_lazy("sessions ended"),
    "current": gettext_lazy("the session in use"),
    "late": gettext_lazy("after the 3 × 24 hour deadline"),
    "notified": gettext_lazy("subjects and authority notified"),
    "letter": gettext_lazy("letter"),
    "code_step": gettext_lazy("at the code step"),
    "address": gettext_lazy("address"),
    "minutes": gettext_lazy("minutes locked"),
    "devices": gettext_lazy("devices removed"),
    "no_such_account": gettext_lazy("no such account"),
    "found_by": gettext_lazy("found by"),
    "trail_rows": gettext_lazy("trail rows"),
    "exclusions": gettext_lazy("left out"),
    "correction_request": gettext_lazy("correction request"),
}
# Whole Rupiah, shown as money.
MONEY_KEYS = {"amount", "total", "ceiling", "released", "committed", "paid"}
# Labels of values a model field holds without choices, by "app_label.Model.field" (agencies.notifications adds the
# kinds of email, which other apps register at start-up).
VALUE_LABELS: dict[str, Callable[[str], str]] = {}


def action_label(code: str) -> str:
    """The action's label; a code recorded before it had one shows as itself rather than as nothing."""
    return _action_label(code, translation.get_language())


@functools.lru_cache(maxsize=1024)
def _action_label(code: str, language: str | None) -> str:
    # Translated once per code and language: a page of the trail names a handful of actions a hundred times.
    return str(ACTIONS.get(code, code))


def target_label(model: type[models.Model] | None, target_id: str, number: str = "", owner: str = "") -> str:
    """`Kasus 33.03-2026-00008` by the number people know it by; `Rujukan #12 (Kasus 33.03-2026-00008)` for a row
    that belongs to a numbered one (`owner`); `Pemantauan #12` otherwise; the model's plural for an event about a
    list (`Kasus` for the case list)."""
    if model is None:
        return target_id
    name = str(model._meta.verbose_name).capitalize()
    if not target_id:
        return str(model._meta.verbose_name_plural).capitalize()
    if number and not owner:
        return f"{name} {number}"
    return f"{name} #{target_id} ({owner} {number})" if number else f"{name} #{target_id}"


# Numbered rows: a model with a unique `number` (a case's 33.03-2026-00008) is known to people by it, not by its
# id; so are the rows that belong to one (its referrals, notes, enrollments) and its person.


def _is_numbered(model) -> bool:
    field = _field(model, "number")
    return field is not None and field.unique


@functools.cache
def _number_of(model) -> tuple[str, type[models.Model]] | None:
    """The lookup from a row of `model` to the number it is known by, and the numbered model it comes from (models
    do not change while the process runs: worked out once per model)."""
    if _is_numbered(model):
        return "number", model
    for field in model._meta.concrete_fields:
        if field.many_to_one and _is_numbered(field.related_model):
            return f"{field.name}__number", field.related_model
    for numbered in numbered_models():
        for name in _person_of(numbered):
            field = numbered._meta.get_field(name)
            if field.related_model is model:
                return f"{field.related_query_name()}__number", numbered
    return None


def _model_of(event) -> type[models.Model] | None:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_id(event.target_type_id).model_class()  # kept per process, no join


def name_targets(events) -> None:
    """Give each event its `target_name` (see `target_label`): one query for the whole page, whatever it holds."""
    wanted: dict = {}
    models_of = {event.target_type_id: _model_of(event) for event in events}
    for event in events:
        model = models_of[event.target_type_id]
        if event.target_id and model is not None:
            wanted.setdefault(model, set()).add(event.target_id)
    owners: dict = {}
    lookups = []
    for model, ids in wanted.items():
        found = _number_of(model)
        if found is None:
            continue
        lookup, numbered = found
        owners[model] = "" if numbered is model else str(numbered._meta.verbose_name).capitalize()
        pks = [model._meta.pk.to_python(pk) for pk in ids if str(pk).isdigit()]
        # The events are already the reader's; the number is what their list names, not the row's content.
        lookups.append(
            model._base_manager.filter(pk__in=pks)
            .order_by()
            .annotate(
                trail_kind=models.Value(len(lookups)),
                trail_row=Cast("pk", models.CharField()),
                trail_number=models.F(lookup),
            )
            .values_list("trail_kind", "trail_row", "trail_number")
        )
    numbers: dict = {}
    if lookups:
        kinds = [model for model in wanted if model in owners]
        for kind, pk, number in lookups[0].union(*lookups[1:], all=True):
            if number:
                numbers.setdefault((kinds[kind], pk), set()).add(number)
    labels: dict = {}  # each (model, id, number) named once: a page names a list or a case many times
    for event in events:
        model = models_of[event.target_type_id]
        number = ", ".join(sorted(numbers.get((model, event.target_id), ())))
        key = (model, event.target_id, number)
        if key not in labels:
            labels[key] = target_label(model, event.target_id, number, owners.get(model, ""))
        event.target_name = labels[key]


@functools.cache
def numbered_models() -> tuple[type[models.Model], ...]:
    from django.apps import apps

    return tuple(model for model in apps.get_models() if _is_numbered(model))


def events_about_number(models_with_numbers, number: str) -> models.Q | None:
    """The events about the row numbered `number` (a case), its person and the rows that belong to it (its
    referrals, enrollments, notes...; an event about a note names its case in its data too); None when no row has
    that number.

    The condition names each (target type, target ids) pair outright, so the trail finds them on its target index
    (auditevent_target) whatever the size of the log: a subquery inside an OR would be checked row by row. The
    owned rows are read first, in one statement for all their kinds."""
    from django.contrib.contenttypes.models import ContentType

    about = models.Q()
    found = False
    for model in models_with_numbers:
        row = model._base_manager.filter(number=number.strip()).values("pk", *_person_of(model)).first()
        if row is None:
            continue
        found = True
        about |= models.Q(target_type=ContentType.objects.get_for_model(model), target_id=str(row["pk"]))
        relations = [
            r for r in model._meta.related_objects if (r.one_to_many or r.one_to_one) and r.related_model is not model
        ]
        owned = [
            r.related_model._base_manager.filter(**{r.field.name: row["pk"]})
            .order_by()
            .annotate(trail_kind=models.Value(n), trail_row=Cast("pk", models.CharField()))
            .values_list("trail_kind", "trail_row")
            for n, r in enumerate(relations)
        ]
        ids: dict = {}
        if owned:
            for kind, pk in owned[0].union(*owned[1:], all=True):
                ids.setdefault(relations[kind].related_model, []).append(pk)
        for kind, pks in ids.items():
            about |= models.Q(target_type=ContentType.objects.get_for_model(kind), target_id__in=pks)
        for name in _person_of(model):
            person = model._meta.get_field(name).related_model
            about |= models.Q(target_type=ContentType.objects.get_for_model(person), target_id=str(row[name]))
    return about if found else None


def _person_of(model) -> tuple[str, ...]:
    # Reads of a case's person (their personal data) belong to the case's trail.
    field = _field(model, "person")
    return ("person",) if field is not None and field.many_to_one else ()


def details(action: str, model: type[models.Model] | None, data: dict) -> list[tuple[str, str]]:
    """An event's data as (label, value) lines: field names as the model calls them, codes as their labels."""
    # "cases.case.stage_changed" moves the case's `stage` from one value to another: label both by that field.
    moved = action.rsplit(".", 1)[-1].removesuffix("_changed")
    lines = []
    # A stored event's keys come back in the database's order (jsonb sorts "to" before "from"): "from" reads first.
    for key, value in sorted((data or {}).items(), key=lambda item: item[0] != "from"):
        if key == "changed" and isinstance(value, dict):
            lines += [(_label(model, name), _change(model, name, pair)) for name, pair in value.items()]
        elif key == "fields" and isinstance(value, list):
            lines.append((str(DATA_KEYS["fields"]), ", ".join(_label(model, name) for name in value)))
        elif key in ("from", "to") and _field(model, moved) is not None:
            lines.append((str(DATA_KEYS[key]), _value(model, moved, value)))
        else:
            lines.append((_label(model, key), _value(model, key, value)))
    return lines


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(model, name: str) -> str:
    verbose_name = getattr(_field(model, name), "verbose_name", None)
    if verbose_name is not None:
        return str(verbose_name)
    return str(DATA_KEYS.get(name, name))


def _change(model, name: str, pair) -> str:
    if isinstance(pair, list | tuple) and len(pair) == 2:
        return f"{_value(model, name, pair[0])} → {_value(model, name, pair[1])}"
    return _value(model, name, pair)


def _value(model, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_value(model, name, item) for item in value)
    if name in MONEY_KEYS and isinstance(value, int):
        return rupiah(value)
    if name == "format" and isinstance(value, str):
        return value.upper()  # an export's file format: CSV, XLSX
    labeller = VALUE_LABELS.get(f"{model._meta.label}.{name}") if model is not None else None
    if labeller is not None:
        return labeller(value)
    field = _field(model, name)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return formats.date_format(day) if day else value
    if isinstance(value, int | float | datetime.date):
        return formats.localize(value)
    return str(value)
