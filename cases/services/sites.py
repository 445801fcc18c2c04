"""Sites (lokalisasi, resosialisasi, venues) and the counts of people found there."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import access, audit
from agencies.models import Region, Role
from agencies.writes import acting_user, agency_acting_as, apply_changes, require_may_add, save_validated

from .. import locks, refusals
from ..models import Site, SiteCount


def _jsonable(diff: dict) -> dict:
    return {key: [str(v) if isinstance(v, datetime.date) else v for v in values] for key, values in diff.items()}


@access.grants_read_once
@transaction.atomic
def site_create(*, actor, name: str, kind: str, region: Region | None, **details) -> Site:
    """Add a site in the region the actor's agency serves."""
    require_may_add(actor, Site)
    site = Site(name=name, kind=kind, region=region, **details)
    save_validated(site)
    access.require_within_scope(actor, site)
    audit.record(actor, "cases.site.created", site, {"kind": kind, "region": site.region_id})
    return site


@access.grants_read_once
@transaction.atomic
def site_update(*, actor, site: Site, **changes) -> Site:
    """Change a site's details, e.g. record its closure (closed_on)."""
    site = locks.site(site.pk)
    access.require_change(actor, site)
    diff = apply_changes(site, changes, ("name", "kind", "region", "houses", "opened_on", "closed_on"))
    if diff:
        save_validated(site, update_fields=[*diff, "updated_at"])
        access.require_within_scope(actor, site)
        audit.record(actor, "cases.site.updated", site, {"changed": _jsonable(diff)})
    return site


@access.grants_read_once
@transaction.atomic
def site_count_record(*, actor, site: Site, counted_on: datetime.date, people_present: int) -> SiteCount:
    """Record how many people the actor's agency found at a site on a day."""
    agency = agency_acting_as(actor, (Role.DISTRICT_STAFF, Role.NGO_CASEWORKER), refusals.MAY_NOT_RECORD)
    if counted_on and counted_on > timezone.localdate():
        raise ValidationError({"counted_on": refusals.COUNT_IN_FUTURE})
    count = SiteCount(
        site=site,
        counted_on=counted_on,
        people_present=people_present,
        counted_by=agency,
        recorded_by=acting_user(actor),
    )
    save_validated(count)
    access.require_within_scope(actor, count)
    audit.record(actor, "cases.site_count.recorded", count, {"site": site.pk, "people_present": people_present})
    return count
