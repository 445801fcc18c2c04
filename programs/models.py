import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, FieldKeyedConstraints, Region
from cases.models import Case, TargetGroup

DEFAULT_FOLLOW_UP_OFFSETS = [30, 90, 180]


def default_follow_up_offsets():
    return list(DEFAULT_FOLLOW_UP_OFFSETS)


class Program(models.Model):
    """A funded programme (e.g. Banyuwangi's 2013 skills training) run in one or more batches."""

    class Kind(models.TextChoices):
        SKILLS_TRAINING = "skills_training", _("Skills training")
        ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")
        SPIRITUAL_GUIDANCE = "spiritual_guidance", _("Spiritual guidance")
        HEALTH = "health", _("Health")
        PUBLIC_ORDER = "public_order", _("Public order")
        SOCIAL_SECURITY_ENROLLMENT = "social_security_enrollment", _("Social security enrollment")
        REPATRIATION = "repatriation", _("Repatriation")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    organizer = models.ForeignKey(
        Agency, verbose_name=_("organizing agency"), on_delete=models.PROTECT, related_name="programs"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    target_groups = models.ManyToManyField(TargetGroup, verbose_name=_("target groups"), blank=True)
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance needed to complete (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    follow_up_offsets = models.JSONField(
        _("follow-ups (days after completion)"),
        default=default_follow_up_offsets,
        help_text=_("For example [30, 90, 180]."),
    )
    left_site_target = models.PositiveSmallIntegerField(
        _("target: share who leave their site (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-fiscal_year", "name", "id"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance_threshold__gte=1, attendance_threshold__lte=100),
                name="program_threshold_is_a_percentage",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.fiscal_year})"

    def clean(self):
        offsets = self.follow_up_offsets
        if not isinstance(offsets, list) or not all(isinstance(d, int) and 0 < d <= 3650 for d in offsets):
            raise ValidationError(
                {"follow_up_offsets": _("List whole days after completion, each between 1 and 3650.")}
            )
        self.follow_up_offsets = sorted(set(offsets))


class Batch(FieldKeyedConstraints):
    """A cohort (gelombang/angkatan) of a program: about thirty people on consecutive days."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for enrollment")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    ENROLLING = (Status.PLANNED, Status.OPEN)

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveSmallIntegerField(_("batch number"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=30, validators=[MinValueValidator(1)])
    # Kept by the enrollment services under the batch's row lock; the constraint is the database's backstop.
    enrolled_count = models.PositiveSmallIntegerField(_("enrolled"), default=0, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["program", "number"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"],
                name="batch_number_unique_in_program",
                violation_error_message=_("This program already has a batch with this number."),
                violation_error_code="number",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="batch_ends_after_it_starts",
                violation_error_message=_("A batch cannot end before it starts."),
                violation_error_code="ends_on",
            ),
            models.CheckConstraint(
                condition=Q(enrolled_count__lte=F("capacity")),
                name="batch_never_over_capacity",
                violation_error_message=_("The capacity cannot be below the number already enrolled."),
                violation_error_code="capacity",
            ),
        ]

    def __str__(self):
        return _("%(program)s, batch %(number)s") % {"program": self.program.name, "number": self.number}

    @property
    def places_left(self) -> int:
        return self.capacity - self.enrolled_count

    def today(self) -> datetime.date:
        """Today where the batch is held (its program's region's time zone: WIB, WITA or WIT): the day a session
        there has begun, whatever the server's zone."""
        zone = self.program.region.time_zone
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(zone)) if zone else timezone.localdate()


class Session(models.Model):
    """One subject (materi) on one day of a batch, delivered by an agency: Kemenag, Polres, Dinkes, an NGO…"""

    class Topic(models.TextChoices):
        SEWING = "sewing", _("Sewing (menjahit)")
        COOKING_BAKING = "cooking_baking", _("Cooking and baking (tata boga, kue)")
        FASHION = "fashion", _("Fashion (busana)")
        SALON = "salon", _("Salon")
        HANDICRAFT = "handicraft", _("Handicraft (prakarya)")
        ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship (wirausaha)")
        SPIRITUAL_GUIDANCE = "spiritual_guidance", _("Spiritual guidance (kerohanian)")
        PUBLIC_ORDER = "public_order", _("Public order (kamtibmas)")
        HEALTH = "health", _("Health")
        LIVESTOCK = "livestock", _("Livestock (peternakan)")
        OTHER = "other", _("Other")

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic)
    delivering_agency = models.ForeignKey(
        Agency, verbose_name=_("delivered by"), on_delete=models.PROTECT, related_name="sessions_delivered"
    )
    trainer_name = models.CharField(_("trainer"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["batch", "date", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{date_format(self.date)} {self.get_topic_display()}"


class Enrollment(FieldKeyedConstraints):
    """A case in a batch: enrolled, waiting for a place, withdrawn, and at the end completed or not."""

    class Status(models.TextChoices):
        # Contexts: the same English words mean other things for cases and referrals in Indonesian.
        ENROLLED = "enrolled", pgettext_lazy("enrollment status", "Enrolled")
        WAITLISTED = "waitlisted", _("Waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", pgettext_lazy("enrollment status", "Completed")
        NOT_COMPLETED = "not_completed", _("Did not complete")

    # Statuses that hold the case's time: a case is in at most one such batch at a time.
    HOLDING = ("enrolled", "waitlisted", "completed", "not_completed")

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="enrollments")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(_("status"), max_length=16, choices=Status)
    # Copies of the batch's dates, so the database can refuse overlapping enrollments of one case.
    starts_on = models.DateField(editable=False)
    ends_on = models.DateField(editable=False)
    attendance_rate = models.PositiveSmallIntegerField(_("attendance (%)"), null=True, blank=True, editable=False)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["batch", "created_at", "id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "case"],
                condition=~Q(status="withdrawn"),
                name="enrollment_once_per_batch",
                violation_error_message=_("This case is already enrolled in this batch."),
                violation_error_code="case",
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status"], name="enrollment_batch_status"),
            models.Index(fields=["updated_at", "id"], name="enrollment_sync"),
        ]

    def __str__(self):
        return f"{self.case} · {self.batch}"


class Attendance(models.Model):
    """Whether an enrolled person was present at one session."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.PROTECT, related_name="attendance"
    )
    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["session", "enrollment"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["enrollment", "session"], name="attendance_once_per_session")]

    def __str__(self):
        return f"{self.enrollment.case} {self.session}"


class FollowUp(models.Model):
    """A monitoring visit due after completion (pemantauan), owned by the case's caseworker."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="follow_ups")
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    offset_days = models.PositiveSmallIntegerField(_("days after completion"))
    due_on = models.DateField(_("due on"), db_index=True)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    done_on = models.DateField(_("visited on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "offset_days"], name="follow_up_once_per_offset"),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="follow_up_sync"),
            models.Index(fields=["caseworker", "done_on", "due_on"], name="follow_up_worklist"),
        ]

    def __str__(self):
        return _("Follow-up of %(case)s due %(due)s") % {"case": self.case, "due": date_format(self.due_on)}


class Outcome(models.Model):
    """What a follow-up visit found: the business, income, and where the person now lives."""

    class IncomeBand(models.TextChoices):
        NONE = "none", _("No income")
        BELOW_1M = "below_1m", _("Below Rp1.000.000 a month")
        FROM_1M_TO_3M = "1m_3m", _("Rp1.000.000 to Rp3.000.000 a month")
        ABOVE_3M = "above_3m", _("Above Rp3.000.000 a month")

    class SiteStatus(models.TextChoices):
        STILL_AT_SITE = "still_at_site", _("Still at the site")
        LEFT_SITE = "left_site", _("Left the site")
        RETURNED_HOME = "returned_home", _("Returned home")
        RETURNED_TO_SITE = "returned_to_site", _("Returned to the site")

    LEFT = (SiteStatus.LEFT_SITE, SiteStatus.RETURNED_HOME)

    follow_up = models.OneToOneField(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.PROTECT, related_name="outcome"
    )
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="outcomes")
    recorded_on = models.DateField(_("visited on"))
    business_started = models.BooleanField(_("business started"), default=False)
    business_type = models.CharField(_("type of business"), max_length=120, blank=True)
    income_band = models.CharField(_("income"), max_length=10, choices=IncomeBand, blank=True)
    site_status = models.CharField(_("where the person lives"), max_length=20, choices=SiteStatus)
    left_site_on = models.DateField(_("left the site on"), null=True, blank=True)
    bpjs_enrolled = models.BooleanField(_("enrolled in BPJS"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "-recorded_on", "-id"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        indexes = [models.Index(fields=["case", "-recorded_on", "-id"], name="outcome_latest_per_case")]

    def __str__(self):
        return f"{self.case} {date_format(self.recorded_on)}: {self.get_site_status_display()}"
