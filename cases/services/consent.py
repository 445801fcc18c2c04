"""Consent per purpose: processing, and sharing with a named agency, given and withdrawn."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from agencies import access, audit
from agencies.fastpath import saves
from agencies.models import Agency
from agencies.writes import acting_user, save_validated

from .. import locks, refusals
from ..models import Case, Consent, Person
from .persons import owner_of


def _consent_create(actor, person, purpose, agency, given_on) -> Consent:
    if given_on and given_on > timezone.localdate():
        raise ValidationError({"given_on": refusals.CONSENT_IN_FUTURE})
    if purpose == Consent.Purpose.SHARING and agency is None:
        raise ValidationError({"agency": refusals.SHARING_AGENCY_MISSING})
    if purpose != Consent.Purpose.SHARING:
        agency = None
    consent = Consent(person=person, purpose=purpose, agency=agency, given_on=given_on, recorded_by=acting_user(actor))
    save_validated(consent)
    audit.record(
        actor,
        "cases.consent.given",
        consent,
        {"purpose": purpose, "agency": consent.agency_id},
        agency=owner_of(person),
    )
    return consent


@access.grants_read_once
@transaction.atomic
def consent_give(
    *, actor, person: Person, purpose: str, given_on: datetime.date, agency: Agency | None = None
) -> Consent:
    """Record a person's consent for a purpose (sharing: with a named agency)."""
    access.require_change(actor, person)
    return _consent_create(actor, person, purpose, agency, given_on)


@access.grants_read_once
@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, withdrawn_on: datetime.date | None = None) -> Consent:
    """Withdraw a consent: from that day no new sharing, and referred agencies lose sight of the case."""
    consent = locks.consent(consent.pk)
    access.require_change(actor, consent)
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": refusals.WITHDRAWAL_IN_FUTURE})
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": refusals.CONSENT_ALREADY_WITHDRAWN})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": refusals.WITHDRAWAL_BEFORE_GIVEN})
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on", "updated_at"])
    audit.record(
        actor, "cases.consent.withdrawn", consent, {"purpose": consent.purpose}, agency=owner_of(consent.person)
    )
    return consent


def require_sharing_consent(case: Case, agency: Agency) -> None:
    """Refuse sharing `case` with `agency` unless the person's consent to share with it is current."""
    found = saves.values(
        "cases.sharing_consent",
        _sharing_consent_look,
        person=case.person_id,
        agency=agency.pk,
        on=timezone.localdate(),
    )
    if not found or not found[0]["current"]:
        raise ValidationError({"to_agency": refusals.NO_SHARING_CONSENT})


def _sharing_consent_look(*, person, agency, on):
    # Whether `person` has a current consent to share with `agency`, as one row (compiled once: agencies.fastpath).
    current = Consent.objects.current_sharing(person, agency, on=on)
    return Agency.objects.filter(pk=agency).order_by().values(current=Exists(current))
