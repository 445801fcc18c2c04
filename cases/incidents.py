"""Which cases a set of access-log events touched: the cases app's answer to the breach register's saved query
(agencies.incidents.affected_source; agencies cannot import cases, DESIGN §3).

An event names its target by type and id: a case itself, its person (a read of her personal data), or a row that
belongs to a case (a note, a referral, an enrollment, an entitlement, a payment...). Each target model is followed
along its foreign keys to the case it belongs to, once per model; a person leads to every case of hers. Bulk events
(an intake sheet) list their cases' ids in their data. Only case numbers leave this module, never a name.
"""

import functools
from collections import deque

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast

from agencies.incidents import Affected, affected_source

from .models import Case, Person

# How many foreign keys deep a row may hang off its case (a payment → its installment → entitlement → case).
PATH_DEPTH = 3
# Models never followed: they are the platform's own (offices, accounts, regions), not a person's records.
NOT_FOLLOWED = ("agencies",)


@functools.cache
def path_to_case(model) -> str | None:
    """The lookup from a row of `model` to its case's id ("case", "installment__entitlement__case", "cases" for a
    person), or None when its rows belong to no case. Breadth first: the shortest way wins."""
    if model is Case:
        return "pk"
    if model is Person:
        return "cases"
    queue = deque([(model, "", 0)])
    seen = {model}
    while queue:
        current, prefix, depth = queue.popleft()
        for field in current._meta.concrete_fields:
            related = field.related_model if field.is_relation and (field.many_to_one or field.one_to_one) else None
            if related is None or related._meta.app_label in NOT_FOLLOWED:
                continue
            if related is Case:
                return f"{prefix}{field.name}"
            if related is Person:
                return f"{prefix}{field.name}__cases"
            if related not in seen and depth + 1 < PATH_DEPTH:
                seen.add(related)
                queue.append((related, f"{prefix}{field.name}__", depth + 1))
    return None


def _cases_of(events: QuerySet) -> Q:
    """The cases `events` touched, as one condition on Case (a subquery per kind of target; nothing read here)."""
    touched = Q(pk__in=[])
    about_rows = events.exclude(target_id="")  # an event about a list names no row
    kinds = about_rows.order_by().values_list("target_type_id", flat=True).distinct()
    for type_id in kinds:
        model = ContentType.objects.get_for_id(type_id).model_class()
        path = path_to_case(model) if model is not None else None
        if path is None:
            continue
        # Every model with a way to a case has an integer key, so its ids in the trail cast to one.
        ids = about_rows.filter(target_type_id=type_id).annotate(row=Cast("target_id", BigIntegerField())).values("row")
        touched |= Q(pk__in=model._base_manager.filter(pk__in=ids).values(path))
    listed = set()
    for data in events.filter(data__has_key="cases").values_list("data", flat=True):
        listed.update(pk for pk in data.get("cases") or [] if isinstance(pk, int))
    if listed:
        touched |= Q(pk__in=sorted(listed))
    return touched


@affected_source
def cases_touched(events: QuerySet, limit: int) -> Affected:
    """The subjects (persons) and cases `events` touched, and the first `limit` case numbers in order."""
    cases = Case._base_manager.filter(_cases_of(events))
    return Affected(
        subjects=cases.values("person_id").distinct().count(),
        cases=cases.count(),
        numbers=list(cases.order_by("number").values_list("number", flat=True)[:limit]),
    )
