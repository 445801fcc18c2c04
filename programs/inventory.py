"""The data inventory of training, attendance and follow-up (agencies.inventory, UU 27/2022)."""

from django.utils.translation import gettext_lazy as _

from agencies.inventory import LegalBasis, Specific, Subject, activity, not_personal, record
from agencies.retention import RetentionClass as R

from .models import Attendance, Batch, Enrollment, FollowUp, Outcome, Program, Session

TRAINING = activity(
    "programs.training",
    name=_("Skills training and attendance"),
    purpose=_(
        "Enrol people into training batches, record their attendance per session and whether they completed; a "
        "partner agency delivering a session sees the names on its roster only."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=30,
)
FOLLOW_UP = activity(
    "programs.follow_up",
    name=_("Follow-up after training"),
    purpose=_(
        "Schedule and record the follow-up visits after training: whether a business runs, the income band, where "
        "the person lives now and her BPJS enrolment, to support her and to measure the programs."
    ),
    legal_basis=LegalBasis.PUBLIC_TASK,
    order=40,
)

# Programs, batches and sessions are the calendar: no person, except the trainer named on a session.
not_personal(
    Program,
    "name",
    "kind",
    "organizer",
    "region",
    "fiscal_year",
    "target_groups",
    "attendance_threshold",
    "follow_up_offsets",
    "left_site_target",
    "created_at",
    "updated_at",
)
not_personal(
    Batch,
    "program",
    "number",
    "starts_on",
    "ends_on",
    "venue",
    "capacity",
    "enrolled_count",
    "status",
    "created_at",
    "updated_at",
)
record(
    Session,
    activity=TRAINING,
    retention=R.STAFF_ACCOUNT,
    subject=Subject.TRAINER,
    general=("trainer_name",),
    not_personal=("batch", "date", "topic", "delivering_agency", "created_at"),
)
record(
    Enrollment,
    activity=TRAINING,
    retention=R.CASE_RECORD,
    general=("batch", "case", "status", "starts_on", "ends_on", "attendance_rate", "created_at", "updated_at"),
    staff=("enrolled_by",),
    labels={"starts_on": _("batch starts on"), "ends_on": _("batch ends on")},
)
record(
    Attendance,
    activity=TRAINING,
    retention=R.CASE_RECORD,
    general=("enrollment", "session", "present", "recorded_at"),
    staff=("recorded_by",),
)
record(
    FollowUp,
    activity=FOLLOW_UP,
    retention=R.CASE_RECORD,
    general=("case", "enrollment", "offset_days", "due_on", "done_on", "created_at", "updated_at"),
    staff=("caseworker",),
)
record(
    Outcome,
    activity=FOLLOW_UP,
    retention=R.CASE_RECORD,
    general=("follow_up", "case", "recorded_on", "business_started", "business_type", "bpjs_enrolled", "created_at"),
    specific={
        "income_band": (Specific.FINANCIAL,),
        "site_status": (Specific.SEX_WORK_HISTORY,),
        "left_site_on": (Specific.SEX_WORK_HISTORY,),
    },
    staff=("recorded_by",),
)
