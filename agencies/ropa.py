"""The record of processing activities (RoPA, "Catatan Aktivitas Pemrosesan Data Pribadi", UU 27/2022 Article
31), generated from the data inventory (agencies.inventory): one chapter per processing activity with its purpose,
legal basis, subjects, categories of data, recipients, retention and safeguards.

It describes fields, never rows: nothing in it comes from the database. Recipients are read from the access rule
(agencies.rulebook): the roles that may read a model's rows, and the kinds of agency that hold each role.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import inventory, rulebook
from .inventory import Activity, Category, Declaration, LegalBasis, Specific, Subject
from .models import AGENCY_KINDS_OF_ROLE, API_CLIENT_ROLE_OF_KIND, Agency, Role
from .retention import RetentionClass, period_of

TITLE = gettext_lazy("Record of processing activities")
# Who may read the record: the data-protection officer keeps it, auditors check it.
READERS = frozenset({Role.DATA_PROTECTION_OFFICER, Role.AUDITOR})


@dataclass
class RecordData:
    """The personal data one kind of record holds for an activity: "Person: full name, NIK, …"."""

    record: str
    items: list[str] = field(default_factory=list)


@dataclass
class SpecificData:
    record: str
    item: str
    kinds: list[str]
    note: str = ""


@dataclass
class Chapter:
    code: str
    name: str
    purpose: str
    legal_basis: str
    legal_note: str
    subjects: list[str]
    general: list[RecordData]
    specific: list[SpecificData]
    recipients: list[str]
    recipients_note: str
    retention: list[str]
    measures: list[str]


@dataclass
class ProcessingRecord:
    title: str
    made_on: datetime.date
    controller: str
    officer: str
    chapters: list[Chapter]
    measures_everywhere: list[str]
    law: str


def roles_seeing(model: type[Model]) -> set[str]:
    """The roles the access rule lets read some rows of `model`: its own clauses, and those of the parent it
    follows (narrowed to the following rule's roles)."""
    try:
        rule = rulebook.rule_of(model)
    except ImproperlyConfigured:  # a model without a rule is read by nobody through it
        return set()
    roles = {role for role, clauses in rule.see.items() if clauses}
    if rule.follows is not None:
        inherited = roles_seeing(rule.follows.parent)
        if rule.follows.roles is not None:
            inherited &= set(rule.follows.roles)
        roles |= inherited
    return roles


def recipient_text(role: str) -> str:
    """A role as a recipient: "District staff at Regency/city social services (Dinsos)", and whether partner
    applications read in that role too."""
    kinds = [str(Agency.Kind(kind).label) for kind in Agency.Kind.values if kind in AGENCY_KINDS_OF_ROLE[role]]
    text = _("%(role)s at %(agencies)s") % {"role": Role(role).label, "agencies": "; ".join(kinds)}
    if role in API_CLIENT_ROLE_OF_KIND.values():
        text += " — " + _("also through their partner applications (API)")
    return text


def period_text(retention: str) -> str:
    period = period_of(retention)
    if period.years:
        return ngettext("%(count)d year", "%(count)d years", period.years) % {"count": period.years}
    return ngettext("%(count)d day", "%(count)d days", period.days) % {"count": period.days}


def _record_name(model: type[Model]) -> str:
    return capfirst(str(inventory.record_name(model)))


def _chapter(activity: Activity, declared: list[Declaration]) -> Chapter:
    general: dict[str, RecordData] = {}
    specific: list[SpecificData] = []
    models: list[type[Model]] = []
    for d in declared:
        if d.model not in models:
            models.append(d.model)
        record = _record_name(d.model)
        label = str(d.field_label())
        if d.category == Category.SPECIFIC:
            kinds = [str(Specific(kind).label) for kind in Specific.values if kind in d.specific]
            specific.append(SpecificData(record, label, kinds, str(d.note)))
        else:
            items = general.setdefault(record, RecordData(record)).items
            if label not in items:
                items.append(label)
    subjects = [str(Subject(s).label) for s in Subject.values if any(d.subject == s for d in declared)]
    seen_by = {model: roles_seeing(model) for model in models}
    recipients = []
    for role in Role.values:
        records = [_record_name(model) for model in models if role in seen_by[model]]
        if len(records) == len(models):
            recipients.append(recipient_text(role))
        elif records:
            recipients.append(f"{recipient_text(role)} — " + _("only: %(records)s") % {"records": ", ".join(records)})
    retention = [
        f"{RetentionClass(r).label} — {period_text(r)}"
        for r in RetentionClass.values
        if any(d.retention == r for d in declared)
    ]
    measures = inventory.measures()
    return Chapter(
        code=activity.code,
        name=str(activity.name),
        purpose=str(activity.purpose),
        legal_basis=str(LegalBasis(activity.legal_basis).label),
        legal_note=str(activity.legal_note),
        subjects=subjects,
        general=list(general.values()),
        specific=specific,
        recipients=recipients,
        recipients_note=str(activity.recipients_note),
        retention=retention,
        measures=[str(measures[code].text) for code in activity.measures],
    )


def processing_record(today: datetime.date | None = None) -> ProcessingRecord:
    """The RoPA in the active language, from the inventory as the code declares it now."""
    by_activity: dict[str, list[Declaration]] = {}
    for d in inventory.personal_declarations():
        by_activity.setdefault(d.activity.code, []).append(d)
    chapters = [_chapter(a, by_activity[a.code]) for a in inventory.activities() if a.code in by_activity]
    return ProcessingRecord(
        title=str(TITLE),
        made_on=today or timezone.localdate(),
        controller=_(
            "The Ministry of Social Affairs and the province and regency/city social-service offices (Dinas Sosial) "
            "that use this system, each for the cases and people of its own office."
        ),
        officer=_(
            "The data-protection officer of each office (the role of the same name in this system); the record is "
            "kept by them and checked by the auditors."
        ),
        chapters=chapters,
        measures_everywhere=[str(m.text) for m in inventory.measures().values() if m.everywhere],
        law=_(
            "Drawn up under Law 27 of 2022 on Personal Data Protection (UU PDP), Article 31. Specific personal data "
            "is that of Article 4(2); the history of commercial sex work is treated as specific as well. Generated "
            "from the data inventory in the system's code: it describes kinds of data, never a person."
        ),
    )
