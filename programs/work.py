"""The programme work on the admin home (agencies.work): follow-up visits due, batches starting, waiting lists and the
sessions an agency delivers, each counted by its one definition in programs.due, through agencies.access."""

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.models import Role
from agencies.work import Line, Row, WorkContext, work_source

from . import due
from .models import Batch, Enrollment, FollowUp, Session

VISITS = _("Follow-up visits")
SESSIONS = _("Sessions and batches")
CASE_WORKING_ROLES = (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER)
# Who is shown the sessions their agency delivers, with the way to tick attendance.
DELIVERING_ROLES = (Role.PARTNER_TRAINER, Role.NGO_CASEWORKER, Role.DISTRICT_STAFF)
# The week's sessions listed by name, at most.
LISTED = 12


def changelist(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


@work_source(order=10)
def follow_up_visits(actor, context: WorkContext):
    if not access.may_see_any(actor, FollowUp):
        return
    mine = due.open_only(access.visible_to(actor, FollowUp)).filter(due.worked_by(actor))
    every_day = context.holds(*CASE_WORKING_ROLES)
    yield Line(
        section=VISITS,
        label=_("Overdue"),
        url=changelist(FollowUp, due="overdue", worker="me"),
        rows=mine.filter(due.in_state(due.OVERDUE, context.today)),
        always=every_day,
    )
    yield Line(
        section=VISITS,
        label=_("Due within %(days)d days") % {"days": due.due_within()},
        url=changelist(FollowUp, due="week", worker="me"),
        rows=mine.filter(due.in_state(due.DUE, context.today)),
        always=every_day,
    )
    supervised = context.agencies(due.SUPERVISOR_ROLES)
    escalations = due.escalated_to(supervised, context.agencies(due.PROVINCE_ROLES), context.today)
    if escalations is not None:
        days = due.escalation_after() * (1 if supervised else 2)
        yield Line(
            section=VISITS,
            label=_("Escalated to me: overdue more than %(days)d days") % {"days": days},
            url=changelist(FollowUp, due="escalated"),
            rows=due.open_only(access.visible_to(actor, FollowUp)).filter(escalations),
        )


@work_source(order=40)
def sessions_and_batches(actor, context: WorkContext):
    delivering = context.agencies(DELIVERING_ROLES)
    if delivering:
        yield from _sessions(actor, delivering, context)
    audience = due.batch_audience(context.agencies(due.BATCH_ORGANIZER_ROLES), context.agencies(due.PARTNER_ROLES))
    if audience is not None:
        yield Line(
            section=SESSIONS,
            label=_("Batches starting within %(days)d days") % {"days": due.batch_notice_days()},
            url=changelist(Batch, starting="soon"),
            rows=due.live_only(access.visible_to(actor, Batch)).filter(due.starting_soon(context.today), audience),
        )
    if context.holds(Role.DISTRICT_STAFF, Role.PROVINCE_STAFF):
        yield Line(
            section=SESSIONS,
            label=_("People on a waiting list"),
            url=changelist(Enrollment, status__exact=Enrollment.Status.WAITLISTED),
            rows=access.visible_to(actor, Enrollment).filter(status=Enrollment.Status.WAITLISTED),
        )


def _sessions(actor, agencies, context: WorkContext):
    """Today's sessions and the other days' of this week (Monday to Sunday), each with the link to its attendance."""
    today = context.today
    monday = today - datetime.timedelta(days=today.weekday())
    sessions = list(
        due.sessions_delivered(
            access.visible_to(actor, Session), agencies, monday, monday + datetime.timedelta(days=6)
        ).select_related("batch__program")[: LISTED + 1]
    )
    shown, more = sessions[:LISTED], len(sessions) > LISTED
    partner = context.holds(Role.PARTNER_TRAINER)

    def row(session) -> Row:
        return Row(
            text=_("%(topic)s · %(program)s, batch %(number)s")
            % {
                "topic": session.get_topic_display(),
                "program": session.batch.program.name,
                "number": session.batch.number,
            },
            # Straight to ticking that session on a phone (its own page names the session: not "today's" guess).
            url=f"{reverse('admin:programs_batch_attendance', args=[session.batch_id])}?session={session.pk}",
            action=_("Record attendance"),
            when=session.date,
        )

    todays = [row(s) for s in shown if s.date == today]
    others = [row(s) for s in shown if s.date != today]
    yield Line(
        section=SESSIONS,
        label=_("My agency's sessions today"),
        url="",
        listed=todays,
        count=len(todays),
        more=more and len(todays) == LISTED,
        always=partner,
    )
    yield Line(
        section=SESSIONS,
        label=_("My agency's other sessions this week"),
        url="",
        listed=others,
        count=len(others),
        more=more,
    )
