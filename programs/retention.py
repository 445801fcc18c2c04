"""What the retention job removes from the programs' rows about a pseudonymized case (agencies.retention): free
text only. Enrollments, attendance, follow-ups and outcomes' facts stay: the programs' figures count them."""

from django.utils.translation import gettext_lazy as _

from agencies.retention import register_scrub

from .models import Attendance, Enrollment, FollowUp, Outcome

register_scrub(Enrollment, case="case", kept=_("batch, status, dates, attendance rate"))
register_scrub(Attendance, case="enrollment__case", kept=_("present or not, per session"))
register_scrub(FollowUp, case="case", kept=_("due and visit dates"))
register_scrub(
    Outcome,
    case="case",
    replaced=("business_type",),
    kept=_("business started, income band, where she lives (left the site or not), BPJS"),
)
