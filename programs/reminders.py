"""What the programme work reminds people of: follow-ups due, follow-ups overdue, batches about to start.

Each composer answers "what is due at `now`?" in a fixed number of queries, whatever the number of follow-ups,
and computes "today" in each recipient's own office time zone (DESIGN §8: overdue is computed once, on the server).
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.notifications import (
    Draft,
    admin_link_maker,
    composer,
    local_now,
    members_of,
    offices_of,
    register_kind,
)
from cases.privacy import subject_person, unrestricted

from . import due
from .due import BATCH_ORGANIZER_ROLES, PARTNER_ROLES, PROVINCE_ROLES, SUPERVISOR_ROLES
from .models import Session

# An email about a follow-up is about its case's person: the outbox skips it once she is restricted.
subject_person("programs.followup", "case__person")

FOLLOW_UPS_DUE = register_kind(
    "follow_ups_due", _("Follow-ups due (daily digest)"), "programs/notifications/follow_ups_due"
)
FOLLOW_UP_ESCALATED = register_kind(
    "follow_up_escalated",
    _("Follow-up overdue (escalation to the supervisor)"),
    "programs/notifications/follow_up_escalated",
    critical=True,
)
BATCH_STARTING = register_kind("batch_starting", _("Batch starting soon"), "programs/notifications/batch_starting")

# A digest lists at most this many follow-ups and links to the rest.
DIGEST_LINES = 100


@composer
def follow_ups_due_digests(now: datetime.datetime):
    """One digest a day per caseworker: their follow-ups overdue or due within REMINDER_DUE_WITHIN_DAYS."""
    within = due.due_within()
    # Tomorrow in UTC is today or later everywhere in Indonesia; each recipient's own date is applied below.
    latest_due = now.date() + datetime.timedelta(days=1 + within)
    rows = (
        due.open_follow_ups()
        .filter(due_on__lte=latest_due)
        .filter(unrestricted("case__person"))  # no email about a person whose processing is restricted
        .annotate(worker=due.WORKER)
        .filter(worker__isnull=False)
        .values_list("worker", "pk", "due_on", "case_id", "case__number")
        .order_by("worker", "due_on", "pk")
    )
    by_worker = defaultdict(list)
    for worker, *row in rows.iterator(chunk_size=5000):
        by_worker[worker].append(row)
    offices = offices_of(by_worker)
    case_link = admin_link_maker("admin:cases_case_change")
    follow_up_link = admin_link_maker("admin:programs_followup_change")
    for worker, follow_ups in by_worker.items():
        membership = offices.get(worker)
        if membership is None:
            continue  # no longer working anywhere: the supervisor's escalation covers these
        today = local_now(membership.agency, now).date()
        overdue, soon = [], []
        for pk, due_on, case_id, number in follow_ups:
            line = {
                "case_number": number,
                "due_on": due_on,
                "days_overdue": (today - due_on).days,
                "days_left": (due_on - today).days,
                "case_url": case_link(case_id),
                "url": follow_up_link(pk),
            }
            state = due.follow_up_state(due_on, today)
            if state == due.OVERDUE:
                overdue.append(line)
            elif state == due.DUE:
                soon.append(line)
        if not overdue and not soon:
            continue
        shown_overdue = overdue[:DIGEST_LINES]
        shown_due = soon[: max(DIGEST_LINES - len(shown_overdue), 0)]
        yield Draft(
            recipient=membership.user,
            agency=membership.agency,
            kind=FOLLOW_UPS_DUE.code,
            period=today.isoformat(),
            context={
                "today": today,
                "within": within,
                "overdue": shown_overdue,
                "due": shown_due,
                "overdue_count": len(overdue),
                "due_count": len(soon),
                "not_shown": len(overdue) + len(soon) - len(shown_overdue) - len(shown_due),
                "list_url": settings.SITE_URL + reverse("admin:programs_followup_changelist"),
            },
        )


@composer
def follow_up_escalations(now: datetime.datetime):
    """Follow-ups overdue by more than N days go to the case's supervisors, once per follow-up and level."""
    latest_due = now.date() + datetime.timedelta(days=1) - datetime.timedelta(days=due.escalation_after())
    rows = list(
        due.open_follow_ups()
        .filter(due_on__lte=latest_due)
        .filter(unrestricted("case__person"))  # no email about a person whose processing is restricted
        .select_related("case__owner__region")
        .only(
            "pk",
            "due_on",
            "case__number",
            "case__owner__region__time_zone",
            "case__owner__parent_id",
            "case__owner__kind",
        )
    )
    if not rows:
        return
    owners = {f.case.owner_id for f in rows}
    provinces = {f.case.owner.parent_id for f in rows if f.case.owner.parent_id}
    supervisors = members_of(owners, SUPERVISOR_ROLES)
    province_staff = members_of(provinces, PROVINCE_ROLES)
    province_offices = {a.pk: a for a in Agency.objects.filter(pk__in=provinces).select_related("region")}
    case_link = admin_link_maker("admin:cases_case_change")
    follow_up_link = admin_link_maker("admin:programs_followup_change")
    for follow_up in rows:
        owner = follow_up.case.owner
        today = local_now(owner, now).date()
        days = (today - follow_up.due_on).days
        for level in due.escalation_levels(follow_up.due_on, today):
            recipients = [(user, owner) for user in supervisors.get(owner.pk, [])]
            if level >= 2 and owner.parent_id in province_offices:
                recipients += [
                    (user, province_offices[owner.parent_id]) for user in province_staff.get(owner.parent_id, [])
                ]
            for user, agency in recipients:
                yield Draft(
                    recipient=user,
                    agency=agency,
                    kind=FOLLOW_UP_ESCALATED.code,
                    subject=f"programs.followup:{follow_up.pk}",
                    period=f"level-{level}",
                    context={
                        "level": level,
                        "case_number": follow_up.case.number,
                        "due_on": follow_up.due_on,
                        "days_overdue": days,
                        "case_url": case_link(follow_up.case_id),
                        "url": follow_up_link(follow_up.pk),
                    },
                )


@composer
def batches_starting(now: datetime.datetime):
    """Organizers and the agencies delivering its sessions hear of a batch REMINDER_BATCH_NOTICE_DAYS ahead."""
    start = now.date() - datetime.timedelta(days=1)
    end = now.date() + datetime.timedelta(days=due.batch_notice_days() + 1)
    batches = list(
        due.live_batches().filter(starts_on__gt=start, starts_on__lte=end).select_related("program__organizer")
    )
    if not batches:
        return
    sessions = defaultdict(lambda: defaultdict(list))
    for session in Session.objects.filter(batch__in=batches).order_by("date", "pk"):
        sessions[session.batch_id][session.delivering_agency_id].append(session)
    organizers = members_of({b.program.organizer_id for b in batches}, BATCH_ORGANIZER_ROLES)
    partner_ids = {agency for per_batch in sessions.values() for agency in per_batch}
    partners = members_of(partner_ids, PARTNER_ROLES)
    agencies = {
        a.pk: a
        for a in Agency.objects.filter(pk__in=partner_ids | {b.program.organizer_id for b in batches}).select_related(
            "region"
        )
    }
    batch_link = admin_link_maker("admin:programs_batch_change")
    for batch in batches:
        audience = {}
        for user in organizers.get(batch.program.organizer_id, []):
            audience.setdefault(user.pk, (user, batch.program.organizer_id))
        for agency_id in sessions[batch.pk]:
            for user in partners.get(agency_id, []):
                audience.setdefault(user.pk, (user, agency_id))
        for user, agency_id in audience.values():
            agency = agencies[agency_id]
            today = local_now(agency, now).date()
            if not due.starts_soon(batch.starts_on, today):
                continue
            days = (batch.starts_on - today).days
            yield Draft(
                recipient=user,
                agency=agency,
                kind=BATCH_STARTING.code,
                subject=f"programs.batch:{batch.pk}",
                period=f"starts-{batch.starts_on.isoformat()}",
                context={
                    "program": batch.program.name,
                    "number": batch.number,
                    "starts_on": batch.starts_on,
                    "ends_on": batch.ends_on,
                    "days": days,
                    "venue": batch.venue,
                    "enrolled": batch.enrolled_count,
                    "capacity": batch.capacity,
                    "sessions": sessions[batch.pk].get(agency_id, []),
                    "url": batch_link(batch.pk),
                },
            )
