"""The breach register (UU 27/2022 art. 46, issue 18 item 10): record an incident, find whose data it touched from
the access log, contain it, tell the subjects and the authority within 3 × 24 hours, close it.

Every change is one service here: one transaction, the row locked, the actor checked by the one access rule (only
a data-protection officer of the incident's jurisdiction changes it), and one audit row. The audit rows hold codes,
dates and counts, never the officer's free text (which may describe what leaked).

The subjects affected come from a saved query over the access log (actor, acting agency, actions, time window),
run over the trail of the incident office's jurisdiction. Which cases an event touched is the cases app's to say:
agencies cannot import it (DESIGN §3), so it plugs a source in here (`affected_source`), as it plugs its reminders
into agencies.notifications.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, audit, audit_labels, locks
from .incident_models import DataCategory, Incident
from .models import Agency, ApiClient, AuditEvent, Role, User
from .rulebook import Grant

# Who changes incidents; province staff of the jurisdiction read them (agencies.access_rules).
CHANGING_ROLES = (Role.DATA_PROTECTION_OFFICER,)
# How many case numbers a page and a letter list; the count is always whole.
NUMBERS_SHOWN = 500
# A detection time a little ahead of the server's clock is a clock's difference, not a mistake.
CLOCK_SKEW = datetime.timedelta(minutes=5)

CLOSED_REFUSAL = gettext_lazy("A closed incident cannot be changed.")
EDITABLE = ("title", "detected_at", "occurred_at", "description", "data_categories", "containment")


def _letter_label(code: str) -> str:
    return str(LETTERS.get(code, code))


def _category_label(code: str) -> str:
    return str(dict(DataCategory.choices).get(code, code))


# The letters: one to the people whose data it was, one to the authority (art. 46(1)).
LETTERS = {"subjects": gettext_lazy("to the subjects"), "authority": gettext_lazy("to the authority")}
# The trail shows the incident's codes in words.
audit_labels.VALUE_LABELS["agencies.Incident.query_actions"] = audit_labels.action_label
audit_labels.VALUE_LABELS["agencies.Incident.data_categories"] = _category_label
audit_labels.VALUE_LABELS["agencies.Incident.letter"] = _letter_label


# The seam: which subjects the events of a query touched


@dataclass
class Affected:
    """Whose data the events touched: subjects (people), their cases, and the cases' numbers (the first
    NUMBERS_SHOWN, in order). Never a name: a case number is what the trail and the emails name too."""

    subjects: int = 0
    cases: int = 0
    numbers: list[str] = field(default_factory=list)
    events: int = 0

    def __add__(self, other: Affected) -> Affected:
        numbers = sorted({*self.numbers, *other.numbers})[:NUMBERS_SHOWN]
        return Affected(self.subjects + other.subjects, self.cases + other.cases, numbers, self.events)


AffectedSource = Callable[[QuerySet, int], Affected]
_sources: list[AffectedSource] = []


def affected_source(fn: AffectedSource) -> AffectedSource:
    """Register `fn(events, limit) -> Affected`: the subjects a queryset of AuditEvents touched (cases.incidents)."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


# Selectors


def incidents_visible_to(actor) -> QuerySet[Incident]:
    """The incidents `actor` may read: their jurisdiction's, for its data-protection officers and province staff."""
    return access.visible_to(actor, Incident).select_related("agency__region")


def incident_get(actor, pk) -> Incident:
    """One incident `actor` may read; Http404 otherwise, whether or not it exists."""
    return access.get_visible(actor, Incident, pk=pk)


def trail_of(incident: Incident) -> QuerySet[AuditEvent]:
    """The access log as the incident office's data-protection officer reads it: its jurisdiction's events."""
    grant = Grant(Role.DATA_PROTECTION_OFFICER, incident.agency, may_write=False)
    scope = access.condition(AuditEvent, "see", (grant,))
    return AuditEvent.objects.none() if scope is None else AuditEvent.objects.filter(scope)


def query_events(incident: Incident) -> QuerySet[AuditEvent]:
    """The events the incident's saved query selects (none until it has a time window)."""
    if incident.query_from is None or incident.query_until is None:
        return AuditEvent.objects.none()
    events = trail_of(incident).filter(created_at__gte=incident.query_from, created_at__lt=incident.query_until)
    if incident.query_actor_user_id:
        events = events.filter(actor_user_id=incident.query_actor_user_id)
    if incident.query_actor_api_client_id:
        events = events.filter(actor_api_client_id=incident.query_actor_api_client_id)
    if incident.query_actor_agency_id:
        events = events.filter(actor_agency_id=incident.query_actor_agency_id)
    if incident.query_actions:
        events = events.filter(action__in=incident.query_actions)
    return events


def incident_affected(incident: Incident, *, limit: int = NUMBERS_SHOWN) -> Affected:
    """Run the saved query now: the subjects and cases its events touched, with the cases' numbers."""
    events = query_events(incident)
    found = Affected()
    for source in _sources:
        found = found + source(events, limit)
    found.events = events.count() if incident.query_from is not None else 0
    return found


def api_clients_for(incident_agency: Agency) -> QuerySet[ApiClient]:
    """The API clients a query may name: those of agencies in the incident office's jurisdiction, as its trail is."""
    grant = Grant(Role.DATA_PROTECTION_OFFICER, incident_agency, may_write=False)
    from .rulebook import jurisdiction

    return ApiClient.objects.filter(jurisdiction()(grant)).select_related("agency").order_by("agency__name", "name")


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every action of the trail by its label, grouped by the app it belongs to (for the query's checkboxes)."""
    from django.apps import apps

    groups: dict[str, list[tuple[str, str]]] = {}
    for code in audit_labels.ACTIONS:
        app = code.split(".", 1)[0]
        groups.setdefault(app, []).append((code, audit_labels.action_label(code)))
    return [(str(apps.get_app_config(app).verbose_name), choices) for app, choices in groups.items()]


# Services


def _changing_grant(actor, incident: Incident) -> Grant:
    grant = access.changing_grant(actor, incident, roles=CHANGING_ROLES)
    if grant is None:
        raise PermissionDenied(access.MAY_NOT_CHANGE)
    return grant


def _locked(actor, incident: Incident) -> tuple[Incident, Grant]:
    locked = locks.incident(incident.pk)
    grant = _changing_grant(actor, locked)
    if locked.status == Incident.Status.CLOSED:
        raise ValidationError({"status": CLOSED_REFUSAL})
    return locked, grant


def _not_future(errors: dict, name: str, value, now: datetime.datetime) -> None:
    if value is not None and value > now + CLOCK_SKEW:
        errors[name] = _("This time is still in the future.")


def _check_details(incident: Incident, now: datetime.datetime) -> None:
    errors: dict = {}
    if not (incident.title or "").strip():
        errors["title"] = _("Give the incident a short title.")
    if not (incident.description or "").strip():
        errors["description"] = _("Describe what happened and how the data was disclosed.")
    if incident.detected_at is None:
        errors["detected_at"] = _("Enter when the incident was detected.")
    _not_future(errors, "detected_at", incident.detected_at, now)
    _not_future(errors, "occurred_at", incident.occurred_at, now)
    if incident.occurred_at and incident.detected_at and incident.occurred_at > incident.detected_at:
        errors["occurred_at"] = _("It cannot have happened after it was detected.")
    categories = incident.data_categories
    if not isinstance(categories, list) or not categories:
        errors["data_categories"] = _("Choose at least one kind of personal data affected.")
    elif set(categories) - set(DataCategory.values):
        errors["data_categories"] = _("Choose the kinds of data from the list.")
    if errors:
        raise ValidationError(errors)


def _saved(incident: Incident, fields: list[str] | None = None) -> None:
    try:
        incident.full_clean(exclude=["recorded_by", "agency", "query_actor_user", "query_actor_api_client"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    incident.save(update_fields=None if fields is None else [*fields, "updated_at"])


@transaction.atomic
def incident_record(
    *,
    actor,
    agency: Agency,
    title: str,
    detected_at: datetime.datetime,
    description: str,
    data_categories: Iterable[str],
    occurred_at: datetime.datetime | None = None,
) -> Incident:
    """Record a new incident of `agency` (open; its 3 × 24 h clock runs from `detected_at`). Only a data-protection
    officer whose jurisdiction holds `agency`. Raises ValidationError naming the field, or PermissionDenied."""
    if access.acting_grant(actor, roles=CHANGING_ROLES) is None:
        raise PermissionDenied(_("Only a data-protection officer records incidents."))
    if agency is None:
        raise ValidationError({"agency": _("Choose the office responsible.")})
    incident = Incident(
        agency=agency,
        title=(title or "").strip(),
        detected_at=detected_at,
        occurred_at=occurred_at,
        description=(description or "").strip(),
        data_categories=sorted(set(data_categories or [])),
        recorded_by=actor,
    )
    _check_details(incident, timezone.now())
    _saved(incident)
    try:
        access.require_within_scope(actor, incident)
    except PermissionDenied:
        raise ValidationError({"agency": _("This office is outside your jurisdiction.")}) from None
    grant = _changing_grant(actor, incident)
    audit.record(
        actor,
        "agencies.incident.recorded",
        incident,
        {"data_categories": incident.data_categories, "detected_at": incident.detected_at.isoformat()},
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


@transaction.atomic
def incident_update(*, actor, incident: Incident, **changes) -> Incident:
    """Correct an incident's details (title, times, description, data affected, containment text)."""
    incident, grant = _locked(actor, incident)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This cannot be changed here.")})
    if "data_categories" in changes:
        changes["data_categories"] = sorted(set(changes["data_categories"] or []))
    changed = [name for name, value in changes.items() if getattr(incident, name) != value]
    if not changed:
        return incident
    for name in changed:
        setattr(incident, name, changes[name])
    _check_details(incident, timezone.now())
    _saved(incident, changed)
    audit.record(
        actor,
        "agencies.incident.updated",
        incident,
        {"fields": changed},
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


@transaction.atomic
def incident_query_save(
    *,
    actor,
    incident: Incident,
    query_from: datetime.datetime | None,
    query_until: datetime.datetime | None,
    actor_user: User | None = None,
    actor_username: str = "",
    actor_api_client: ApiClient | None = None,
    actor_agency: Agency | None = None,
    actions: Iterable[str] = (),
) -> Incident:
    """Save the query over the access log that finds the subjects affected, and count them now."""
    incident, grant = _locked(actor, incident)
    errors: dict = {}
    if actor_user is None and (actor_username or "").strip():
        actor_user = User.objects.filter(username__iexact=actor_username.strip()).first()
        if actor_user is None:
            errors["actor_username"] = _("There is no account with this sign-in name.")
    if query_from is None:
        errors["query_from"] = _("Enter the start of the time window.")
    if query_until is None:
        errors["query_until"] = _("Enter the end of the time window.")
    elif query_from is not None and query_until <= query_from:
        errors["query_until"] = _("The end of the time window must be after its start.")
    actions = sorted(set(actions or []))
    if set(actions) - set(audit_labels.ACTIONS):
        errors["actions"] = _("Choose the actions from the list.")
    if actor_api_client is not None and not api_clients_for(incident.agency).filter(pk=actor_api_client.pk).exists():
        errors["actor_api_client"] = _("This API client is outside the incident's jurisdiction.")
    if errors:
        raise ValidationError(errors)
    incident.query_from, incident.query_until = query_from, query_until
    incident.query_actor_user = actor_user
    incident.query_actor_api_client = actor_api_client
    incident.query_actor_agency = actor_agency
    incident.query_actions = actions
    found = incident_affected(incident)
    incident.affected_count, incident.affected_counted_at = found.cases, timezone.now()
    fields = [
        "query_from",
        "query_until",
        "query_actor_user",
        "query_actor_api_client",
        "query_actor_agency",
        "query_actions",
        "affected_count",
        "affected_counted_at",
    ]
    _saved(incident, fields)
    audit.record(
        actor,
        "agencies.incident.query_saved",
        incident,
        {
            "affected_count": found.cases,
            "query_actions": actions,
            "query_from": query_from.isoformat(),
            "query_until": query_until.isoformat(),
        },
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


@transaction.atomic
def incident_affected_recount(*, actor, incident: Incident) -> Incident:
    """Run the saved query again (new events may have come to light) and keep its count with the time."""
    incident, grant = _locked(actor, incident)
    if incident.query_from is None:
        raise ValidationError({"query_from": _("Save the query over the access log first.")})
    found = incident_affected(incident)
    before = incident.affected_count
    incident.affected_count, incident.affected_counted_at = found.cases, timezone.now()
    _saved(incident, ["affected_count", "affected_counted_at"])
    audit.record(
        actor,
        "agencies.incident.recounted",
        incident,
        {"changed": {"affected_count": [before, found.cases]}},
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


@transaction.atomic
def incident_contain(*, actor, incident: Incident, containment: str, contained_at: datetime.datetime) -> Incident:
    """Record the containment and recovery measures taken; an open incident becomes contained."""
    incident, grant = _locked(actor, incident)
    errors: dict = {}
    if not (containment or "").strip():
        errors["containment"] = _("Describe the measures taken to contain the incident and recover.")
    if contained_at is None:
        errors["contained_at"] = _("Enter when the incident was contained.")
    _not_future(errors, "contained_at", contained_at, timezone.now())
    if errors:
        raise ValidationError(errors)
    old = incident.status
    incident.containment, incident.contained_at = containment.strip(), contained_at
    if incident.status == Incident.Status.OPEN:
        incident.status = Incident.Status.CONTAINED
    _saved(incident, ["containment", "contained_at", "status"])
    audit.record(
        actor,
        "agencies.incident.contained",
        incident,
        {"changed": {"status": [old, incident.status]}, "contained_at": contained_at.isoformat()},
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


def _notified_if_both(incident: Incident) -> None:
    # Art. 46(1) asks for both; the clock (and its escalations) stops only when both have been told.
    if incident.subjects_notified_at and incident.authority_notified_at and incident.clock_running:
        incident.status = Incident.Status.NOTIFIED


@transaction.atomic
def incident_subjects_notify(*, actor, incident: Incident, notified_at: datetime.datetime, channel: str) -> Incident:
    """Record that the subjects were told in writing, when and how (art. 46(1)); with the authority also told, the
    incident is notified."""
    incident, grant = _locked(actor, incident)
    errors: dict = {}
    if notified_at is None:
        errors["notified_at"] = _("Enter when the subjects were notified.")
    _not_future(errors, "notified_at", notified_at, timezone.now())
    if not (channel or "").strip():
        errors["channel"] = _("Say how the subjects were notified (a letter handed over, a visit).")
    if errors:
        raise ValidationError(errors)
    old = incident.status
    incident.subjects_notified_at, incident.subjects_notice_channel = notified_at, channel.strip()
    _notified_if_both(incident)
    _saved(incident, ["subjects_notified_at", "subjects_notice_channel", "status"])
    audit.record(
        actor,
        "agencies.incident.subjects_notified",
        incident,
        {
            "changed": {"status": [old, incident.status]},
            "subjects_notified_at": notified_at.isoformat(),
            "late": notified_at > incident.deadline,
        },
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


@transaction.atomic
def incident_authority_notify(
    *, actor, incident: Incident, notified_at: datetime.datetime, reference: str = ""
) -> Incident:
    """Record that the authority was told in writing, when, and its reference; with the subjects also told, the
    incident is notified."""
    incident, grant = _locked(actor, incident)
    errors: dict = {}
    if notified_at is None:
        errors["notified_at"] = _("Enter when the authority was notified.")
    _not_future(errors, "notified_at", notified_at, timezone.now())
    if errors:
        raise ValidationError(errors)
    old = incident.status
    incident.authority_notified_at, incident.authority_reference = notified_at, (reference or "").strip()
    _notified_if_both(incident)
    _saved(incident, ["authority_notified_at", "authority_reference", "status"])
    audit.record(
        actor,
        "agencies.incident.authority_notified",
        incident,
        {
            "changed": {"status": [old, incident.status]},
            "authority_notified_at": notified_at.isoformat(),
            "late": notified_at > incident.deadline,
        },
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


@transaction.atomic
def incident_close(*, actor, incident: Incident, conclusion: str) -> Incident:
    """Close the incident with its conclusion (why it is done; for one never notified, why not)."""
    incident, grant = _locked(actor, incident)
    if not (conclusion or "").strip():
        raise ValidationError({"conclusion": _("Write the conclusion: what was found and why the incident is done.")})
    old = incident.status
    incident.status, incident.closed_at, incident.closing_note = (
        Incident.Status.CLOSED,
        timezone.now(),
        conclusion.strip(),
    )
    _saved(incident, ["status", "closed_at", "closing_note"])
    audit.record(
        actor,
        "agencies.incident.closed",
        incident,
        {
            "changed": {"status": [old, incident.status]},
            "notified": bool(incident.subjects_notified_at and incident.authority_notified_at),
        },
        agency=incident.agency,
        acting_for=grant.agency,
    )
    return incident


# The clock


ESCALATION_HOURS = (24, 48, 66)


def escalation_level(detected_at: datetime.datetime, now: datetime.datetime) -> int:
    """How many of the 24, 48 and 66 hour marks have passed since detection (0 to 3)."""
    passed = now - detected_at
    return sum(passed >= datetime.timedelta(hours=hours) for hours in ESCALATION_HOURS)


def hours_left(incident: Incident, now: datetime.datetime) -> int:
    """Whole hours until the deadline (negative once it has passed)."""
    seconds = (incident.deadline - now).total_seconds()
    return int(seconds // 3600)
