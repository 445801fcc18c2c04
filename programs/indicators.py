"""The programs' figures in the indicator catalogue (issue 17): enrollment, completion and attendance, follow-up
visits done and overdue, and what the visits found 1, 3, 6 and 12 months after completion.

Each `compute` is one GROUP BY in the database (the refresh runs them at three million enrollments). `district` is
the regency/city of the office that owns the person's case, so a province program's figures fall to the districts
its people belong to; `program` is the batch's program. Rates keep numerator (`value`) and denominator (`base`)
apart, as the catalogue asks.
"""

from django.db.models import Case as When_
from django.db.models import CharField, Count, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.indicators import Dimension, Indicator, Unit, register, register_labels, register_order, register_targets
from agencies.models import Role
from cases import indicators as case_indicators
from cases.indicators import facts, month_of

from . import due
from .models import Attendance, Batch, Enrollment, FollowUp, Outcome, Program

SECTION = _("Training and follow-up")
# As the program report's readers beyond the organizers: leadership, province and district staff, and auditors
# (who read the cases these figures count). Never partner trainers or NGO caseworkers: the figures span districts.
READERS = frozenset({Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.AUDITOR})

M, D, P, TG = Dimension.MONTH.value, Dimension.DISTRICT.value, Dimension.PROGRAM.value, Dimension.TARGET_GROUP.value
SITE, AFTER, OUTCOME = Dimension.SITE.value, Dimension.MONTHS_AFTER.value, Dimension.OUTCOME.value

# Everyone who took part (or is taking part), as the program report counts them: not the waiting list, not those
# who withdrew before the batch.
TOOK_PART = Q(status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.COMPLETED, Enrollment.Status.NOT_COMPLETED])


# Enrollment, completion, attendance


TRAINING_DIMS = (M, D, P, TG)


def _person_dims(case: str = "case") -> dict:
    """The person's dimensions, through `case`: the regency/city of the case's owning office, its target group."""
    return {"district": F(f"{case}__owner__region_id"), "target_group": F(f"{case}__target_group_id")}


def compute_enrollment() -> list:
    rows = (
        Enrollment.objects.filter(TOOK_PART)
        .values(month=month_of("batch__starts_on"), program=F("batch__program_id"), **_person_dims())
        .annotate(value=Count("id"))
        .order_by()
    )
    return facts(rows, TRAINING_DIMS)


def compute_completion_rate() -> list:
    rows = (
        Enrollment.objects.filter(TOOK_PART, batch__status=Batch.Status.FINISHED)
        .values(month=month_of("batch__ends_on"), program=F("batch__program_id"), **_person_dims())
        .annotate(value=Count("id", filter=Q(status=Enrollment.Status.COMPLETED)), base=Count("id"))
        .order_by()
    )
    return facts(rows, TRAINING_DIMS, base="base")


def compute_attendance_rate() -> list:
    rows = (
        Attendance.objects.values(
            month=month_of("session__date"),
            program=F("session__batch__program_id"),
            **_person_dims("enrollment__case"),
        )
        .annotate(value=Count("id", filter=Q(present=True)), base=Count("id"))
        .order_by()
    )
    return facts(rows, TRAINING_DIMS, base="base")


enrollment = register(
    Indicator(
        code="programs.enrollment",
        label=_("Enrolled in training"),
        definition=_(
            "People enrolled in a batch that starts in the month (not those on the waiting list or who withdrew), "
            "by program, target group and the regency/city of the office that owns their case."
        ),
        unit=Unit.COUNT,
        dimensions=TRAINING_DIMS,
        roles=READERS,
        compute=compute_enrollment,
        section=SECTION,
    )
)

completion_rate = register(
    Indicator(
        code="programs.completion_rate",
        label=_("Completion rate"),
        definition=_(
            "Of the people enrolled in a batch that finished in the month, the share who completed it, by program, "
            "target group and the regency/city of the office that owns their case."
        ),
        unit=Unit.PERCENT,
        dimensions=TRAINING_DIMS,
        roles=READERS,
        compute=compute_completion_rate,
        section=SECTION,
    )
)

attendance_rate = register(
    Indicator(
        code="programs.attendance_rate",
        label=_("Attendance rate"),
        definition=_(
            "Of the attendance recorded for the sessions held in the month (one mark per person and session), the "
            "share marked present, by program, target group and the regency/city of the office that owns the case."
        ),
        unit=Unit.PERCENT,
        dimensions=TRAINING_DIMS,
        roles=READERS,
        compute=compute_attendance_rate,
        section=SECTION,
    )
)


# Follow-up visits


FOLLOW_UP_DIMS = (M, D, P)


def _follow_up_rows(follow_ups, **value):
    return (
        follow_ups.values(
            month=month_of("due_on"), program=F("enrollment__batch__program_id"), district=F("case__owner__region_id")
        )
        .annotate(**value)
        .order_by()
    )


def compute_follow_ups_done() -> list:
    today = timezone.localdate()
    fallen_due = FollowUp.objects.filter(Q(due_on__lte=today) | Q(done_on__isnull=False))
    rows = _follow_up_rows(fallen_due, value=Count("id", filter=Q(done_on__isnull=False)), base=Count("id"))
    return facts(rows, FOLLOW_UP_DIMS, base="base")


def compute_follow_ups_overdue() -> list:
    # The home's and the reminders' own definition (programs.due): not visited, the case still open, past due.
    overdue = due.open_follow_ups().filter(due.in_state(due.OVERDUE, timezone.localdate()))
    return facts(_follow_up_rows(overdue, value=Count("id")), FOLLOW_UP_DIMS)


follow_ups_done = register(
    Indicator(
        code="programs.follow_ups_done",
        label=_("Follow-up visits done"),
        definition=_(
            "Of the follow-up visits due in the month (those due by the day of the refresh, and any made early), "
            "the share made, by program and the regency/city of the office that owns the case."
        ),
        unit=Unit.PERCENT,
        dimensions=FOLLOW_UP_DIMS,
        roles=READERS,
        compute=compute_follow_ups_done,
        section=SECTION,
    )
)

follow_ups_overdue = register(
    Indicator(
        code="programs.follow_ups_overdue",
        label=_("Follow-up visits overdue"),
        definition=_(
            "Follow-up visits of open cases not made by their due date, as at the day of the refresh, by the month "
            "they fell due, program and the regency/city of the office that owns the case."
        ),
        unit=Unit.COUNT,
        dimensions=FOLLOW_UP_DIMS,
        roles=READERS,
        compute=compute_follow_ups_overdue,
        section=SECTION,
    )
)


# Outcomes after completion

# A program sets its visits in days after completion ([30, 90, 180] by default); the catalogue reports them at the
# nearest of 1, 3, 6 and 12 months.
MONTHS_AFTER = (1, 3, 6, 12)
MONTHS_AFTER_BOUNDS = ((45, 1), (135, 3), (270, 6))

OUTCOME_DIMS = (M, D, P, AFTER)
LEFT_SITE_DIMS = (M, D, P, AFTER, SITE)
INCOME_DIMS = (M, D, P, AFTER, OUTCOME)


def months_after():
    return When_(
        *(When(follow_up__offset_days__lte=days, then=Value(months)) for days, months in MONTHS_AFTER_BOUNDS),
        default=Value(12),
    )


def _outcome_rows(*extra, **value):
    return (
        Outcome.objects.values(
            *extra,
            month=month_of("recorded_on"),
            program=F("follow_up__enrollment__batch__program_id"),
            district=F("case__owner__region_id"),
            months_after=months_after(),
        )
        .annotate(**value)
        .order_by()
    )


def _share(condition: Q) -> dict:
    return {"value": Count("id", filter=condition), "base": Count("id")}


def compute_left_site() -> list:
    rows = _outcome_rows(site=F("case__site_id"), **_share(Q(site_status__in=Outcome.LEFT)))
    return facts(rows, LEFT_SITE_DIMS, base="base")


def compute_business_running() -> list:
    return facts(_outcome_rows(**_share(Q(business_started=True))), OUTCOME_DIMS, base="base")


def compute_bpjs() -> list:
    return facts(_outcome_rows(**_share(Q(bpjs_enrolled=True))), OUTCOME_DIMS, base="base")


def compute_income() -> list:
    # A visit that did not ask about income is counted under None ("not recorded"), not left out.
    band = When_(When(income_band="", then=None), default=F("income_band"), output_field=CharField())
    rows = _outcome_rows(outcome=band, value=Count("id"))
    return facts(rows, INCOME_DIMS)


def _outcome_indicator(code, label, definition, compute, dimensions=OUTCOME_DIMS, unit=Unit.PERCENT):
    return register(
        Indicator(
            code=code,
            label=label,
            definition=definition,
            unit=unit,
            dimensions=dimensions,
            roles=READERS,
            compute=compute,
            section=SECTION,
        )
    )


left_site = _outcome_indicator(
    "programs.outcome_left_site",
    _("Left the site"),
    _(
        "Of the follow-up visits made in the month 1, 3, 6 or 12 months after completion, the share that found the "
        "person had left the site or gone home, by program, site of origin and the regency/city of the office that "
        "owns the case; read against each program's own target."
    ),
    compute_left_site,
    dimensions=LEFT_SITE_DIMS,
)

business_running = _outcome_indicator(
    "programs.outcome_business_running",
    _("Business running"),
    _(
        "Of the follow-up visits made in the month 1, 3, 6 or 12 months after completion, the share that found a "
        "business started, by program and the regency/city of the office that owns the case."
    ),
    compute_business_running,
)

bpjs = _outcome_indicator(
    "programs.outcome_bpjs",
    _("Covered by BPJS"),
    _(
        "Of the follow-up visits made in the month 1, 3, 6 or 12 months after completion, the share that found the "
        "person enrolled in BPJS, by program and the regency/city of the office that owns the case."
    ),
    compute_bpjs,
)

income = _outcome_indicator(
    "programs.outcome_income",
    _("Income after training"),
    _(
        "Follow-up visits made in the month 1, 3, 6 or 12 months after completion, by the monthly income band "
        "they recorded, program and the regency/city of the office that owns the case."
    ),
    compute_income,
    dimensions=INCOME_DIMS,
    unit=Unit.COUNT,
)


# Labels and targets of this app's dimension values, for the figures layer (registered at the end).


def program_labels(keys) -> dict:
    programs = Program.objects.filter(pk__in=[k for k in keys if k is not None])
    return {pk: f"{name} ({year})" for pk, name, year in programs.values_list("pk", "name", "fiscal_year")}


def months_after_labels(keys) -> dict:
    return {
        key: ngettext("%(months)s month after completion", "%(months)s months after completion", key) % {"months": key}
        for key in keys
        if key in MONTHS_AFTER
    }


def income_band_labels(keys) -> dict:
    labels = {key: Outcome.IncomeBand(key).label for key in keys if key in Outcome.IncomeBand.values}
    if None in keys:
        labels[None] = _("Income not recorded")
    return labels


def program_targets(keys) -> dict:
    """{program id: its target share (%) who leave their site}, for the programs that set one: the target varies by
    program, which the Indicator's single `target_percent` cannot hold."""
    programs = Program.objects.filter(pk__in=[k for k in keys if k is not None], left_site_target__isnull=False)
    return dict(programs.values_list("pk", "left_site_target"))


register_labels(Dimension.PROGRAM, program_labels)
register_labels(Dimension.MONTHS_AFTER, months_after_labels)
register_order(Dimension.MONTHS_AFTER, int)  # 1, 3, 6, 12 months: by number, not by their words
register_targets(Dimension.PROGRAM, program_targets)


def _outcome_labels(keys) -> dict:
    # One dimension, two vocabularies that never share a key: a referral's decision (cases) and an income band.
    return {**case_indicators.decision_labels(keys), **income_band_labels(keys)}


register_labels(Dimension.OUTCOME, _outcome_labels)
