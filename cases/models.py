import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, FieldKeyedConstraints, Membership, Region, User

from . import names
from .encryption import EncryptedTextField


class TargetGroup(models.Model):
    """One of the 26 PMKS/PPKS categories of Permensos 8/2012 (10 tuna susila, 15 BWBLP, 18 trafficking…)."""

    code = models.PositiveSmallIntegerField(_("code"), primary_key=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self):
        return f"{self.code}. {self.name}"


class Site(FieldKeyedConstraints):
    """A place people are reached at: a lokalisasi, a resosialisasi complex, a karaoke or other venue."""

    class Kind(models.TextChoices):
        LOKALISASI = "lokalisasi", _("Lokalisasi (brothel complex)")
        RESOSIALISASI = "resosialisasi", _("Resosialisasi complex")
        ENTERTAINMENT_VENUE = "entertainment_venue", _("Entertainment venue (karaoke)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="sites")
    houses = models.PositiveSmallIntegerField(_("number of houses"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "region"],
                name="site_name_unique_in_region",
                violation_error_message=_("A site with this name already exists in this region."),
                violation_error_code="name",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="site_closes_after_it_opens",
                violation_error_message=_("A site cannot close before it opened."),
                violation_error_code="closed_on",
            ),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="site_sync")]

    def __str__(self):
        return self.name


class SiteCount(FieldKeyedConstraints):
    """How many people an agency found at a site on a day: the figure behind "51 trained, 3 still there"."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="counts")
    counted_on = models.DateField(_("counted on"))
    people_present = models.PositiveIntegerField(_("people present"))
    counted_by = models.ForeignKey(
        Agency, verbose_name=_("counted by"), on_delete=models.PROTECT, related_name="site_counts"
    )
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
        ordering = ["site", "-counted_on", "id"]
        verbose_name = _("site count")
        verbose_name_plural = _("site counts")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "counted_on", "counted_by"],
                name="site_count_once_a_day_per_agency",
                violation_error_message=_("This agency already counted this site on this day."),
                violation_error_code="counted_on",
            ),
        ]

    def __str__(self):
        return f"{self.site} {date_format(self.counted_on)}: {self.people_present}"


class Person(models.Model):
    """Someone the services help. NIK and phone are encrypted at rest; `nik_hash` allows exact lookup only."""

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    full_name = models.CharField(_("full name"), max_length=150)
    known_as = models.CharField(_("known as"), max_length=80, blank=True)
    # What a search by name compares (cases/names.py): kept by the database from the two names, so every way a person
    # is written (forms, intake sheets, merges) keeps it true, and its trigram index finds a misspelt name.
    name_key = models.GeneratedField(
        expression=names.name_key_expression(), output_field=models.CharField(max_length=240), db_persist=True
    )
    nik = EncryptedTextField(_("NIK"), blank=True, default="")
    # NULL, not "", for "no NIK": the unique constraint must ignore every person without one.
    nik_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, help_text=_("Estimated, when the birth date is unknown.")
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home region (kampung halaman)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.TextField(_("address"), blank=True)
    current_site = models.ForeignKey(
        Site, verbose_name=_("current site"), on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    target_groups = models.ManyToManyField(TargetGroup, verbose_name=_("target groups"), blank=True)
    # A merged duplicate keeps its row (and history) and points at the person it was merged into.
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the retention job removed what identifies her (cases.retention): her cases were all closed past
    # their term. What the figures need stays; the names read PSEUDONYM.
    pseudonymized_at = models.DateTimeField(_("pseudonymized at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(
                fields=["nik_hash"],
                condition=Q(nik_hash__isnull=False, merged_into__isnull=True),
                name="person_nik_unique",
            ),
        ]
        indexes = [models.Index(fields=["home_region", "birth_year"], name="person_duplicate_candidates")]

    def __str__(self):
        # Never a name: str() ends up in admin logs, messages and error reports.
        return _("Person #%(pk)s") % {"pk": self.pk}

    @property
    def masked_nik(self) -> str:
        return f"{self.nik[:4]}{'*' * 10}{self.nik[-2:]}" if self.nik else ""

    @property
    def approximate_birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year


class ConsentQuerySet(models.QuerySet):
    def current(self, on=None):
        """Consents given by `on` (today) and not withdrawn by then."""
        on = on or timezone.localdate()
        return self.filter(given_on__lte=on).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))

    def current_sharing(self, person_id, agency_id, on=None):
        return self.current(on).filter(person_id=person_id, agency_id=agency_id, purpose=Consent.Purpose.SHARING)


class Consent(models.Model):
    """A person's consent for one purpose; sharing consents name the agency data may go to."""

    class Purpose(models.TextChoices):
        PROCESSING = "processing", _("Processing of personal data")
        SHARING = "sharing", _("Sharing with a named agency")
        PHOTOS = "photos", _("Photos")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose)
    agency = models.ForeignKey(
        Agency, verbose_name=_("shared with"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-given_on", "id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="sharing", agency__isnull=False) | (~Q(purpose="sharing") & Q(agency__isnull=True)),
                name="consent_sharing_names_an_agency",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({date_format(self.given_on)})"


class Case(models.Model):
    """One person's rehabilitation, owned by one regency/city social-service office."""

    class Stage(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ASSESSED = "assessed", _("Assessed")
        PLANNED = "planned", _("Planned")
        IN_INTERVENTION = "in_intervention", _("In intervention")
        REINTEGRATION = "reintegration", _("Reintegration")
        AFTERCARE = "aftercare", _("Aftercare")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        GOALS_MET = "goals_met", _("Goals met (left the site, living independently)")
        TRANSFERRED_OUT = "transferred_out", _("Services continue elsewhere")
        DECLINED = "declined", _("Declined further services")
        LOST_CONTACT = "lost_contact", _("Lost contact")
        DIED = "died", _("Died")
        DUPLICATE = "duplicate", _("Registered twice")
        OTHER = "other", _("Other")

    STAGE_ORDER = list(Stage.values)

    number = models.CharField(_("case number"), max_length=24, unique=True, editable=False)
    # The registering agency's own id for the row (e.g. its pendataan spreadsheet): imports are idempotent by it.
    external_id = models.CharField(_("external id"), max_length=64, blank=True, default="")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(
        Agency, verbose_name=_("owning office"), on_delete=models.PROTECT, related_name="owned_cases"
    )
    registered_by = models.ForeignKey(
        Agency, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="registered_cases"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    target_group = models.ForeignKey(
        TargetGroup, verbose_name=_("target group"), on_delete=models.PROTECT, related_name="+"
    )
    # Indexed with the key by `case_site_keyset` (Meta.indexes), not alone.
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage, default=Stage.REGISTERED)
    stage_changed_at = models.DateTimeField(_("stage changed at"), auto_now_add=True)
    close_reason = models.CharField(_("close reason"), max_length=16, choices=CloseReason, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=~Q(stage="closed"), name="case_one_open_per_person"),
            models.CheckConstraint(
                condition=(Q(stage="closed") & ~Q(close_reason="")) | (~Q(stage="closed") & Q(close_reason="")),
                name="case_closed_exactly_with_a_reason",
            ),
            models.UniqueConstraint(
                fields=["registered_by", "external_id"],
                condition=~Q(external_id=""),
                name="case_external_id_once_per_agency",
                violation_error_message=_("This agency already registered a case with this external id."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "stage"], name="case_owner_stage"),
            models.Index(fields=["updated_at", "id"], name="case_sync"),
            # An export of one site's cases reads them by key (`site_id = s AND id > last ORDER BY id LIMIT n`,
            # agencies.exports.keyset_chunks): with the site's index alone, each page walked the key's index past
            # every other site's cases (at a million cases, 190,000 rows for a page of 2,000 of a site of 10,000).
            # It serves every other lookup by site too, so the foreign key's own index is not kept beside it.
            models.Index(fields=["site", "id"], name="case_site_keyset"),
            # The admin's case list, newest first (Meta.ordering): a page is read off the index, not sorted.
            models.Index(fields=["-created_at", "-id"], name="case_newest_first"),
            # The admin's search by a number's beginning (`number LIKE '35.10-2026-%'`): the unique index on
            # `number` follows the database's collation, which LIKE cannot use; the pattern operators can.
            models.Index(fields=["number"], name="case_number_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.stage != self.Stage.CLOSED

    def caseworker_candidates(self):
        """People who may be this case's caseworker: active members of the owning office or registering agency."""
        agencies = [self.owner_id, self.registered_by_id]
        return User.objects.filter(pk__in=Membership.objects.filter(active=True, agency__in=agencies).values("user"))

    def steps_to(self, stage: str) -> int:
        """How many stages `stage` lies ahead of the current one (negative: behind)."""
        return self.STAGE_ORDER.index(stage) - self.STAGE_ORDER.index(self.stage)


class CaseNumberSequence(models.Model):
    """The last case number issued per district and year; locked while the next one is taken."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="case_number_sequence_once")]

    def __str__(self):
        return f"{self.region_id}-{self.year}: {self.last}"


class StageChange(models.Model):
    """The history of a case's stages: who moved it, when and why."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=16, choices=Case.Stage, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, choices=Case.Stage)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["case", "changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self):
        # Stage labels, not codes: the string is shown on the case page's stage history.
        return f"{self.case} {self.get_from_stage_display() or '-'} → {self.get_to_stage_display()}"


class Assessment(models.Model):
    """What the person needs and wants: the ground of the intervention plan."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    needs = models.TextField(_("needs"), blank=True)
    skills_wanted = models.CharField(_("skills wanted"), max_length=200, blank=True)
    business_idea = models.CharField(_("business idea"), max_length=200, blank=True)
    wants_to_go_home = models.BooleanField(_("wants to go home"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The version an edit names in If-Match (agencies.writes.version_of).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["case", "-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self):
        return _("Assessment of %(case)s") % {"case": self.case}


class CaseNote(models.Model):
    """A dated note on a case. Notes are never edited or deleted; a correction is a new note."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notes")
    body = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "created_at", "id"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self):
        return _("Note on %(case)s") % {"case": self.case}


class Referral(FieldKeyedConstraints):
    """A case sent to another agency. Accepting lets that agency see the case; a repatriation moves it there."""

    class Kind(models.TextChoices):
        HEALTH_CHECK = "health_check", _("Health check")
        BPJS_ENROLLMENT = "bpjs_enrollment", _("BPJS enrollment")
        REPATRIATION = "repatriation", _("Repatriation to the home district")
        NGO_MENTORING = "ngo_mentoring", _("NGO mentoring")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        # Closed by the referring side before the receiver answered; `withdraw_reason` says why.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class WithdrawReason(models.TextChoices):
        RESTRICTED = "restricted", _("Processing of the person's data is restricted")

    OPEN = (Status.PENDING, Status.ACCEPTED)

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("from"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_agency = models.ForeignKey(
        Agency, verbose_name=_("to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    reason = models.TextField(_("reason for referral"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PENDING)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=20, choices=WithdrawReason, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "to_agency"],
                condition=Q(status__in=["pending", "accepted"]),
                name="referral_one_open_per_case_and_agency",
                violation_error_message=_("This case already has an open referral to this agency."),
                violation_error_code="to_agency",
            ),
            models.CheckConstraint(condition=~Q(from_agency=models.F("to_agency")), name="referral_to_another_agency"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="referral_declined_with_a_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="withdrawn", withdraw_reason__gt="")
                | (~Q(status="withdrawn") & Q(withdraw_reason="")),
                name="referral_withdrawn_with_a_reason",
            ),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="referral_sync")]

    def __str__(self):
        return f"{self.case} → {self.to_agency}"


class Transfer(models.Model):
    """Ownership of a case moving to another office (after an accepted repatriation referral)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfers")
    from_agency = models.ForeignKey(Agency, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    referral = models.OneToOneField(
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="transfer"
    )
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    transferred_at = models.DateTimeField(_("transferred at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "transferred_at", "id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self):
        return f"{self.case}: {self.from_agency} → {self.to_agency}"


class PossibleDuplicate(models.Model):
    """Two persons who look alike (name, birth year, home region) without a NIK to tell: for a person to review."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    person = models.ForeignKey(Person, verbose_name=_("new person"), on_delete=models.PROTECT, related_name="+")
    similar_to = models.ForeignKey(Person, verbose_name=_("similar to"), on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("similarity (%)"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    class Meta:
        ordering = ["status", "-score", "-id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["person", "similar_to"], name="possible_duplicate_once"),
        ]

    def __str__(self):
        return f"{self.person} ~ {self.similar_to} ({self.score}%)"


class RetentionCase(Case):
    """A case as the retention register sees it: its number, owning office, stage and closure, never its content.

    The same rows as Case under an access rule of their own (cases.access_rules): the data-protection officer finds a
    case by its number within her jurisdiction, to place a legal hold, without being able to read it."""

    class Meta:
        proxy = True
        verbose_name = _("case (retention)")
        verbose_name_plural = _("cases (retention)")


class LegalHoldQuerySet(models.QuerySet):
    def active(self, on=None):
        """Holds not lifted and not past their last day (`on`, today by default)."""
        on = on or timezone.localdate()
        return self.filter(lifted_at__isnull=True, until__gte=on)


class LegalHold(models.Model):
    """A legal hold (issue 18 item 9): while active, the retention job leaves the person of `case`, and every case
    of hers, as they are. Placed and lifted by the data-protection officer (cases.retention); who, why, until when.

    The reason names a proceeding or a letter, never the person: the officer does not read case content."""

    # The hold keeps the case's person (whoever she is after a merge) and every case of hers: retention
    # pseudonymizes persons, not cases.
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField(_("reason"))
    until = models.DateField(_("held until"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""), name="legal_hold_lifted_with_a_reason"
            ),
        ]

    def __str__(self):
        return _("Legal hold on %(case)s") % {"case": self.case}

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and self.until >= timezone.localdate()


class SubjectAccessRequest(models.Model):
    """A person's request to see her data and what was done with it (UU 27/2022 art. 7 and 32), answered within
    3×24 hours of receipt. Handled by the data-protection officer of the office whose jurisdiction owns her cases;
    her data reaches that officer only inside the bundle (cases.subject_access), never through this row."""

    # UU 27/2022 art. 32(2): access is given within 3×24 hours of the request being received.
    ANSWER_WITHIN = datetime.timedelta(hours=72)

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        NGO = "ngo", _("Through an NGO")

    class IdentityMethod(models.TextChoices):
        # The NIK on the card shown is typed and compared with the record's keyed hash: a match, or not, and
        # nothing of the record shown to whoever checks.
        KTP_MATCHED = "ktp_matched", _("KTP shown, NIK matches the record")
        CASEWORKER = "caseworker", _("Known in person to her caseworker")
        NGO_ATTESTED = "ngo_attested", _("Attested in writing by her NGO")
        OTHER_DOCUMENT = "other_document", _("Another identity document")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IDENTITY_CHECKED = "identity_checked", _("Identity checked")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        REFUSED = "refused", _("Refused")

    class DeliveryMethod(models.TextChoices):
        IN_PERSON = "in_person", _("Handed over in person")
        EMAIL = "email", _("By email")
        POST = "post", _("By post")
        NGO = "ngo", _("Through her NGO")

    OPEN = (Status.RECEIVED, Status.IDENTITY_CHECKED, Status.IN_PROGRESS)

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    # The case number the officer found her by (or her first case in the jurisdiction, when found by NIK): how the
    # request is named on pages, never by her name.
    case_number = models.CharField(_("case number"), max_length=24)
    # The office handling it: the officer's own; its time zone dates the deadline.
    agency = models.ForeignKey(Agency, verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel)
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("due at"), editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RECEIVED)
    identity_method = models.CharField(_("identity checked by"), max_length=16, choices=IdentityMethod, blank=True)
    identity_note = models.CharField(_("identity note"), max_length=300, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity checked by whom"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    identity_checked_at = models.DateTimeField(_("identity checked at"), null=True, blank=True)
    bundle_built_at = models.DateTimeField(_("bundle prepared at"), null=True, blank=True)
    # The two files of the latest bundle (agencies.exports: encrypted, purged after EXPORT_KEEP_DAYS).
    bundle_pdf = models.ForeignKey(
        "agencies.Export",
        verbose_name=_("bundle (PDF)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    bundle_json = models.ForeignKey(
        "agencies.Export",
        verbose_name=_("bundle (JSON)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_method = models.CharField(_("delivered how"), max_length=12, choices=DeliveryMethod, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("subject-access request")
        verbose_name_plural = _("subject-access requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="sar_refused_with_a_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | (Q(delivered_at__isnull=False) & ~Q(delivery_method="")),
                name="sar_delivered_when_and_how",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="sar_open_by_due")]

    def __str__(self):
        # The case number, never her name: str() ends up in messages and the trail.
        return _("Request #%(pk)s (case %(number)s)") % {"pk": self.pk, "number": self.case_number}

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class RestrictionQuerySet(models.QuerySet):
    def in_force(self):
        """Restrictions not lifted."""
        return self.filter(lifted_at__isnull=True)


class Restriction(models.Model):
    """A person's data held but not processed further (UU 27/2022: the right to restrict processing).

    While one is in force the person's data leaves the owning office no more: no referral or transfer, no reads by
    other agencies (their rule no longer reaches her case), no reminder emails about her case, no rows in case-list
    exports (cases/restrictions.py says where each is enforced). The owning office, its province and the auditors
    still see the record it holds; the aggregate figures still count her (they are anonymous and suppressed).
    """

    class Reason(models.TextChoices):
        # Categories, not free text: the trail and the registers name the category, never the person's story.
        ACCURACY_CONTESTED = "accuracy_contested", _("The person contests the accuracy of her data")
        OBJECTION = "objection", _("The person objects to the processing")
        UNLAWFUL = "unlawful", _("The processing may be unlawful")
        LEGAL_CLAIM = "legal_claim", _("Kept for a legal claim")
        SAFETY = "safety", _("The person's safety")
        OTHER = "other", _("Other")

    class LiftReason(models.TextChoices):
        CORRECTED = "corrected", _("The data was corrected or found accurate")
        WITHDRAWN = "withdrawn", _("The person withdrew her request")
        NOT_UPHELD = "not_upheld", _("The objection was not upheld")
        CLAIM_ENDED = "claim_ended", _("The legal claim ended")
        OTHER = "other", _("Other")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="restrictions")
    # The case it was asked through: whose office and whose data-protection officer handle it (the person's cases
    # may move; the restriction follows this case's owner).
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="restrictions")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    # What the officer noted (the request's channel, a reference): encrypted, never in the trail.
    note = EncryptedTextField(_("note"), blank=True, default="")
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("restricted by"), on_delete=models.PROTECT, related_name="+"
    )
    restricted_at = models.DateTimeField(_("restricted since"), auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.CharField(_("reason for lifting"), max_length=20, choices=LiftReason, blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        ordering = ["-restricted_at", "-id"]
        verbose_name = _("restriction of processing")
        verbose_name_plural = _("restrictions of processing")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(lifted_at__isnull=True), name="restriction_one_in_force_per_person"
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | Q(lifted_at__isnull=False, lifted_by__isnull=False),
                name="restriction_lifted_by_someone",
            ),
        ]

    def __str__(self):
        return _("Restriction #%(pk)s") % {"pk": self.pk}

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


class CorrectionRequest(models.Model):
    """A person's request to correct one field of her record (UU 27/2022: the right to correction), from the desk
    that received it to the officer's decision; applied by the service that approves it.

    Both values are kept encrypted, whatever the field: a name or an address is personal data as much as a NIK,
    and this register is kept for years after the request is closed. No keyed hash of a new NIK is kept either:
    it is computed when the request is applied, so nothing here needs pseudonymizing beyond the two values.
    """

    class Field(models.TextChoices):
        FULL_NAME = "full_name", _("full name")
        KNOWN_AS = "known_as", _("known as")
        NIK = "nik", _("NIK")
        BIRTH_DATE = "birth_date", _("birth date")
        BIRTH_YEAR = "birth_year", _("birth year")
        SEX = "sex", _("sex")
        PHONE = "phone", _("phone")
        ADDRESS = "address", _("address")
        HOME_REGION = "home_region", _("home region (kampung halaman)")
        TARGET_GROUP = "target_group", _("target group")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    class Evidence(models.TextChoices):
        # What was seen, not a copy of it: a scan of a KTP would be one more identity document to keep safe.
        KTP = "ktp", _("Identity card (KTP) seen")
        KK = "kk", _("Family card (KK) seen")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate seen")
        OTHER_DOCUMENT = "other_document", _("Another official document seen")
        STATEMENT = "statement", _("The person's own statement")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="correction_requests")
    field = models.CharField(_("field to correct"), max_length=16, choices=Field)
    old_value = EncryptedTextField(_("value recorded"), blank=True, default="")
    new_value = EncryptedTextField(_("corrected value"), blank=True, default="")
    evidence = models.CharField(_("evidence"), max_length=20, choices=Evidence)
    evidence_note = EncryptedTextField(_("what was seen"), blank=True, default="")
    received_at = models.DateTimeField(_("received at"))
    # UU 27/2022 gives the controller 3×24 hours to correct.
    due_at = models.DateTimeField(_("due at"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = EncryptedTextField(_("reason for rejecting"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["status", "due_at", "id"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="correction_request_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("made_by")), name="correction_request_decided_by_another"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="correction_request_queue")]

    def __str__(self):
        return _("Correction request #%(pk)s") % {"pk": self.pk}
