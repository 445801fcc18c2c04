"""Reads of programs: rosters through the access rule, and the program report computed in the database."""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from agencies import access

from .models import Enrollment, Outcome, Program

# Cells below this are shown as "<5" to people who do not run the program (aggregates only, DESIGN §5).
SMALL_CELL = 5
TRAINED = (Enrollment.Status.COMPLETED,)
STILL_THERE = (Outcome.SiteStatus.STILL_AT_SITE, Outcome.SiteStatus.RETURNED_TO_SITE)


def roster(actor, batch) -> QuerySet[Enrollment]:
    """The batch's enrollments `actor` may see, with the names a roster shows."""
    return (
        access.visible_to(actor, Enrollment)
        .filter(batch=batch)
        .select_related("case__person")
        .order_by("status", "case__person__full_name", "id")
    )


@dataclass
class ReportRow:
    label: str
    enrolled: int = 0
    trained: int = 0
    followed_up: int = 0
    left_site: int = 0
    still_there: int = 0

    @property
    def completion_rate(self) -> int | None:
        return round(100 * self.trained / self.enrolled) if self.enrolled else None

    @property
    def left_site_rate(self) -> int | None:
        return round(100 * self.left_site / self.followed_up) if self.followed_up else None


@dataclass
class ProgramReport:
    program: Program
    batches: list[ReportRow] = field(default_factory=list)
    sites: list[ReportRow] = field(default_factory=list)
    total: ReportRow | None = None
    suppress_small_cells: bool = True

    @property
    def meets_target(self) -> bool | None:
        target, rate = self.program.left_site_target, self.total.left_site_rate if self.total else None
        return None if target is None or rate is None else rate >= target


def _latest_site_status():
    latest = Outcome.objects.filter(case=OuterRef("case")).order_by("-recorded_on", "-id")
    return Subquery(latest.values("site_status")[:1])


def _counts():
    trained = Q(status__in=TRAINED)
    return {
        "enrolled": Count("id"),
        "trained": Count("id", filter=trained),
        "followed_up": Count("id", filter=trained & Q(latest_site_status__isnull=False)),
        "left_site": Count("id", filter=trained & Q(latest_site_status__in=Outcome.LEFT)),
        "still_there": Count("id", filter=trained & Q(latest_site_status__in=STILL_THERE)),
    }


def program_report(actor, program_id) -> ProgramReport:
    """Per batch and per site of origin: enrolled, trained, followed up, left the site, still there.

    Three queries whatever the number of enrollments: the program, one aggregate per batch, one per site.
    The latest outcome of each case decides where they live now.
    """
    program = access.get_visible(actor, Program, pk=program_id)
    taken_part = (
        Enrollment.objects.filter(batch__program=program)
        .exclude(status__in=[Enrollment.Status.WITHDRAWN, Enrollment.Status.WAITLISTED])
        .annotate(latest_site_status=_latest_site_status())
    )
    report = ProgramReport(program=program, suppress_small_cells=not access.can_change(actor, program))
    by_batch = taken_part.values("batch__number").annotate(**_counts()).order_by("batch__number")
    for row in by_batch:
        number = row.pop("batch__number")
        report.batches.append(ReportRow(label=str(number), **row))
    by_site = taken_part.values("case__site__name").annotate(**_counts()).order_by("case__site__name")
    for row in by_site:
        report.sites.append(ReportRow(label=row.pop("case__site__name") or "-", **row))
    report.total = ReportRow(
        label="",
        **{key: sum(getattr(row, key) for row in report.batches) for key in _counts()},
    )
    return report
