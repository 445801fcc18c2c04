"""What programs' services say when they refuse, one constant per refusal.

Tests and pages name a refusal instead of repeating its English; the Indonesian comes from the same msgid in
programs/locale. Lazy, so each is translated where it is shown; one with %(…)s placeholders is filled by the
service (`BATCH_MOVE % {...}`), which translates it then.
"""

from django.utils.translation import gettext_lazy as _

MAY_NOT_ORGANIZE = _("You may not organize programs.")

# Batches and sessions
BATCH_OVER_UNCHANGEABLE = _("A finished or cancelled batch cannot be changed.")
SESSIONS_OUTSIDE_NEW_DATES = _("Some sessions would fall outside the new dates.")
ENROLLED_ELSEWHERE_ON_NEW_DATES = _("Some enrolled cases are in another batch on the new dates.")
BATCH_MOVE = _("A batch cannot go from %(old)s to %(new)s.")
BATCH_OVER_NO_SESSIONS = _("A finished or cancelled batch gets no new sessions.")
SESSION_OUTSIDE_BATCH = _("A session must fall within the batch, %(start)s to %(end)s.")

# Enrollment
BATCH_NOT_ENROLLING = _("This batch no longer takes enrollments.")
CASE_CLOSED = _("A closed case cannot be enrolled.")
ALREADY_ENROLLED = _("This case is already enrolled in this batch.")
OVERLAPS_BATCH = _("This case is in %(batch)s on overlapping dates.")
OVERLAPS_ANOTHER_BATCH = _("This case is in another batch on overlapping dates.")
NOT_WITHDRAWABLE = _("Only an enrolled or waiting case can be withdrawn.")
BATCH_OVER_ENROLLMENTS_FINAL = _("This batch is over; its enrollments are final.")

# Attendance
ATTENDANCE_BEFORE_SESSION = _("Attendance is recorded on or after the session's day.")
ATTENDANCE_NOT_YOURS = _("You may record attendance only for sessions your agency delivers or organizes.")
TICKED_NOT_ENROLLED = _("Some of the people ticked are not enrolled in this batch.")
CASES_NOT_ENROLLED = _("Some people are not enrolled in this batch: %(cases)s.")

# Completion
ONLY_RUNNING_COMPLETES = _("Only a running batch can be completed.")
NO_SESSIONS_TO_COMPLETE = _("A batch without sessions cannot be completed.")

# Follow-ups
FOLLOW_UP_ALREADY_RECORDED = _("This follow-up has already been recorded.")
FOLLOW_UP_NOT_RECORDED = _("This follow-up has not been recorded yet.")
VISIT_IN_FUTURE = _("A visit cannot be dated in the future.")
LEFT_SITE_IN_FUTURE = _("A date of leaving cannot be in the future.")
BUSINESS_TYPE_MISSING = _("Say what business was started.")
