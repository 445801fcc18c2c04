import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from . import audit_labels
from .regions import CODE_PATTERN, TIME_ZONES


class FieldKeyedConstraints(models.Model):
    """Reports a constraint's violation under the field it is about, so forms and APIs can point at that field.

    Each constraint names its field through `violation_error_code`, which must be a field name of the model.
    """

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude)
        except ValidationError as exc:
            field_names = {f.name for f in self._meta.get_fields()}
            keyed: dict[str, list] = {}
            for field, errors in exc.error_dict.items():
                for error in errors:
                    target = error.code if field == NON_FIELD_ERRORS and error.code in field_names else field
                    keyed.setdefault(target, []).append(error)
            raise ValidationError(keyed) from exc


class User(AbstractUser):
    """Someone who signs in. What they may see and do comes from their memberships (agencies.access)."""

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id")

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"


class Region(models.Model):
    """A Kemendagri region: province `33`, regency/city `33.03`, district (kecamatan) `33.03.01`."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        REGENCY = "regency", _("Regency/city")
        DISTRICT = "district", _("District")

    code = models.CharField(
        _("code"),
        max_length=8,
        primary_key=True,
        validators=[RegexValidator(CODE_PATTERN, _("A region code looks like 33, 33.03 or 33.03.01."))],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    time_zone = models.CharField(_("time zone"), max_length=32, choices=[(z, z) for z in TIME_ZONES])

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True) | (~Q(level="province") & Q(parent__isnull=False)),
                name="region_only_provinces_have_no_parent",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Agency(FieldKeyedConstraints):
    """An office or organisation whose people use the platform: Dinsos, Kemensos, police, NGOs and others."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry of Social Affairs (Kemensos)")
        SOCIAL_SERVICE_PROVINCE = "social_service_province", _("Province social services (Dinsos)")
        SOCIAL_SERVICE_DISTRICT = "social_service_district", _("Regency/city social services (Dinsos)")
        POLICE = "police", _("Police (Polres)")
        RELIGIOUS_AFFAIRS = "religious_affairs", _("Religious affairs (Kemenag)")
        HEALTH = "health", _("Health office (Dinkes)")
        VILLAGE_DEVELOPMENT = "village_development", _("Village development (Dinpermades)")
        NGO = "ngo", _("NGO / social welfare institution (LKS)")
        SOCIAL_SECURITY = "social_security", _("Social security (BPJS)")
        OTHER = "other", _("Other")

    # Social-service offices are defined by the region they govern; every other kind may sit at any level.
    REGION_LEVEL_OF_KIND = {
        Kind.SOCIAL_SERVICE_PROVINCE: Region.Level.PROVINCE,
        Kind.SOCIAL_SERVICE_DISTRICT: Region.Level.REGENCY,
    }

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region served"),
        on_delete=models.PROTECT,
        related_name="agencies",
        help_text=_("The province, regency/city or district this agency serves."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "region"],
                name="agency_name_unique_in_region",
                violation_error_message=_("An agency with this name already serves this region."),
                violation_error_code="name",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="agency_not_its_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        level = self.REGION_LEVEL_OF_KIND.get(self.kind)
        if level and self.region_id and self.region.level != level:
            errors["region"] = _("A %(kind)s must serve a region of level %(level)s.") % {
                "kind": self.get_kind_display(),
                "level": Region.Level(level).label,
            }
        if self.parent_id and self.pk:
            ancestor, seen = self.parent, set()
            while ancestor is not None and ancestor.pk not in seen:
                if ancestor.pk == self.pk:
                    errors["parent"] = _("An agency cannot be its own parent or ancestor.")
                    break
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    PROVINCE_STAFF = "province_staff", _("Province staff")
    DISTRICT_STAFF = "district_staff", _("District staff")
    FINANCE_APPROVER = "finance_approver", _("Finance approver")
    NGO_CASEWORKER = "ngo_caseworker", _("NGO caseworker")
    PARTNER_TRAINER = "partner_trainer", _("Partner trainer")
    LEADERSHIP_VIEWER = "leadership_viewer", _("Leadership viewer")
    AUDITOR = "auditor", _("Auditor")
    # UU 27/2022: the registers (subject access, correction, breaches, retention) and the trails, never case
    # content; a person's data reaches them only inside a subject-access bundle (DESIGN §5, issue 18).
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data-protection officer")


_SOCIAL_SERVICES = {Agency.Kind.SOCIAL_SERVICE_PROVINCE, Agency.Kind.SOCIAL_SERVICE_DISTRICT}
_PARTNERS = {
    Agency.Kind.POLICE,
    Agency.Kind.RELIGIOUS_AFFAIRS,
    Agency.Kind.HEALTH,
    Agency.Kind.VILLAGE_DEVELOPMENT,
    Agency.Kind.SOCIAL_SECURITY,
    Agency.Kind.OTHER,
}

# Which kinds of agency each role can be held in (DESIGN §2, §5).
AGENCY_KINDS_OF_ROLE = {
    Role.PROVINCE_STAFF: {Agency.Kind.SOCIAL_SERVICE_PROVINCE},
    Role.DISTRICT_STAFF: {Agency.Kind.SOCIAL_SERVICE_DISTRICT},
    Role.FINANCE_APPROVER: _SOCIAL_SERVICES,
    Role.NGO_CASEWORKER: {Agency.Kind.NGO},
    Role.PARTNER_TRAINER: _PARTNERS,
    Role.LEADERSHIP_VIEWER: {Agency.Kind.MINISTRY, *_SOCIAL_SERVICES},
    Role.AUDITOR: {Agency.Kind.MINISTRY, *_SOCIAL_SERVICES},
    Role.DATA_PROTECTION_OFFICER: {Agency.Kind.MINISTRY, *_SOCIAL_SERVICES},
}

# The role an API client acts in is its agency's working role; clients never act as approvers or auditors.
API_CLIENT_ROLE_OF_KIND = {
    Agency.Kind.MINISTRY: Role.LEADERSHIP_VIEWER,
    Agency.Kind.SOCIAL_SERVICE_PROVINCE: Role.PROVINCE_STAFF,
    Agency.Kind.SOCIAL_SERVICE_DISTRICT: Role.DISTRICT_STAFF,
    Agency.Kind.NGO: Role.NGO_CASEWORKER,
    **dict.fromkeys(_PARTNERS, Role.PARTNER_TRAINER),
}


class Membership(FieldKeyedConstraints):
    """A person's role in one agency. A person may belong to several agencies, once actively in each."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["agency__name", "user__username", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency"],
                condition=Q(active=True),
                name="membership_one_active_per_user_and_agency",
                violation_error_message=_("This person already has an active membership of this agency."),
                violation_error_code="user",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.agency}"

    def clean(self):
        if self.agency_id and self.role and self.agency.kind not in AGENCY_KINDS_OF_ROLE[self.role]:
            raise ValidationError(
                {
                    "role": _("The role %(role)s does not fit an agency of kind %(kind)s.")
                    % {"role": self.get_role_display(), "kind": self.agency.get_kind_display()}
                }
            )


class ApiClient(FieldKeyedConstraints):
    """A partner application calling the API for one agency. The token is shown once and stored hashed."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    TOKEN_PREFIX = "rhb"  # noqa: S105 (a public marker, not a secret)

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope, default=Scope.READ)
    # The public part of the token: lets staff tell tokens apart without ever seeing a secret again.
    key_id = models.CharField(_("key id"), max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "name", "id"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_client_name_unique_per_agency",
                violation_error_message=_("This agency already has an active API client with this name."),
                violation_error_code="name",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.agency})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # An authenticated client stands in for request.user in the API, so it answers like a user does.
    is_authenticated = True
    is_anonymous = False

    @property
    def role(self) -> str | None:
        return API_CLIENT_ROLE_OF_KIND.get(self.agency.kind)

    @classmethod
    def hash_token(cls, token: str) -> str:
        # Tokens carry 256 random bits, so a fast unsalted hash is safe and keeps lookup a single index probe.
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def new_token(cls) -> tuple[str, str]:
        """A fresh (key id, token) pair; the token is `rhb_<key id>_<secret>`."""
        key_id = secrets.token_hex(6)
        return key_id, f"{cls.TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


class IdempotencyRecord(models.Model):
    """The answer to a write sent with an Idempotency-Key, kept for a day to answer the same request again.

    Written in the write's own transaction (agencies.api.views_base), so it exists exactly when the write committed.
    The reply is encrypted (it may show a person's name, phone or address); a replay is checked against the
    caller's scope of the row it shows (`about_*`) at the time of the replay, and logged like a read of it.
    """

    # "user:12" or "client:7": keys are per caller, so two clients may use the same key.
    caller = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    reply = models.TextField(help_text="The reply's JSON as a Fernet token (agencies.encryption).")
    about_type = models.CharField(max_length=100, blank=True, help_text='The model the reply shows, "cases.case".')
    about_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_once_per_caller")]

    def __str__(self):
        return f"{self.caller} {self.key}"


class AuditEvent(models.Model):
    """One change, by whom, to what. Append-only (the database refuses updates and deletes); no personal data."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    # No database constraints on the references (db_constraint=False): every API read appends a row, and a checked
    # reference takes a share lock on the client, agency and content type rows at each commit (~0.1 ms a row, and
    # concurrent reads of one client queue on one row). The rows referred to are never deleted (deactivated,
    # revoked instead), the ORM still refuses deleting one (PROTECT), and only our code writes here, with ids it
    # has just read.
    # Nor an index of its own per reference (db_index=False): every index is written on every read the log
    # records. The indexes in Meta are the ones the trail's queries use, each named there by its query.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_api_client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The agency the actor acted from (an API client's own; a person's first active membership).
    actor_agency = models.ForeignKey(
        "Agency",
        verbose_name=_("acting agency"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    # The agency whose data was touched: auditors see the events of their jurisdiction through it.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, db_constraint=False, db_index=False, related_name="+"
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Each index is the trail's (agencies.admin.AuditEventAdmin), newest first as it is read; nothing else reads
        # the log. No index leads with the acting agency, the API client or the content type: no query asks.
        indexes = [
            # The trail of an auditor whose jurisdiction is most of the log (a province, the ministry).
            models.Index(fields=["-created_at", "-id"], name="auditevent_newest_first"),
            # The trail of an auditor of a few offices (a regency's): their offices' events, newest first.
            models.Index(fields=["agency", "-created_at", "-id"], name="auditevent_agency"),
            # One case's history (searched by its number): the events about it and the rows that belong to it.
            models.Index(fields=["target_type", "target_id"], name="auditevent_target"),
            # The trail searched by a user.
            models.Index(fields=["actor_user", "-created_at", "-id"], name="auditevent_by_user"),
            # The trail filtered by an action (the rare ones matter: "NIK shown in full").
            models.Index(fields=["action", "-created_at", "-id"], name="auditevent_action"),
        ]

    def __str__(self):
        if not hasattr(self, "target_name"):
            audit_labels.name_targets([self])  # a case by its number: one query, on the one event's own page
        return f"{audit_labels.action_label(self.action)} · {self.target_name}"


class Notification(models.Model):
    """One email to one person, written before it is sent: the outbox and the exactly-once ledger in one row.

    The unique (recipient, kind, subject, period) is what makes a second beat, a retried task or a re-run
    command a no-op. The text is rendered when the row is written (in the recipient's language and time zone) and
    holds case numbers and links only, never a person's name, NIK, phone, address or target group.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will be retried")
        GAVE_UP = "gave_up", _("Failed, not retried")
        SKIPPED = "skipped", _("Not sent (switched off by the recipient, or withheld)")

    UNSENT = (Status.PENDING, Status.FAILED)

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    # The office the recipient hears from us for; scopes who else may read the history.
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    # What it is about, e.g. "programs.followup:12"; empty for a digest, whose period says which one.
    subject = models.CharField(_("about"), max_length=80, blank=True)
    period = models.CharField(_("period"), max_length=40, blank=True)
    email_subject = models.CharField(_("email subject"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # The class of the last error only: an SMTP server's reply can echo an address.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject", "period"], name="notification_once_per_subject_and_period"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_unsent"),
            models.Index(fields=["kind", "period"], name="notification_kind_period"),
        ]

    def __str__(self):
        return self.email_subject  # already in the recipient's words, with a case number at most


class NotificationOptOut(models.Model):
    """A person who switched off one kind of non-critical reminder."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(_("kind"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("switched-off reminder")
        verbose_name_plural = _("switched-off reminders")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_opt_out_once")]

    def __str__(self):
        return self.kind


class Export(models.Model):
    """A file someone asked for (a case list, a report), written in the background by a worker (agencies.exports).

    `filters` holds ids and codes only, never a search term or a name: the row outlives the file. `attempts` counts
    the runs: a worker that died mid-file leaves the row running, and the redelivered task starts it over as a new
    attempt; only the latest attempt may mark it done. The file is encrypted at rest and deleted at `expires_at`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for its turn")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired (the file was deleted)")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX (Excel)"
        PDF = "pdf", "PDF"
        JSON = "json", "JSON"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="exports"
    )
    # The office the person asked for: whose trail the export is in, and the time zone of its dates.
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    format = models.CharField(_("format"), max_length=4, choices=Format)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # Rows the list would have held but left out: persons whose processing is restricted (UU 27/2022, issue 18).
    excluded_count = models.PositiveIntegerField(_("rows left out"), null=True, blank=True)
    # The file's name inside EXPORT_DIR (never a path from elsewhere); empty until done and after expiry.
    file_name = models.CharField(_("file"), max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    # The class of the error only: an exception's text may quote a row.
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("my exports")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_of_person"),
            models.Index(fields=["status", "expires_at"], name="export_status_expiry"),
        ]

    def __str__(self):
        return f"#{self.pk}"


class Figure(models.Model):
    """One finest-grain fact of an indicator (agencies.indicators.Fact), as the last refresh computed it.

    The aggregate tables of issue 17: pages, charts and exports read figures from here through agencies.figures,
    never from the cases themselves. Each dimension has its own typed column, empty when the indicator does not
    carry it (or does not know it). The whole set is replaced by each refresh (agencies.services.figures_refresh).
    """

    indicator = models.CharField(_("indicator"), max_length=64)
    # The first day of the month; empty for a figure of the present (the cases by stage today).
    month = models.DateField(_("month"), null=True, blank=True)
    # The regency/city, by its code. Not a database-checked key: the facts are rewritten wholesale from rows that
    # already refer to regions, and checking each of a million keys again would double the refresh's write.
    district = models.ForeignKey(
        Region,
        verbose_name=_("regency/city"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the dashboard's index (indicator, district, month) serves every read by district
        null=True,
        blank=True,
        related_name="+",
    )
    # Plain ids, not keys: agencies cannot import the apps to its right (DESIGN §3).
    program = models.IntegerField(_("program"), null=True, blank=True)
    target_group = models.PositiveSmallIntegerField(_("target group"), null=True, blank=True)
    site = models.IntegerField(_("site of origin"), null=True, blank=True)
    # Empty (NULL) means "not this indicator's dimension, or not known", apart from any code, as in the other columns.
    stage = models.CharField(_("stage"), max_length=32, null=True, blank=True)  # noqa: DJ001
    source = models.CharField(_("funding source"), max_length=32, null=True, blank=True)  # noqa: DJ001
    allocation = models.IntegerField(_("allocation"), null=True, blank=True)
    months_after = models.PositiveSmallIntegerField(_("months after completion"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, null=True, blank=True)  # noqa: DJ001
    value = models.BigIntegerField(_("value"))
    base = models.BigIntegerField(_("base"), null=True, blank=True)

    # The dimensions' columns, in agencies.indicators.Dimension's names (the column of `district` is district_id).
    DIMENSIONS = (
        "month",
        "district",
        "program",
        "target_group",
        "site",
        "stage",
        "source",
        "allocation",
        "months_after",
        "outcome",
    )

    class Meta:
        ordering = ["indicator", "id"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        indexes = [
            # The dashboards' reads: one indicator, within a region (a prefix of the district code), over months.
            models.Index(fields=["indicator", "district", "month"], name="figure_dashboard_read"),
        ]

    def __str__(self):
        return self.indicator


class FigureRefresh(models.Model):
    """One run of the refresh that recomputes every indicator's figures: when, by whom, and how it ended.

    Pages show "data as of" the last one that finished and call every figure incomplete when the last one failed
    or is too old. The error is the exception's class only: a database error's text can quote a row.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    # Empty for the nightly run of beat.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rows = models.PositiveIntegerField(_("figures stored"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("figures refresh")
        verbose_name_plural = _("figures refreshes")
        indexes = [models.Index(fields=["status", "-finished_at"], name="figurerefresh_last_done")]

    def __str__(self):
        # As the pages read a moment ("5 Des 2026 05.49"), not the database's ISO form.
        return formats.date_format(timezone.localtime(self.started_at), "DATETIME_FORMAT") if self.started_at else ""


class RetentionRun(models.Model):
    """One run of the retention job (issue 18 item 9): what it pseudonymized, held back, deleted, and whether it
    failed. Counts only, never a person or a case: the data-protection officer reads it on the "Retensi" page."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    # Empty for the nightly run of beat.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The closure before which a case was past its term, and the moment before which trail events were.
    cases_closed_before = models.DateTimeField(_("cases closed before"), null=True, blank=True)
    events_before = models.DateTimeField(_("trail events before"), null=True, blank=True)
    persons_pseudonymized = models.PositiveIntegerField(_("persons pseudonymized"), default=0)
    persons_held = models.PositiveIntegerField(_("held back by a legal hold"), default=0)
    events_deleted = models.PositiveIntegerField(_("trail events deleted"), default=0)
    exports_deleted = models.PositiveIntegerField(_("export files deleted"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    # The class of the last error only: its text can quote a row.
    error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention")

    def __str__(self):
        return formats.date_format(timezone.localtime(self.started_at), "DATETIME_FORMAT") if self.started_at else ""


class MonthlySnapshot(models.Model):
    """A regency/city office's figures of one month, approved and frozen: what a letter to the ministry quotes.

    `content` is the exact text whose SHA-256 is `sha256`: canonical JSON (sorted keys, no spaces, ints and
    strings only) of the district's finest-grain facts of the month as the last complete refresh stored them,
    every indicator's, with the facts of the present (no month: cases by stage, a budget's ceiling) frozen as they
    stood at approval. Tables are rebuilt from `content` alone (agencies.snapshots), so later data, a new refresh
    or a changed definition never change an approved month. Nothing updates or deletes a row (no service does;
    the admin cannot; PostgreSQL refuses it too); a correction is a new revision with its reason.
    """

    district = models.ForeignKey(
        Region, verbose_name=_("regency/city"), on_delete=models.PROTECT, related_name="monthly_snapshots"
    )
    month = models.DateField(_("month"))  # the first day of the month
    revision = models.PositiveSmallIntegerField(_("revision"))
    # The regency/city office whose staff approved it.
    agency = models.ForeignKey(Agency, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+")
    content = models.TextField(_("frozen figures"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    facts = models.PositiveIntegerField(_("figures frozen"))
    # When the frozen figures were computed (the refresh they were read from).
    figures_as_of = models.DateTimeField(_("figures as of"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"))
    reason = models.TextField(_("reason for the revision"), blank=True)

    class Meta:
        ordering = ["-month", "district", "-revision"]
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(fields=["district", "month", "revision"], name="monthlysnapshot_one_per_revision"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlysnapshot_month_is_its_first_day"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="monthlysnapshot_revision_from_one"),
            # A month approved again says why: the letter that quoted the first approval must be explainable.
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(reason=""), name="monthlysnapshot_revision_has_a_reason"
            ),
        ]

    def __str__(self):
        month = formats.date_format(self.month, "F Y")
        return _("%(district)s, %(month)s (revision %(revision)s)") % {
            "district": self.district.name,
            "month": month,
            "revision": self.revision,
        }

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits: enough to tell snapshots apart on a page; the full hash is on the detail."""
        return self.sha256[:12]


# The breach register (issue 18 item 10) lives in a module of its own; imported here so Django finds its model.
from .incident_models import DataCategory, Incident  # noqa: E402, F401
