"""What the breach register reminds people of: an incident whose 3 × 24 hour notice is running out (UU 27/2022
art. 46, issue 18 item 10).

An incident still open or contained escalates at 24, 48 and 66 hours after detection, each mark once (the outbox's
unique row per recipient, incident and level), only the latest mark reached when a run comes late (the later email
says all the earlier would have). The beat runs it every few minutes (its own schedule, agencies.tasks), not just in
the morning: the marks fall at any hour. Who is told widens with the time left:

- 24 h: the data-protection officers of the jurisdiction (of the incident's office and of the social-service
  offices above it): the notices are theirs to send.
- 48 h: also the province staff of the jurisdiction: they run the offices whose caseworkers hand the letters to
  the people and whose systems the containment touches.
- 66 h: also the heads (leadership of those offices): six hours are left, and the controller's head answers for
  the notice to the authority. They read no incident in the admin, so theirs carries no link, only the reference
  and whom to ask.

The ministry's officers are not in the chain: their jurisdiction is national, and every office's incident would
reach them. No email names a person or what leaked: the incident's reference, its office, the deadline and a link.
"""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .incident_models import Incident
from .incidents import escalation_level, hours_left
from .models import Agency, Membership, Role
from .notifications import Draft, admin_link_maker, composer, register_kind
from .regions import parent_code_of, time_zone_label

INCIDENT_ESCALATED = register_kind(
    "incident_escalated",
    _("Personal data incident: the 3 × 24 hour notice is running out"),
    "agencies/notifications/incident_escalated",
    critical=True,
)

# Who hears at each mark (see the module's docstring for why).
ROLES_AT_LEVEL = {
    1: (Role.DATA_PROTECTION_OFFICER,),
    2: (Role.DATA_PROTECTION_OFFICER, Role.PROVINCE_STAFF),
    3: (Role.DATA_PROTECTION_OFFICER, Role.PROVINCE_STAFF, Role.LEADERSHIP_VIEWER),
}
# Roles that may open the incident, so their email links to it.
READERS = frozenset({Role.DATA_PROTECTION_OFFICER, Role.PROVINCE_STAFF})
FIRST_MARK = datetime.timedelta(hours=24)
_SOCIAL_SERVICES = (Agency.Kind.SOCIAL_SERVICE_PROVINCE, Agency.Kind.SOCIAL_SERVICE_DISTRICT)


def _regions_above(code: str) -> list[str]:
    codes = [code]
    while (code := parent_code_of(code)) is not None:
        codes.append(code)
    return codes


def offices_over(agency: Agency, *, prefix: str = "") -> Q:
    """The incident's office and the social-service offices whose jurisdiction holds it (its regency/city's, its
    province's): a regency/city office's is its regency or city, a province office's its province. `prefix`: the
    path to the agency from the rows asked about ("agency__" for memberships)."""
    return Q(**{f"{prefix}pk": agency.pk}) | Q(
        **{f"{prefix}kind__in": _SOCIAL_SERVICES, f"{prefix}region_id__in": _regions_above(agency.region_id)}
    )


@composer
def incident_escalations(now: datetime.datetime):
    """The escalation due now of each incident whose clock runs: one email per recipient and mark."""
    incidents = list(
        Incident.objects.filter(status__in=Incident.CLOCK_RUNNING, detected_at__lte=now - FIRST_MARK)
        .select_related("agency__region")
        .order_by("detected_at", "pk")
    )
    link = admin_link_maker("admin:agencies_incident_change")
    for incident in incidents:
        level = escalation_level(incident.detected_at, now)
        memberships = (
            Membership.objects.filter(
                offices_over(incident.agency, prefix="agency__"),
                role__in=ROLES_AT_LEVEL[level],
                active=True,
                agency__active=True,
                user__is_active=True,
            )
            .select_related("user", "agency__region")
            .order_by("user_id", "pk")
        )
        chosen: dict[int, Membership] = {}
        for m in memberships:
            # A person in two of these offices or roles gets one email, with the link if any role of theirs reads it.
            if m.user_id not in chosen or (m.role in READERS and chosen[m.user_id].role not in READERS):
                chosen[m.user_id] = m
        for m in chosen.values():
            yield Draft(
                recipient=m.user,
                agency=m.agency,
                kind=INCIDENT_ESCALATED.code,
                subject=f"agencies.incident:{incident.pk}",
                period=f"level-{level}",
                context={
                    "reference": incident.reference,
                    "office": incident.agency.name,
                    "level": level,
                    "deadline": incident.deadline,
                    "zone": time_zone_label(m.agency.region.time_zone),
                    "hours_left": max(hours_left(incident, now), 0),
                    "overdue": now >= incident.deadline,
                    "url": link(incident.pk) if m.role in READERS else "",
                },
            )
