"""The data inventory of agencies' own models (agencies.inventory is the machinery): staff accounts, the trail, the
email history, exports, stored API replies and the aggregate figures."""

from django.utils.translation import gettext_lazy as _

from .incident_models import Incident
from .inventory import LegalBasis, Specific, Subject, activity, not_personal, record, security_measure
from .models import (
    Agency,
    ApiClient,
    AuditEvent,
    Export,
    Figure,
    FigureRefresh,
    IdempotencyRecord,
    Membership,
    MonthlySnapshot,
    Notification,
    NotificationOptOut,
    Region,
    RetentionRun,
    User,
)
from .retention import RetentionClass as R

security_measure("passwords_hashed", _("Passwords are stored only as salted hashes (PBKDF2)."))
security_measure(
    "api_tokens_hashed", _("API tokens are shown once and stored only as a hash; revoking one takes effect at once.")
)
security_measure(
    "exports_encrypted",
    _(
        "Export files are encrypted at rest, downloadable only by the person who asked through a link that expires, "
        "and deleted after a few days."
    ),
)
security_measure(
    "replies_encrypted", _("Stored API replies are encrypted and answered again only within the caller's scope.")
)
security_measure(
    "small_counts_suppressed",
    _("Counts of fewer people than the suppression threshold are hidden, and so is whatever would reveal them."),
)
security_measure("append_only", _("The database refuses to change or delete a row once written."))

STAFF_ACCOUNTS = activity(
    "agencies.staff_accounts",
    name=_("Staff accounts and agency memberships"),
    purpose=_(
        "Give the staff of each agency access to the system in their role and office, sign them in, and reach "
        "them about their work."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=60,
    measures=("passwords_hashed", "api_tokens_hashed"),
)
ACCOUNTABILITY = activity(
    "agencies.accountability",
    name=_("Audit trail of access and changes"),
    purpose=_(
        "Record who read, changed, exported or received a person's data, from which agency and when, so that "
        "misuse is detected and every person can learn how her data was processed."
    ),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    legal_note=_("UU 27/2022 Articles 31 and 35: records of processing and protection of the data."),
    order=70,
    measures=("append_only",),
    recipients_note=_("The person herself, as her processing trail in a subject-access bundle."),
)
# The duties of UU 27/2022 themselves: subject-access and correction requests, restrictions, legal holds, breaches,
# retention runs (issue 18). Their records hold who asked and who decided, and which case they concern.
DATA_PROTECTION = activity(
    "agencies.data_protection",
    name=_("Fulfilling data-protection duties"),
    purpose=_(
        "Answer a person's requests to see, correct or restrict her data, keep data only as long as needed, hold "
        "it where the law requires, and register and notify breaches."
    ),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    legal_note=_("UU 27/2022 Articles 5 to 13, 40 to 46."),
    order=75,
    measures=("append_only",),
)
REMINDERS = activity(
    "agencies.reminders",
    name=_("Work reminders by email"),
    purpose=_(
        "Tell staff about work that is due (visits, referrals, approvals, batches starting); the emails name "
        "case numbers only, never a person."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=80,
)
EXPORTS = activity(
    "agencies.exports",
    name=_("Exports of lists and reports"),
    purpose=_("Write the files staff ask for (case lists, reports), within what their role lets them read."),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=90,
    measures=("exports_encrypted",),
    recipients_note=_("Only the staff member who asked for the file."),
)
SAFE_WRITES = activity(
    "agencies.safe_writes",
    name=_("Stored replies of the partner API"),
    purpose=_(
        "Answer an API write sent twice (with the same Idempotency-Key) with the first answer, so that a partner "
        "application on a poor connection never registers a person twice."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=95,
    measures=("replies_encrypted",),
    recipients_note=_("Only the caller who sent the request, and only within what it may still read."),
)
STATISTICS = activity(
    "agencies.statistics",
    name=_("Aggregate figures for leadership and the offices"),
    purpose=_(
        "Count people and money by region, program and month for planning and reporting; the figures hold no "
        "personal data, only who refreshed or approved them."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=85,
    measures=("small_counts_suppressed",),
)

STAFF = Subject.STAFF
CLIENT_SPECIFIC = (Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD, Specific.HEALTH)

record(
    User,
    activity=STAFF_ACCOUNTS,
    retention=R.STAFF_ACCOUNT,
    subject=STAFF,
    general=(
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "language",
        "groups",
        "user_permissions",
    ),
)
record(
    Membership,
    activity=STAFF_ACCOUNTS,
    retention=R.STAFF_ACCOUNT,
    subject=STAFF,
    general=("user", "agency", "role", "active", "created_at", "updated_at"),
)
record(
    NotificationOptOut,
    activity=REMINDERS,
    retention=R.STAFF_ACCOUNT,
    subject=STAFF,
    general=("user", "kind"),
    not_personal=("created_at",),
)
# The agency directory: offices, not people; its contact address may still be a person's own.
record(
    Agency,
    activity=STAFF_ACCOUNTS,
    retention=R.STAFF_ACCOUNT,
    subject=STAFF,
    general=("contact_email",),
    not_personal=("name", "kind", "region", "parent", "active", "created_at", "updated_at"),
    notes={"contact_email": _("An office's address, which may be a person's own.")},
)
not_personal(Region, "code", "name", "level", "parent", "time_zone")
# A partner application: its name and token describe software, not a person; who issued it is staff data.
record(
    ApiClient,
    activity=STAFF_ACCOUNTS,
    retention=R.STAFF_ACCOUNT,
    staff=("created_by",),
    not_personal=(
        "agency",
        "name",
        "scope",
        "key_id",
        "token_hash",
        "created_at",
        "updated_at",
        "rotated_at",
        "revoked_at",
        "last_used_at",
    ),
)
# The trail: who (staff) did what (a code) to which row (an id, never a value) of whose data.
record(
    AuditEvent,
    activity=ACCOUNTABILITY,
    retention=R.AUDIT_TRAIL,
    general=("action", "target_id", "data"),
    staff=("created_at", "actor_user"),
    not_personal=("actor_api_client", "actor_agency", "agency", "target_type"),
    notes={"data": _("Ids, codes and the names of changed fields; never the value of a personal field.")},
)
record(
    Notification,
    activity=REMINDERS,
    retention=R.AUDIT_TRAIL,
    general=("subject", "email_subject", "body"),
    staff=("recipient",),
    not_personal=(
        "agency",
        "kind",
        "period",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "updated_at",
    ),
    notes={"body": _("Case numbers and links only.")},
)
record(
    Export,
    activity=EXPORTS,
    retention=R.EXPORT_FILE,
    specific={"file_name": CLIENT_SPECIFIC},
    staff=("requested_by",),
    not_personal=(
        "agency",
        "kind",
        "format",
        "filters",
        "status",
        "attempts",
        "row_count",
        "excluded_count",
        "file_size",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "updated_at",
    ),
    notes={
        "file_name": _("The file it names holds the rows of the list asked for."),
        "filters": _("Ids and codes only, never a search term or a name."),
    },
)
record(
    IdempotencyRecord,
    activity=SAFE_WRITES,
    retention=R.API_REPLY,
    general=("request_hash", "about_id"),
    specific={"reply": CLIENT_SPECIFIC},
    staff=("caller",),
    not_personal=("key", "status_code", "about_type", "created_at"),
    name=_("stored API reply"),
    labels={
        "caller": _("caller (a person or an API client)"),
        "request_hash": _("fingerprint of the request"),
        "reply": _("stored reply (encrypted)"),
        "about_id": _("row the reply shows"),
    },
)
# Aggregate figures: counts and sums, suppressed when small; who refreshed or approved them is staff data.
not_personal(Figure, "indicator", *Figure.DIMENSIONS, "value", "base")
record(
    FigureRefresh,
    activity=STATISTICS,
    retention=R.AUDIT_TRAIL,
    staff=("started_by",),
    not_personal=("started_at", "finished_at", "status", "rows", "error"),
)
record(
    MonthlySnapshot,
    activity=STATISTICS,
    retention=R.AUDIT_TRAIL,
    staff=("approved_by",),
    not_personal=(
        "district",
        "month",
        "revision",
        "agency",
        "content",
        "sha256",
        "facts",
        "figures_as_of",
        "approved_at",
        "reason",
    ),
)
# A retention run counts what it did; who started it is staff data.
record(
    RetentionRun,
    activity=DATA_PROTECTION,
    retention=R.PRIVACY_REGISTER,
    staff=("started_by",),
    not_personal=(
        "started_at",
        "finished_at",
        "status",
        "cases_closed_before",
        "events_before",
        "persons_pseudonymized",
        "persons_held",
        "events_deleted",
        "exports_deleted",
        "errors",
        "error",
    ),
)
# A breach: what happened to whose data, told in the officer's words (asked to hold no names, but declared as if they
# might), and whose account the search of the trail follows.
record(
    Incident,
    activity=DATA_PROTECTION,
    retention=R.PRIVACY_REGISTER,
    general=("description", "containment", "closing_note"),
    staff=("recorded_by", "query_actor_user"),
    not_personal=(
        "agency",
        "title",
        "detected_at",
        "occurred_at",
        "data_categories",
        "status",
        "query_actor_api_client",
        "query_actor_agency",
        "query_actions",
        "query_from",
        "query_until",
        "affected_count",
        "affected_counted_at",
        "contained_at",
        "subjects_notified_at",
        "subjects_notice_channel",
        "authority_notified_at",
        "authority_reference",
        "closed_at",
        "created_at",
        "updated_at",
    ),
    notes={"description": _("The officer's words about what happened; asked to hold no names.")},
)
