"""The breach register's row (UU 27/2022 art. 46, issue 18 item 10): one incident of personal data protection failing.

Imported by agencies.models (it is a model of the agencies app). Its changes go through agencies.incidents only.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Art. 46(1): the controller notifies the subjects and the authority in writing within 3 × 24 hours.
NOTIFICATION_HOURS = 72


class DataCategory(models.TextChoices):
    """What kinds of personal data an incident touched, as UU 27/2022 art. 4 sorts them (general / specific)."""

    # General (art. 4(3))
    NAME = "name", _("Full name")
    NIK = "nik", _("National ID number (NIK)")
    CONTACT = "contact", _("Phone number and address")
    BIRTH = "birth", _("Place and date of birth")
    IDENTITY = "identity", _("Sex, religion and marital status")
    CASE_RECORD = "case_record", _("Case record (stage, site, program, follow-ups)")
    # Specific (art. 4(2)); the product's own histories are specific by DESIGN §6.
    HEALTH = "health", _("Health data and information")
    CRIMINAL = "criminal", _("Criminal records")
    SEX_WORK = "sex_work", _("Sex-work history (target group)")
    CHILDREN = "children", _("Children's data")
    FINANCIAL = "financial", _("Personal financial data (grants, payments, accounts)")


SPECIFIC_CATEGORIES = frozenset(
    {
        DataCategory.HEALTH,
        DataCategory.CRIMINAL,
        DataCategory.SEX_WORK,
        DataCategory.CHILDREN,
        DataCategory.FINANCIAL,
    }
)


def category_choices():
    """The categories grouped as the law groups them, for a form's checkboxes."""
    general = [(c.value, c.label) for c in DataCategory if c not in SPECIFIC_CATEGORIES]
    specific = [(c.value, c.label) for c in DataCategory if c in SPECIFIC_CATEGORIES]
    return [(_("General personal data"), general), (_("Specific personal data"), specific)]


class Incident(models.Model):
    """A failure of personal data protection: what, when, whose data, what was done, and who was told when.

    The subjects affected are not stored one by one: a saved query over the access log (`query_*`) finds them,
    and is run again on demand (agencies.incidents.incident_affected); the count last computed is kept with its
    time, for the letters. Nothing here names a person: the description is the officer's own words, which the page
    asks to keep free of names. `agency` is the controller's office the incident belongs to: its data-protection
    officers change it and its province's staff read it (agencies.access_rules).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONTAINED = "contained", _("Contained")
        NOTIFIED = "notified", _("Notified")
        CLOSED = "closed", _("Closed")

    # The order of the states: a later step never takes the incident back to an earlier one.
    ORDER = (Status.OPEN, Status.CONTAINED, Status.NOTIFIED, Status.CLOSED)
    # While in one of these the 3 × 24 h clock runs and its escalation emails go out.
    CLOCK_RUNNING = (Status.OPEN, Status.CONTAINED)

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("office responsible"),
        on_delete=models.PROTECT,
        related_name="incidents",
        help_text=_("The office whose data it is (the controller); its data-protection officer handles the incident."),
    )
    title = models.CharField(
        _("short title"), max_length=200, help_text=_("What happened in a few words, without anyone's name.")
    )
    detected_at = models.DateTimeField(_("detected at"))
    occurred_at = models.DateTimeField(
        _("happened at"), null=True, blank=True, help_text=_("When the data was disclosed, if known.")
    )
    description = models.TextField(
        _("what happened and how"),
        help_text=_(
            "How the data was disclosed, by what or whom (an account, an API client, a lost device). No names."
        ),
    )
    data_categories = models.JSONField(_("data affected"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)

    # The saved query over the access log that finds the subjects affected.
    query_actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account that acted"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    query_actor_api_client = models.ForeignKey(
        "agencies.ApiClient",
        verbose_name=_("API client that acted"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    query_actor_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency acted from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    query_actions = models.JSONField(_("actions"), default=list, blank=True)
    query_from = models.DateTimeField(_("from"), null=True, blank=True)
    query_until = models.DateTimeField(_("until"), null=True, blank=True)
    affected_count = models.PositiveIntegerField(_("cases affected"), null=True, blank=True)
    affected_counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)

    containment = models.TextField(_("containment and recovery measures"), blank=True)
    contained_at = models.DateTimeField(_("contained at"), null=True, blank=True)
    subjects_notified_at = models.DateTimeField(_("subjects notified at"), null=True, blank=True)
    subjects_notice_channel = models.CharField(_("how the subjects were notified"), max_length=200, blank=True)
    authority_notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    authority_reference = models.CharField(_("authority's reference"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("conclusion"), blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("personal data incident")
        verbose_name_plural = _("personal data incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(query_from__isnull=True) | Q(query_until__isnull=True) | Q(query_until__gt=F("query_from")),
                name="incident_query_window_forward",
                violation_error_message=_("The end of the time window must be after its start."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "contained", "notified", "closed"]), name="incident_status_known"
            ),
        ]
        indexes = [models.Index(fields=["status", "detected_at"], name="incident_clock_running")]

    def __str__(self):
        return f"{self.reference} · {self.title}"

    @property
    def reference(self) -> str:
        """`INS-2026-00012`: how emails, letters and the authority name the incident (never by its content)."""
        year = (self.created_at or self.detected_at).year if (self.created_at or self.detected_at) else ""
        return f"INS-{year}-{self.pk or 0:05d}"

    @property
    def deadline(self) -> datetime.datetime:
        """When the 3 × 24 hours of art. 46 run out: detected + 72 h, an instant (shown in the office's zone)."""
        return self.detected_at + datetime.timedelta(hours=NOTIFICATION_HOURS)

    @property
    def clock_running(self) -> bool:
        return self.status in self.CLOCK_RUNNING

    @property
    def specific_data(self) -> bool:
        return any(code in SPECIFIC_CATEGORIES for code in self.data_categories or [])

    def category_labels(self) -> list[str]:
        """The kinds of data affected by their labels, in the order of the list (general first, then specific)."""
        chosen = set(self.data_categories or [])
        return [str(category.label) for category in DataCategory if category in chosen]

    def at_least(self, status: str) -> bool:
        return self.ORDER.index(self.status) >= self.ORDER.index(status)
