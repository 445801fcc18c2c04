"""The data inventory of persons, cases and what hangs off them (agencies.inventory, UU 27/2022)."""

from django.utils.translation import gettext_lazy as _

from agencies.inventory import LegalBasis, Specific, activity, not_personal, record, security_measure
from agencies.own_inventory import DATA_PROTECTION
from agencies.retention import RetentionClass as R

from .models import (
    Assessment,
    Case,
    CaseNote,
    CaseNumberSequence,
    Consent,
    CorrectionRequest,
    LegalHold,
    Person,
    PossibleDuplicate,
    Referral,
    Restriction,
    Site,
    SiteCount,
    StageChange,
    SubjectAccessRequest,
    TargetGroup,
    Transfer,
)

security_measure(
    "nik_encrypted",
    _(
        "NIK and phone number are encrypted at rest; the NIK is found only by exact match through a keyed hash, "
        "shown masked, and each reveal in full is recorded."
    ),
)
security_measure("names_not_in_addresses", _("Searches by name or NIK are sent by POST, never put in a web address."))
security_measure(
    "consent_checked",
    _(
        "Another agency sees a referred case only while the person's consent to share with that agency holds; "
        "withdrawing it closes the view at once."
    ),
)
security_measure(
    "duplicates_without_details",
    _("A NIK already registered elsewhere is refused without showing the other office's data."),
)

CASE_MANAGEMENT = activity(
    "cases.case_management",
    name=_("Registration and handling of social rehabilitation cases"),
    purpose=_(
        "Register the people who want to leave commercial sex work or another vulnerable situation, assess their "
        "needs, plan and record the intervention until the case is closed, and keep one record per person."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    legal_note=_(
        "UU 11/2009 on Social Welfare; Permensos 7/2021 on Social Rehabilitation Assistance (ATENSI). Processing "
        "itself is recorded with the person's consent."
    ),
    order=10,
    measures=("nik_encrypted", "names_not_in_addresses", "duplicates_without_details"),
    recipients_note=_("The person herself, through a subject-access request."),
)
REFERRAL = activity(
    "cases.consent_and_referral",
    name=_("Consent, referrals and sharing with other agencies"),
    purpose=_(
        "Record the person's consent per purpose and agency, refer her to another agency (health check, BPJS "
        "enrolment, repatriation, NGO mentoring) and open her case to the agency that accepts."
    ),
    legal_basis=LegalBasis.CONSENT,
    order=20,
    measures=("consent_checked",),
)
SITE_MONITORING = activity(
    "cases.site_monitoring",
    name=_("Monitoring of sites"),
    purpose=_(
        "Count the people present at each site over time, without names, to plan outreach; the count records who "
        "made it."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=50,
)

# What a free text written by staff may hold: anything they were told.
FREE_TEXT = (Specific.HEALTH, Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD)
FREE_TEXT_NOTE = _("Free text: may hold anything the person told staff.")
# The PMKS target groups name sex work, former prisoners and trafficking victims.
TARGET_GROUP = (Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD)

record(
    Person,
    activity=CASE_MANAGEMENT,
    retention=R.CASE_RECORD,
    general=(
        "full_name",
        "known_as",
        "name_key",
        "nik",
        "nik_hash",
        "birth_date",
        "birth_year",
        "sex",
        "phone",
        "home_region",
        "address",
        "merged_into",
        "pseudonymized_at",
        "created_at",
        "updated_at",
    ),
    specific={"target_groups": TARGET_GROUP, "current_site": (Specific.SEX_WORK_HISTORY,)},
    labels={"name_key": _("name search key"), "nik_hash": _("keyed hash of the NIK")},
    notes={
        "birth_date": _("Shows whether the person is a child, whose data is specific throughout."),
        "current_site": _("A lokalisasi or entertainment venue."),
    },
)
record(
    Case,
    activity=CASE_MANAGEMENT,
    retention=R.CASE_RECORD,
    general=(
        "number",
        "external_id",
        "person",
        "owner",
        "registered_by",
        "stage",
        "stage_changed_at",
        "close_reason",
        "created_at",
        "updated_at",
    ),
    specific={"target_group": TARGET_GROUP, "site": (Specific.SEX_WORK_HISTORY,)},
    staff=("caseworker",),
)
record(
    StageChange,
    activity=CASE_MANAGEMENT,
    retention=R.CASE_RECORD,
    general=("case", "from_stage", "to_stage", "changed_at"),
    specific={"reason": FREE_TEXT},
    staff=("changed_by",),
    notes={"reason": FREE_TEXT_NOTE},
)
record(
    Assessment,
    activity=CASE_MANAGEMENT,
    retention=R.CASE_RECORD,
    general=("case", "assessed_on", "skills_wanted", "business_idea", "wants_to_go_home", "created_at", "updated_at"),
    specific={"needs": FREE_TEXT},
    staff=("assessed_by",),
    notes={"needs": FREE_TEXT_NOTE},
)
record(
    CaseNote,
    activity=CASE_MANAGEMENT,
    retention=R.CASE_RECORD,
    general=("case", "agency", "created_at"),
    specific={"body": FREE_TEXT},
    staff=("author",),
    notes={"body": FREE_TEXT_NOTE},
)
record(
    PossibleDuplicate,
    activity=CASE_MANAGEMENT,
    retention=R.CASE_RECORD,
    general=("person", "similar_to", "score", "status", "reviewed_at", "created_at"),
    staff=("reviewed_by",),
)
record(
    Consent,
    activity=REFERRAL,
    retention=R.CASE_RECORD,
    general=("person", "purpose", "agency", "given_on", "withdrawn_on", "created_at", "updated_at"),
    staff=("recorded_by",),
)
record(
    Referral,
    activity=REFERRAL,
    retention=R.CASE_RECORD,
    general=(
        "case",
        "from_agency",
        "to_agency",
        "status",
        "withdraw_reason",
        "decided_at",
        "completed_at",
        "created_at",
        "updated_at",
    ),
    specific={"kind": (Specific.HEALTH,), "reason": FREE_TEXT, "decline_reason": FREE_TEXT},
    staff=("created_by", "decided_by"),
    notes={"kind": _("A referral for a health check."), "reason": FREE_TEXT_NOTE, "decline_reason": FREE_TEXT_NOTE},
)
record(
    Transfer,
    activity=REFERRAL,
    retention=R.CASE_RECORD,
    general=("case", "from_agency", "to_agency", "referral", "transferred_at"),
    staff=("transferred_by",),
)
# Places and headcounts: no person is named; who counted is staff data.
record(
    SiteCount,
    activity=SITE_MONITORING,
    retention=R.AUDIT_TRAIL,
    staff=("recorded_by",),
    not_personal=("site", "counted_on", "people_present", "counted_by", "created_at"),
)
not_personal(Site, "name", "kind", "region", "houses", "opened_on", "closed_on", "created_at", "updated_at")
not_personal(TargetGroup, "code", "name")
not_personal(CaseNumberSequence, "region", "year", "last")
# A legal hold keeps a case from pseudonymization: which case, why, until when, and the officer who decided.
record(
    LegalHold,
    activity=DATA_PROTECTION,
    retention=R.PRIVACY_REGISTER,
    general=("case", "reason", "lift_reason"),
    staff=("placed_by", "lifted_by"),
    not_personal=("until", "placed_at", "lifted_at"),
    notes={"reason": _("The officer's reason, which may describe the person's legal matter.")},
)
# A subject-access request: that she asked, how and when, and how her identity was checked. That a person asked to
# see her file is itself about her; the officers who handled it are staff data.
record(
    SubjectAccessRequest,
    activity=DATA_PROTECTION,
    retention=R.PRIVACY_REGISTER,
    general=(
        "person",
        "case_number",
        "channel",
        "received_at",
        "identity_method",
        "identity_note",
        "delivered_at",
        "delivery_method",
        "refusal_reason",
    ),
    staff=("assignee", "identity_checked_by", "recorded_by"),
    not_personal=(
        "agency",
        "due_at",
        "status",
        "identity_checked_at",
        "bundle_built_at",
        "bundle_pdf",
        "bundle_json",
        "created_at",
        "updated_at",
    ),
)
# A restriction of processing: on whom, why (a category), the officer's note, and who placed and lifted it.
record(
    Restriction,
    activity=DATA_PROTECTION,
    retention=R.PRIVACY_REGISTER,
    general=("person", "case", "reason", "note", "lift_reason"),
    staff=("restricted_by", "lifted_by"),
    not_personal=("restricted_at", "lifted_at"),
)
# A correction request: the field, its value on record and the value asked for (both encrypted), the evidence seen.
record(
    CorrectionRequest,
    activity=DATA_PROTECTION,
    retention=R.PRIVACY_REGISTER,
    general=("case", "old_value", "new_value", "evidence", "evidence_note", "received_at", "reject_reason"),
    staff=("made_by", "decided_by"),
    not_personal=("field", "due_at", "made_at", "status", "decided_at", "updated_at"),
    notes={"old_value": _("Encrypted, as the field itself or more so: a name or an address is personal too.")},
)
