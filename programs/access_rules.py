"""Who sees and changes programs, batches, sessions, rosters, attendance and follow-ups (DESIGN §5, issue 4)."""

from django.db.models import Q

from agencies.models import Role
from agencies.rulebook import every_role, everything, extend, jurisdiction, own_agency, register, register_following
from cases.models import Case
from cases.privacy import unrestricted

from .models import Attendance, Batch, Enrollment, FollowUp, Outcome, Program, Session


def _organized(path: str = "") -> dict:
    """The organizing agency's clauses, reached through `path` to a program ("" on Program itself)."""
    field = f"{path}__organizer" if path else "organizer"
    return {
        Role.PROVINCE_STAFF: jurisdiction(field),
        Role.DISTRICT_STAFF: own_agency(field),
        Role.NGO_CASEWORKER: own_agency(field),
    }


# Programs, batches and sessions hold no personal data: every member may read the calendar.
register(Program, see=every_role(everything), change=_organized())
register_following(Batch, Program, child_field="program")
register_following(Session, Batch, child_field="batch")


def delivers_a_session_of_the_batch(path: str):
    def rule(grant) -> Q:
        batches = Session.objects.filter(delivering_agency=grant.agency).values("batch")
        return Q(**{f"{path}__in": batches})

    return rule


def unrestricted_roster_row(rule):
    # A partner agency reads a roster's names: sharing, which a restriction of processing stops (cases/privacy.py).
    def unrestricted_rows(grant) -> Q:
        return rule(grant) & unrestricted("case__person")

    unrestricted_rows.description = "delivers a session of the batch, the person's processing not restricted"
    return unrestricted_rows


# A roster row is seen by whoever sees the case, by the batch's organizers, and (names only: no case
# details) by the partner agencies delivering one of its sessions.
register_following(Enrollment, Case, child_field="case")
extend(
    Enrollment,
    see={
        **_organized("batch__program"),
        Role.PARTNER_TRAINER: unrestricted_roster_row(delivers_a_session_of_the_batch("batch")),
    },
    change=_organized("batch__program"),
)

# Attendance: recorded by the agency delivering the session, the organizers, and those working the case.
register_following(Attendance, Enrollment, child_field="enrollment")
extend(
    Attendance,
    change={**_organized("session__batch__program"), Role.PARTNER_TRAINER: own_agency("session__delivering_agency")},
)

register_following(FollowUp, Case, child_field="case")
register_following(Outcome, Case, child_field="case")
