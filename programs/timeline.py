"""What programs add to a case's file (cases/timeline.py): each enrollment with its attendance, each follow-up visit
with what was found there, a visit not made in time, and the next visit due. Read through the access rule."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from agencies import access
from cases import timeline
from cases.timeline import Due, Entry

from .models import Enrollment, FollowUp, Outcome


def _today(case):
    return timezone.localtime(timezone.now(), timeline.zone_of(case)).date()


@timeline.source
def enrollments(actor, case):
    statuses = dict(Enrollment.Status.choices)
    rows = (
        access.visible_to(actor, Enrollment)
        .filter(case_id=case.pk)
        .select_related("batch__program", "enrolled_by")
        .annotate(present=Count("attendance", filter=Q(attendance__present=True)), recorded=Count("attendance"))
        .order_by("pk")
    )
    for enrollment in rows:
        lines = [f"{gettext('Status')}: {statuses.get(enrollment.status, enrollment.status)}"]
        if enrollment.recorded:
            lines.append(
                gettext("Present at %(present)d of %(recorded)d sessions recorded")
                % {"present": enrollment.present, "recorded": enrollment.recorded}
            )
        user = enrollment.enrolled_by
        yield Entry(
            enrollment.created_at,
            "program",
            gettext("Enrolled in %(batch)s") % {"batch": enrollment.batch},
            "\n".join(lines),
            timeline.by(user.first_name, user.last_name, user.username) if user else "",
        )


def _found(outcome: Outcome) -> str:
    yes_no = {True: gettext("Yes"), False: gettext("No")}
    lines = [f"{gettext('Where the person lives')}: {outcome.get_site_status_display()}"]
    business = yes_no[outcome.business_started]
    if outcome.business_type:
        business = f"{business} ({outcome.business_type})"
    lines.append(f"{gettext('Business started')}: {business}")
    if outcome.income_band:
        lines.append(f"{gettext('Income')}: {outcome.get_income_band_display()}")
    lines.append(f"{gettext('Enrolled in BPJS')}: {yes_no[outcome.bpjs_enrolled]}")
    return "\n".join(lines)


@timeline.source
def visits(actor, case):
    """Each visit made, with what was found; each visit not made in time; and the next visit due."""
    today = _today(case)
    outcomes = {o.follow_up_id: o for o in access.visible_to(actor, Outcome).filter(case_id=case.pk)}
    waiting = []
    for visit in access.visible_to(actor, FollowUp).filter(case_id=case.pk).order_by("due_on", "pk"):
        days = {"days": visit.offset_days}
        if visit.done_on:
            outcome = outcomes.get(visit.pk)
            title = gettext("Follow-up visit, %(days)d days after completion") % days
            yield Entry(visit.done_on, "visit", title, _found(outcome) if outcome else "")
            continue
        waiting.append(visit)
        if visit.due_on < today:
            title = gettext("Follow-up visit not made (due %(days)d days after completion)") % days
            yield Entry(visit.due_on, "late", title)
    if waiting:
        visit = waiting[0]
        label = gettext("Follow-up visit, %(days)d days after completion") % {"days": visit.offset_days}
        yield Due(label, visit.due_on, visit.due_on < today)
