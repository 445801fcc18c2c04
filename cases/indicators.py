"""The cases' figures in the indicator catalogue (issue 17): who is in the services, what came in each month,
referrals and their answers, repatriations, and the people counted at the sites.

Each `compute` is one GROUP BY in the database (the refresh runs them at a million cases); Python only turns
each result row, one per group, into a Fact. `district` is the regency/city of the office that owns the case.

A figure of the present (the cases by stage today) carries `month = None`: it describes the moment of the refresh,
not a month, so a period filter does not narrow it and it is never summed across months.
"""

import datetime

from django.db.models import Case as When_
from django.db.models import CharField, Count, DateField, DurationField, F, Max, Sum, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from agencies.indicators import Dimension, Fact, Indicator, Unit, register, register_labels, register_order
from agencies.models import Region, Role

from .models import Case, Referral, Site, SiteCount, TargetGroup, Transfer

SECTION = _("Cases")
# Who reads the case figures (DESIGN §5): aggregates for leadership, the offices' own staff, and auditors, who
# already read these cases within their jurisdiction. Never NGO caseworkers or partner trainers: the figures span
# districts they have no business in.
READERS = frozenset({Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.AUDITOR})

M, D = Dimension.MONTH.value, Dimension.DISTRICT.value
STAGE, TG, SITE, OUTCOME = (
    Dimension.STAGE.value,
    Dimension.TARGET_GROUP.value,
    Dimension.SITE.value,
    Dimension.OUTCOME.value,
)

# A referral's answer, as the `outcome` of the referral figures.
ACCEPTED, DECLINED = "accepted", "declined"
DECISIONS = {ACCEPTED: _("Accepted"), DECLINED: _("Declined")}


def regency_code(region: str):
    """The regency/city code of the region at `region` (a path to a Region): itself at that level, its parent
    when it is a kecamatan, None when it is a province (a figure then has no district)."""
    return When_(
        When(**{f"{region}__level": Region.Level.REGENCY}, then=F(f"{region}_id")),
        When(**{f"{region}__level": Region.Level.DISTRICT}, then=F(f"{region}__parent_id")),
        default=None,
    )


def month_of(field: str):
    """The first day of the month of `field` (a date, or a moment taken in the installation's time zone)."""
    return TruncMonth(field, output_field=DateField())


def facts(rows, dimensions: tuple[str, ...], *, base: str | None = None, prefix: str = "", **fixed) -> list[Fact]:
    """One Fact per grouped row: the row's `dimensions` (those in `fixed` given here), its `value`, its `base`.

    `prefix`: the row names each dimension `prefix + name`, where the plain name is one of the model's fields
    (an Allocation's `district`), which a grouping may not be called."""
    return [
        Fact(
            dims={name: fixed[name] if name in fixed else row[prefix + name] for name in dimensions},
            value=row["value"] or 0,
            base=None if base is None else row[base] or 0,
        )
        for row in rows
    ]


def counted_cases():
    """Every case but those closed as registered twice: a duplicate is one person's second row, not a case."""
    return Case.objects.exclude(close_reason=Case.CloseReason.DUPLICATE)


# Persons and cases now


CASES_DIMS = (M, D, STAGE, TG, SITE)


def _cases_now(cases) -> list[Fact]:
    rows = (
        cases.values("stage", "target_group", "site", district=F("owner__region_id"))
        .annotate(value=Count("id"))
        .order_by()
    )
    return facts(rows, CASES_DIMS, month=None)


def compute_cases() -> list[Fact]:
    return _cases_now(counted_cases())


def compute_persons() -> list[Fact]:
    # One open case per person (a database constraint): counting open cases counts people, each exactly once.
    return _cases_now(counted_cases().exclude(stage=Case.Stage.CLOSED))


cases_now = register(
    Indicator(
        code="cases.cases",
        label=_("Cases by stage"),
        definition=_(
            "Every case at the time of the refresh (closed ones too, but not those closed as registered twice), by "
            "its stage, target group, site of origin and the regency/city of the office that owns it; not a month's "
            "figure."
        ),
        unit=Unit.COUNT,
        dimensions=CASES_DIMS,
        roles=READERS,
        compute=compute_cases,
        section=SECTION,
    )
)

persons_now = register(
    Indicator(
        code="cases.persons",
        label=_("People in the services"),
        definition=_(
            "People with an open case at the time of the refresh (each person once: a person has one open case), by "
            "the case's stage, target group, site of origin and owning regency/city; not a month's figure."
        ),
        unit=Unit.COUNT,
        dimensions=CASES_DIMS,
        roles=READERS,
        compute=compute_persons,
        section=SECTION,
    )
)


# Intake


INTAKE_DIMS = (M, D, TG, SITE)


def compute_intake() -> list[Fact]:
    rows = (
        counted_cases()
        .values("target_group", "site", month=month_of("created_at"), district=F("owner__region_id"))
        .annotate(value=Count("id"))
        .order_by()
    )
    return facts(rows, INTAKE_DIMS)


intake = register(
    Indicator(
        code="cases.intake",
        label=_("Intake per month"),
        definition=_(
            "Cases registered in the month (not those later closed as registered twice), by target group, site of "
            "origin and the regency/city of the office that owns the case now."
        ),
        unit=Unit.COUNT,
        dimensions=INTAKE_DIMS,
        roles=READERS,
        compute=compute_intake,
        section=SECTION,
    )
)


# Referrals


REFERRAL_DIMS = (M, D, OUTCOME)


def _referral_rows(**value):
    """Referrals answered, grouped by month of the answer, district and answer: a completed referral was accepted
    first (a repatriation is completed the moment it is accepted)."""
    answer = When_(
        When(status=Referral.Status.DECLINED, then=Value(DECLINED)),
        default=Value(ACCEPTED),
        output_field=CharField(),
    )
    return (
        Referral.objects.filter(decided_at__isnull=False)
        .values(month=month_of("decided_at"), district=F("case__owner__region_id"), outcome=answer)
        .annotate(**value)
        .order_by()
    )


def compute_referrals_decided() -> list[Fact]:
    return facts(_referral_rows(value=Count("id")), REFERRAL_DIMS)


def compute_referral_days() -> list[Fact]:
    # Calendar days in the installation's time zone: referred on Monday and answered on Tuesday is one day.
    # Summed as a duration and turned into days here: extracting days per row (ExtractDay) needs a database with a
    # native interval type, and the demo runs on SQLite.
    waited = Sum(TruncDate("decided_at") - TruncDate("created_at"), output_field=DurationField())
    rows = [{**row, "value": _whole_days(row["value"])} for row in _referral_rows(value=waited, decisions=Count("id"))]
    return facts(rows, REFERRAL_DIMS, base="decisions")


def _whole_days(total: datetime.timedelta | None) -> int:
    return 0 if total is None else total // datetime.timedelta(days=1)


referrals_decided = register(
    Indicator(
        code="cases.referrals_decided",
        label=_("Referrals accepted and declined"),
        definition=_(
            "Referrals answered in the month by the agency they were sent to, accepted or declined, by the "
            "regency/city of the office that owns the case now."
        ),
        unit=Unit.COUNT,
        dimensions=REFERRAL_DIMS,
        roles=READERS,
        compute=compute_referrals_decided,
        section=SECTION,
    )
)

referral_days = register(
    Indicator(
        code="cases.referral_days_to_decision",
        label=_("Days from referral to answer"),
        definition=_(
            "The average number of calendar days between a referral being sent and being accepted or declined, "
            "over the referrals answered in the month, by the regency/city of the office that owns the case now."
        ),
        unit=Unit.DAYS,
        dimensions=REFERRAL_DIMS,
        roles=READERS,
        compute=compute_referral_days,
        section=SECTION,
    )
)


# Repatriations


REPATRIATION_DIMS = (M, D, TG)


def compute_repatriations() -> list[Fact]:
    rows = (
        Transfer.objects.filter(referral__kind=Referral.Kind.REPATRIATION)
        .values(
            month=month_of("transferred_at"),
            district=F("from_agency__region_id"),
            target_group=F("case__target_group_id"),
        )
        .annotate(value=Count("id"))
        .order_by()
    )
    return facts(rows, REPATRIATION_DIMS)


repatriations = register(
    Indicator(
        code="cases.repatriations",
        label=_("Repatriations"),
        definition=_(
            "Cases handed over to the office of the person's home district in the month, after it accepted a "
            "repatriation referral, by target group and the regency/city of the office that sent them home."
        ),
        unit=Unit.COUNT,
        dimensions=REPATRIATION_DIMS,
        roles=READERS,
        compute=compute_repatriations,
        section=SECTION,
    )
)


# Site headcounts


HEADCOUNT_DIMS = (M, D, SITE)


def compute_site_headcounts() -> list[Fact]:
    rows = (
        SiteCount.objects.values("site", month=month_of("counted_on"), district=regency_code("site__region"))
        .annotate(value=Max("people_present"))
        .order_by()
    )
    return facts(rows, HEADCOUNT_DIMS)


site_headcounts = register(
    Indicator(
        code="cases.site_headcounts",
        label=_("People counted at the sites"),
        definition=_(
            "The most people any agency counted present at a site in the month (the highest of that month's "
            "counts), by site and the regency/city the site is in."
        ),
        unit=Unit.COUNT,
        dimensions=HEADCOUNT_DIMS,
        roles=READERS,
        compute=compute_site_headcounts,
        section=SECTION,
    )
)


# Labels of this app's dimension values, for the figures layer (agencies.indicators.register_labels, at the end):
# each takes the keys a table shows and answers {key: label} in one query at most.


def stage_labels(keys) -> dict:
    return {key: Case.Stage(key).label for key in keys if key in Case.Stage.values}


def target_group_labels(keys) -> dict:
    return dict(TargetGroup.objects.filter(code__in=[k for k in keys if k is not None]).values_list("code", "name"))


def site_labels(keys) -> dict:
    return dict(Site.objects.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", "name"))


def decision_labels(keys) -> dict:
    return {key: DECISIONS[key] for key in keys if key in DECISIONS}


def region_labels(keys) -> dict:
    """Region names for `district` keys (the figures layer names districts itself; kept for the tests' checks)."""
    return dict(Region.objects.filter(code__in=[k for k in keys if k is not None]).values_list("code", "name"))


register_labels(Dimension.STAGE, stage_labels)
# Stages in the order of the work (registered → … → closed), not alphabetically.
register_order(
    Dimension.STAGE, lambda key: Case.STAGE_ORDER.index(key) if key in Case.STAGE_ORDER else len(Case.STAGE_ORDER)
)
register_labels(Dimension.TARGET_GROUP, target_group_labels)
register_labels(Dimension.SITE, site_labels)
register_labels(Dimension.OUTCOME, decision_labels)
