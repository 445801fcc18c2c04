"""The data inventory (UU 27/2022, issue 18): every field of every model of our apps says whether it holds personal
data and, if it does, whose, of which category (general, or specific under Article 4(2)), for which processing
activity (its purpose and legal basis) and for how long (agencies.retention).

Apps to the right plug in through this seam, as they plug in their indicators and reminders: each app's
`inventory.py` (imported by agencies' AppConfig.ready) defines its processing activities with `activity(...)` and
declares each of its models with `record(model, ...)`, naming every field once: as general or specific personal
data of the record's subjects, as staff data (who recorded it), or as not personal. tests/agencies/test_inventory.py
fails when a model of our apps gains a field nobody declared, or a declaration names a field that is gone.

The record of processing activities (agencies.ropa) is generated from what is declared here; it describes fields,
never rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .retention import RetentionClass

# The apps whose models the inventory covers (and whose every field it must declare). The User model lives in agencies.
OUR_APPS = ("agencies", "cases", "programs", "funding")


class Category(models.TextChoices):
    """UU 27/2022 Article 4: general personal data, or specific personal data (Article 4(2))."""

    GENERAL = "general", _("General personal data")
    SPECIFIC = "specific", _("Specific personal data")


class Specific(models.TextChoices):
    """What makes a field specific personal data (UU 27/2022 Article 4(2)); sex-work history is treated as specific
    (DESIGN §6): it exposes the person to the same harm as the kinds the law names."""

    HEALTH = "health", _("health data and information")
    CRIMINAL_RECORD = "criminal_record", _("criminal records")
    CHILDREN = "children", _("children's data")
    FINANCIAL = "financial", _("personal financial data")
    SEX_WORK_HISTORY = "sex_work_history", _("history of commercial sex work")


class Subject(models.TextChoices):
    """Whose data a field holds."""

    CLIENT = "client", _("People receiving rehabilitation services (including children)")
    STAFF = "staff", _("Staff and volunteers of the agencies using the system")
    TRAINER = "trainer", _("Trainers and speakers delivering sessions")


class LegalBasis(models.TextChoices):
    """UU 27/2022 Article 20(2): the grounds for processing personal data."""

    CONSENT = "consent", _("Explicit consent of the data subject (Article 20(2)(a))")
    CONTRACT = "contract", _("Performance of an agreement with the data subject (Article 20(2)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation of the controller (Article 20(2)(c))")
    VITAL_INTEREST = "vital_interest", _("Vital interests of the data subject (Article 20(2)(d))")
    PUBLIC_TASK = (
        "public_task",
        _("Public service and the exercise of the controller's authority under the law (Article 20(2)(e))"),
    )
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interests (Article 20(2)(f))")


@dataclass(frozen=True)
class SecurityMeasure:
    """A safeguard the system applies (UU 27/2022 Articles 35-39); `everywhere` ones are listed once for all."""

    code: str
    text: Promise | str
    everywhere: bool = False


@dataclass(frozen=True)
class Activity:
    """One processing activity of the record of processing (a chapter of the RoPA)."""

    code: str  # "cases.case_management": app, then the activity
    name: Promise | str
    purpose: Promise | str
    legal_basis: str  # LegalBasis
    order: int = 100  # the chapter's place in the RoPA: the work with people first, bookkeeping last
    # Safeguards of this activity beyond those that hold everywhere (codes of registered SecurityMeasures).
    measures: tuple[str, ...] = ()
    # Who receives the data besides the roles the access rule lets read it (e.g. "the person herself").
    recipients_note: Promise | str = ""
    # Where the law says why this processing is needed (in words).
    legal_note: Promise | str = ""


@dataclass(frozen=True)
class Declaration:
    """One field's entry: not personal (`category` empty), or personal data of `subject` of `category`."""

    model: type[models.Model]
    field: str
    category: str = ""  # Category, or "" for a field that holds no personal data
    specific: frozenset[str] = frozenset()  # Specific kinds, for a specific field
    subject: str = ""  # Subject
    activity: Activity | None = None
    retention: str = ""  # RetentionClass
    # The field's name in the RoPA, where its verbose_name is not a translatable one (a hash, a generated key).
    label: Promise | str = ""
    # Why a field whose name sounds personal is not, or what a personal field holds that its name does not say.
    note: Promise | str = ""

    @property
    def personal(self) -> bool:
        return bool(self.category)

    @property
    def purpose(self) -> Promise | str:
        return self.activity.purpose if self.activity else ""

    @property
    def legal_basis(self) -> str:
        return self.activity.legal_basis if self.activity else ""

    @property
    def key(self) -> tuple[str, str]:
        return self.model._meta.label, self.field

    def field_label(self) -> Promise | str:
        return self.label or self.model._meta.get_field(self.field).verbose_name


_activities: dict[str, Activity] = {}
# A record's name in the RoPA where its model's verbose_name is not a translatable one.
_record_names: dict[str, Promise | str] = {}
_measures: dict[str, SecurityMeasure] = {}
_declarations: dict[tuple[str, str], Declaration] = {}


def activity(code: str, **attributes) -> Activity:
    """Register a processing activity; registering the same code twice is a mistake, unless it is the same one."""
    made = Activity(code=code, **attributes)
    known = _activities.get(code)
    if known is not None and known != made:
        raise ImproperlyConfigured(f"The processing activity {code} is registered twice.")
    if made.legal_basis not in LegalBasis.values:
        raise ImproperlyConfigured(f"{code}: unknown legal basis {made.legal_basis!r}")
    _activities[code] = made
    return made


def security_measure(code: str, text: Promise | str, *, everywhere: bool = False) -> SecurityMeasure:
    """Register a safeguard, by code; an activity names the ones it applies, or it holds `everywhere`."""
    made = SecurityMeasure(code=code, text=text, everywhere=everywhere)
    known = _measures.get(code)
    if known is not None and known != made:
        raise ImproperlyConfigured(f"The security measure {code} is registered twice.")
    _measures[code] = made
    return made


def declare(
    model: type[models.Model],
    field_name: str,
    *,
    category: str = "",
    specific: Iterable[str] = (),
    subject: str = "",
    activity: Activity | None = None,
    retention: str = "",
    label: Promise | str = "",
    note: Promise | str = "",
) -> Declaration:
    """Declare one field: with no `category`, a field holding no personal data; else its category, subject,
    activity (purpose and legal basis) and retention class, all required."""
    specific = frozenset(specific)
    if category and (not subject or activity is None or not retention):
        raise ImproperlyConfigured(
            f"{model._meta.label}.{field_name}: a personal field needs its subject, activity and retention"
        )
    if category == Category.SPECIFIC and not specific:
        raise ImproperlyConfigured(f"{model._meta.label}.{field_name}: say what makes it specific")
    if category != Category.SPECIFIC and specific:
        raise ImproperlyConfigured(f"{model._meta.label}.{field_name}: only specific data names specific kinds")
    unknown = specific - set(Specific.values)
    if category not in ("", *Category.values) or unknown or retention not in ("", *RetentionClass.values):
        raise ImproperlyConfigured(f"{model._meta.label}.{field_name}: unknown category, kind or retention")
    if activity is not None and activity.code not in _activities:
        raise ImproperlyConfigured(f"{model._meta.label}.{field_name}: register the activity {activity.code} first")
    made = Declaration(model, field_name, category, specific, subject, activity, retention, label, note)
    known = _declarations.get(made.key)
    if known is not None and known != made:
        raise ImproperlyConfigured(f"{model._meta.label}.{field_name} is declared twice.")
    _declarations[made.key] = made
    return made


def record(
    model: type[models.Model],
    *,
    activity: Activity,
    retention: str,
    subject: str = Subject.CLIENT,
    general: Iterable[str] = (),
    specific: Mapping[str, Iterable[str]] | None = None,
    staff: Iterable[str] = (),
    not_personal: Iterable[str] = (),
    labels: Mapping[str, Promise | str] | None = None,
    notes: Mapping[str, Promise | str] | None = None,
    name: Promise | str = "",
) -> None:
    """Declare every field of `model` at once: `general` and `specific` ({field: kinds}) personal data of
    `subject`, `staff` (general data of the staff who recorded or decided something: a `recorded_by`), and the
    fields holding `not_personal` data; all under `activity` and `retention`. `name`: the record's name in the RoPA
    when the model's verbose_name is not translatable."""
    labels, notes = dict(labels or {}), dict(notes or {})
    if name:
        _record_names[model._meta.label] = name

    def one(name, **how):
        declare(model, name, label=labels.get(name, ""), note=notes.get(name, ""), **how)

    personal = {"activity": activity, "retention": retention}
    for name in general:
        one(name, category=Category.GENERAL, subject=subject, **personal)
    for name, kinds in (specific or {}).items():
        one(name, category=Category.SPECIFIC, specific=kinds, subject=subject, **personal)
    for name in staff:
        one(name, category=Category.GENERAL, subject=Subject.STAFF, **personal)
    for name in not_personal:
        one(name)


def not_personal(model: type[models.Model], *field_names: str) -> None:
    """Declare fields that hold no personal data (a reference table's code, a budget's ceiling)."""
    for name in field_names:
        declare(model, name)


# Reading the inventory.


def covered_models() -> list[type[models.Model]]:
    """Every concrete model of our apps: each of their fields must be declared."""
    return [
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.abstract and not model._meta.proxy
    ]


def fields_of(model: type[models.Model]) -> list[str]:
    """The fields a model stores (columns and many-to-many), by name; a plain auto-numbered `id` is not personal by
    itself (a surrogate number that names nobody), so it needs no declaration."""
    return [
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and not (f.primary_key and isinstance(f, models.AutoField))
    ]


def undeclared() -> list[str]:
    """ "app.Model.field" of every stored field of our models that the inventory does not declare."""
    return [
        f"{model._meta.label}.{name}"
        for model in covered_models()
        for name in fields_of(model)
        if (model._meta.label, name) not in _declarations
    ]


def stale() -> list[str]:
    """Declarations naming a field (or model) that no longer exists."""
    present = {(model._meta.label, name) for model in covered_models() for name in fields_of(model)}
    return [f"{label}.{name}" for label, name in _declarations if (label, name) not in present]


def record_name(model: type[models.Model]) -> Promise | str:
    """What the RoPA calls a kind of record: its `record(name=…)`, else its model's verbose name."""
    return _record_names.get(model._meta.label) or model._meta.verbose_name


def declarations() -> list[Declaration]:
    return list(_declarations.values())


def personal_declarations() -> list[Declaration]:
    return [d for d in _declarations.values() if d.personal]


def declaration(model: type[models.Model], field_name: str) -> Declaration:
    return _declarations[(model._meta.label, field_name)]


def activities() -> list[Activity]:
    """Every registered activity, in the RoPA's order."""
    return sorted(_activities.values(), key=lambda a: (a.order, a.code))


def measures() -> dict[str, SecurityMeasure]:
    return dict(_measures)


# The safeguards that hold for every activity (those of one activity are registered by its app).
security_measure(
    "access_rule",
    _(
        "Each person sees only the rows their role and office allow, decided in one access rule; a row out of "
        "scope is answered as not found."
    ),
    everywhere=True,
)
security_measure(
    "audit_trail",
    _(
        "Every read of a person's data, every change and every export is written to an append-only audit trail "
        "that the database refuses to change."
    ),
    everywhere=True,
)
security_measure(
    "no_personal_data_in_logs",
    _("No name, NIK, phone number or address in server logs, error reports, web addresses or emails."),
    everywhere=True,
)
security_measure(
    "encrypted_transport",
    _("In production, session and CSRF cookies travel only over HTTPS."),
    everywhere=True,
)
