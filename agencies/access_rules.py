"""Who sees and changes regions, agencies, memberships, API clients and audit events (DESIGN §5, issue 2)."""

from .models import (
    Agency,
    ApiClient,
    AuditEvent,
    Export,
    Figure,
    FigureRefresh,
    IdempotencyRecord,
    Incident,
    Membership,
    MonthlySnapshot,
    Notification,
    NotificationOptOut,
    Region,
    RetentionRun,
    Role,
)
from .rulebook import every_role, everything, jurisdiction, own_agency, register, within_own_region

# Reference data. Only the loader command (and set-up superusers) write regions.
register(Region, see=every_role(everything))

# The agency directory holds no personal data, and referrals need to find offices in other provinces.
register(Agency, see=every_role(everything), change={Role.PROVINCE_STAFF: jurisdiction("")})

# An office's own rows for everyone working there; its province's and auditors' for their jurisdiction.
# Leadership sees aggregates only, so no people.
OFFICE_AND_JURISDICTION = {
    Role.PROVINCE_STAFF: jurisdiction(),
    Role.AUDITOR: jurisdiction(),
    Role.DISTRICT_STAFF: own_agency(),
    Role.FINANCE_APPROVER: own_agency(),
    Role.NGO_CASEWORKER: own_agency(),
    Role.PARTNER_TRAINER: own_agency(),
}

# Who works where.
register(Membership, see=OFFICE_AND_JURISDICTION, change={Role.PROVINCE_STAFF: jurisdiction()})

register(
    ApiClient,
    see={
        Role.PROVINCE_STAFF: jurisdiction(),
        Role.AUDITOR: jurisdiction(),
        Role.DISTRICT_STAFF: own_agency(),
        Role.NGO_CASEWORKER: own_agency(),
    },
    change={Role.PROVINCE_STAFF: jurisdiction()},
)

# The trail is for auditors and the data-protection officer; it is never changed by anyone (the database refuses it
# too).
register(AuditEvent, see={Role.AUDITOR: jurisdiction(), Role.DATA_PROTECTION_OFFICER: jurisdiction()})

# Internal bookkeeping of the API: nobody reads it through the access rule.
register(IdempotencyRecord, see={})

# Sent and failed email history: the office sees its own, the province and auditors their jurisdiction's. The
# texts hold case numbers and links only. "Send again" is for the office's staff and the province.
register(
    Notification,
    see=OFFICE_AND_JURISDICTION,
    change={Role.PROVINCE_STAFF: jurisdiction(), Role.DISTRICT_STAFF: own_agency()},
)

# A person's own choices, changed only through the signed link in their emails: nobody reads others'.
register(NotificationOptOut, see={})

# An export is its requester's own, whatever office they work in: their pages read it by who asked
# (agencies.exports.exports_of), nobody else through the rule; its rows were scoped when it was written, and the
# request and each download are in the trail.
register(Export, see={})
# The aggregate figures (issue 17) by the district they count: national for the ministry, a province office's
# province, a regency/city office its own. Every role is scoped the same way here; which roles read an indicator
# at all is the indicator's own `roles` (agencies.access.figures_visible_to reads only through the grants in them),
# so partner trainers and NGO caseworkers read none unless an indicator names them. A figure with no district (a
# ministry allocation not yet divided) is the ministry's alone. Whether the figures read are exact or suppressed
# is agencies.access.figures_exact.
register(Figure, see=every_role(within_own_region("district")))

# When the figures were recomputed, and whether it failed (no personal data; every figure page says "as of" from it
# for everyone): the list of runs is for those who may ask for one (agencies.figures_refresh.REFRESH_ROLES).
register(FigureRefresh, see={Role.LEADERSHIP_VIEWER: everything, Role.PROVINCE_STAFF: everything})

# A month's approved figures (issue 17): read, like the figures, by the district they count (the ministry all, a
# province office its districts, a regency/city office its own), by whoever reads figures at all; which of the
# frozen indicators a reader sees is still each indicator's `roles`, and whether exact is figures_exact. "Change"
# here is "may approve a month of": only the regency/city office's own staff, and only as a new row, since an
# approved row is never changed (agencies.snapshots; the database refuses it as well).
register(
    MonthlySnapshot,
    see={
        Role.LEADERSHIP_VIEWER: within_own_region("district"),
        Role.PROVINCE_STAFF: within_own_region("district"),
        Role.DISTRICT_STAFF: within_own_region("district"),
        Role.FINANCE_APPROVER: within_own_region("district"),
        Role.AUDITOR: within_own_region("district"),
    },
    change={Role.DISTRICT_STAFF: within_own_region("district")},
)

# The retention job's runs (issue 18 item 9): counts only, installation-wide; read by data-protection officers, who
# run it, and auditors.
register(RetentionRun, see={Role.DATA_PROTECTION_OFFICER: everything, Role.AUDITOR: everything})
# The breach register (issue 18 item 10): an incident belongs to the controller's office (`agency`). Its
# data-protection officers (of that office, or of one whose jurisdiction holds it) handle it; the province staff of
# the jurisdiction read it, to bring the offices along; leadership and everyone else see none (the escalation email
# at 66 hours tells the heads that one is running, by its reference only).
register(
    Incident,
    see={Role.DATA_PROTECTION_OFFICER: jurisdiction(), Role.PROVINCE_STAFF: jurisdiction()},
    change={Role.DATA_PROTECTION_OFFICER: jurisdiction()},
)
