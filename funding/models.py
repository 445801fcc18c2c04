"""Money: whole Rupiah in PositiveBigIntegerField (never floats), ceilings guarded by locks and constraints,
and an append-only ledger that every balance can be recomputed from (DESIGN §4, issue 5)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from lokal import format_rupiah

from agencies.models import Agency, FieldKeyedConstraints
from cases.models import Case
from programs.models import Enrollment, Program


class FundingSource(models.Model):
    """A budget: APBN through Kemensos, a province's or a regency/city's APBD, CSR or a donor."""

    class Kind(models.TextChoices):
        APBN_KEMENSOS = "apbn_kemensos", _("APBN (Kemensos)")
        APBD_PROVINCE = "apbd_province", _("APBD province")
        APBD_DISTRICT = "apbd_district", _("APBD regency/city")
        CSR_DONOR = "csr_donor", _("CSR or donor")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    agency = models.ForeignKey(
        Agency, verbose_name=_("budget holder"), on_delete=models.PROTECT, related_name="funding_sources"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-fiscal_year", "name", "id"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self):
        return f"{self.name} {self.fiscal_year}"


class Allocation(FieldKeyedConstraints):
    """A ceiling in whole Rupiah for a program and/or a district, within one source and fiscal year.

    `committed` and `paid` are caches of the ledger's sums, changed only by funding.services under this row's
    lock; the constraints are the database's backstop and `manage.py reconcile_funding` checks the caches.
    """

    source = models.ForeignKey(
        FundingSource, verbose_name=_("funding source"), on_delete=models.PROTECT, related_name="allocations"
    )
    name = models.CharField(_("name"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    district = models.ForeignKey(
        Agency,
        verbose_name=_("district office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    ceiling = models.PositiveBigIntegerField(_("ceiling (Rp)"), validators=[MinValueValidator(1)])
    committed = models.PositiveBigIntegerField(_("committed (Rp)"), default=0, editable=False)
    paid = models.PositiveBigIntegerField(_("paid (Rp)"), default=0, editable=False)
    closed = models.BooleanField(_("fiscal year closed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-fiscal_year", "name", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__lte=F("ceiling")),
                name="allocation_commitments_within_ceiling",
                violation_error_message=_("The ceiling cannot be below what is already committed."),
                violation_error_code="ceiling",
            ),
            models.CheckConstraint(
                condition=Q(paid__lte=F("committed")), name="allocation_payments_within_commitments"
            ),
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="allocation_ceiling_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def remaining(self) -> int:
        return self.ceiling - self.committed


class Benefit(FieldKeyedConstraints):
    """One line of a program's benefit package: what each completing person is entitled to, paid from where."""

    class Kind(models.TextChoices):
        BUSINESS_GRANT = "business_grant", _("Business grant (UEP)")
        LIVING_ALLOWANCE = "living_allowance", _("Living allowance (jaminan hidup)")
        IN_KIND = "in_kind", _("In-kind goods (bantuan stimulan)")
        TRANSPORT = "transport", _("Transport (biaya pemulangan)")

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="benefits")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.PositiveBigIntegerField(
        _("amount per installment or unit (Rp)"),
        validators=[MinValueValidator(1)],
        help_text=_("For transport: the cap on the actual cost."),
    )
    installments = models.PositiveSmallIntegerField(
        _("installments"), default=1, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    quantity = models.PositiveSmallIntegerField(_("quantity (in-kind)"), default=1, validators=[MinValueValidator(1)])
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("paid from"), on_delete=models.PROTECT, related_name="benefits"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["program", "kind", "id"]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="benefit_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="living_allowance") | Q(installments=1),
                name="benefit_only_allowances_in_installments",
                violation_error_message=_("Only a living allowance is paid in installments."),
                violation_error_code="installments",
            ),
        ]

    def __str__(self):
        return self.description or self.get_kind_display()

    @property
    def installment_amount(self) -> int:
        return self.amount * self.quantity

    @property
    def total(self) -> int:
        """What one entitlement commits: e.g. Rp600.000 × 3 months, or unit value × quantity."""
        return self.installment_amount * self.installments


class Entitlement(models.Model):
    """A case's right to one benefit, committed against an allocation when it is created."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="entitlements")
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="entitlements"
    )
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT, related_name="entitlements"
    )
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total = models.PositiveBigIntegerField(_("total (Rp)"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["case", "benefit", "id"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            # Completing a batch twice never entitles twice.
            models.UniqueConstraint(
                fields=["enrollment", "benefit"],
                condition=Q(enrollment__isnull=False),
                name="entitlement_once_per_enrollment",
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="entitlement_total_positive"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="entitlement_sync")]

    def __str__(self):
        return f"{self.case} · {self.benefit}"


class Installment(models.Model):
    """One payment of an entitlement: the third month of a living allowance, or a grant's single payment."""

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("installment"))
    amount = models.PositiveBigIntegerField(_("amount (Rp)"))
    due_on = models.DateField(_("due on"))

    class Meta:
        ordering = ["entitlement", "number"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "number"], name="installment_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.entitlement} #{self.number}"


class Disbursement(models.Model):
    """Paying one installment: requested by one person, approved by another, paid, or reversed by a new entry."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")
        REVERSED = "reversed", _("Reversed")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        IN_KIND = "in_kind", _("In-kind handover")

    LIVE = ("requested", "approved", "paid")

    installment = models.ForeignKey(
        Installment, verbose_name=_("installment"), on_delete=models.PROTECT, related_name="disbursements"
    )
    amount = models.PositiveBigIntegerField(_("amount (Rp)"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.REQUESTED)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)  # noqa: DJ001
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    method = models.CharField(_("payment method"), max_length=16, choices=Method, blank=True)
    reference = models.CharField(
        _("reference"), max_length=80, blank=True, help_text=_("Bank reference or receipt number.")
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reversed_reason = models.TextField(_("reason for reversing"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            # One live disbursement per installment: a double click or a retried request has one effect.
            models.UniqueConstraint(
                fields=["installment"],
                condition=Q(status__in=["requested", "approved", "paid"]),
                name="disbursement_one_live_per_installment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            models.CheckConstraint(
                condition=~Q(requested_by=F("decided_by")) | Q(decided_by__isnull=True),
                name="disbursement_four_eyes",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="disbursement_sync"),
            models.Index(fields=["status", "requested_at"], name="disbursement_waiting"),
        ]

    def __str__(self):
        return _("Disbursement #%(pk)s") % {"pk": self.pk}


class LedgerEntry(models.Model):
    """One movement of money, never changed or deleted (a PostgreSQL trigger refuses it); corrections are new rows.

    Commitments and payments are signed deltas: commit +, release −, payment +, reversal −.
    """

    class Kind(models.TextChoices):
        COMMIT = "commit", _("Commitment")
        RELEASE = "release", _("Release")
        PAYMENT = "payment", _("Payment")
        REVERSAL = "reversal", _("Reversal")

    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    committed_delta = models.BigIntegerField(_("committed change (Rp)"), default=0)
    paid_delta = models.BigIntegerField(_("paid change (Rp)"), default=0)
    entitlement = models.ForeignKey(
        Entitlement,
        verbose_name=_("entitlement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger",
    )
    disbursement = models.ForeignKey(
        Disbursement,
        verbose_name=_("disbursement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["allocation", "created_at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self):
        # As the ledger's pages show money: "Komitmen Rp1.800.000", a reversal "Komitmen -Rp1.800.000".
        amount = self.committed_delta or self.paid_delta
        return f"{self.get_kind_display()} {format_rupiah(amount)}"
