"""What programs add to a subject-access bundle (cases/subject_access.py): her enrollments, attendance, follow-up
visits and outcomes. The other participants of her batches are never read as rows; their names are handed to the
bundle only to be blacked out of its written text."""

from django.utils.translation import gettext as _

from cases import subject_access
from cases.subject_access import Exclusion, Subject, name_of

from .models import Attendance, Enrollment, FollowUp, Outcome


@subject_access.source
def program_rows(s: Subject):
    enrollments = list(
        Enrollment.objects.filter(case_id__in=s.case_ids)
        .select_related("case", "batch__program", "enrolled_by")
        .order_by("starts_on", "pk")
    )
    yield s.section(
        "enrollments",
        _("Training and programs"),
        enrollments,
        [
            (_("Program"), lambda r: r.batch.program.name),
            (_("Batch"), lambda r: r.batch.number),
            (_("Case number"), lambda r: r.case.number),
            (_("From"), lambda r: s.when(r.starts_on)),
            (_("Until"), lambda r: s.when(r.ends_on)),
            (_("Status"), lambda r: r.get_status_display()),
            (_("Attendance (%)"), lambda r: r.attendance_rate),
        ],
    )
    yield s.section(
        "attendance",
        _("Attendance"),
        Attendance.objects.filter(enrollment__in=[e.pk for e in enrollments])
        .select_related("session__batch__program", "recorded_by")
        .order_by("session__date", "pk"),
        [
            (_("Date"), lambda r: s.when(r.session.date)),
            (_("Program"), lambda r: r.session.batch.program.name),
            (_("Topic"), lambda r: r.session.get_topic_display()),
            (_("Present"), lambda r: r.present),
            (_("Recorded by"), lambda r: name_of(r.recorded_by)),
        ],
    )
    follow_ups = s.section(
        "follow_ups",
        _("Follow-up visits"),
        FollowUp.objects.filter(case_id__in=s.case_ids).select_related("case", "caseworker").order_by("due_on", "pk"),
        [
            (_("Due on"), lambda r: s.when(r.due_on)),
            (_("Visited on"), lambda r: s.when(r.done_on) if r.done_on else ""),
            (_("Case number"), lambda r: r.case.number),
            (_("Caseworker"), lambda r: name_of(r.caseworker)),
        ],
    )
    yield follow_ups
    yield s.section(
        "outcomes",
        _("What the visits found"),
        Outcome.objects.filter(case_id__in=s.case_ids).select_related("case", "recorded_by").order_by("recorded_on"),
        [
            (_("Visited on"), lambda r: s.when(r.recorded_on)),
            (_("Case number"), lambda r: r.case.number),
            (_("Business started"), lambda r: r.business_started),
            (_("Type of business"), lambda r: r.business_type),
            (_("Income"), lambda r: r.get_income_band_display()),
            (_("Where the person lives"), lambda r: r.get_site_status_display()),
            (_("Left the site on"), lambda r: s.when(r.left_site_on) if r.left_site_on else ""),
            (_("Enrolled in BPJS"), lambda r: r.bpjs_enrolled),
            (_("Recorded by"), lambda r: name_of(r.recorded_by)),
        ],
    )
    # Who else was in her batches: names to black out of notes, never rows of the bundle.
    batches = {e.batch_id for e in enrollments}
    if batches:
        others = Enrollment.objects.filter(batch_id__in=batches).exclude(case_id__in=s.case_ids)
        s.other_names |= subject_access.other_persons_of_cases(others.values("case"))
        s.exclusions.append(
            Exclusion(
                _("The other participants of her batches"),
                _("Other persons' data is not hers to receive: only her own place in each batch is shown."),
                others.values("case__person").distinct().count(),
            )
        )
