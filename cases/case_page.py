"""The case as one file (CaseAdmin's change page): a header with what a caseworker acts on, the person's details,
and one timeline of everything that happened (cases/timeline.py), not inline formsets.

Each row of the history is made by a service behind a button (a note, an assessment, a stage move, a referral and
its answer, a transfer), never typed into the case page itself. The case's own history is read in five queries, one
per kind, of the values the timeline shows, the same queries whatever the history's length.

Switch ADMIN_LEAN_CASE_PAGE (on): the five queries are compiled once per process and run as prepared statements
(agencies.fastpath.statements), since turning them into SQL cost the ORM more than PostgreSQL took to answer them;
off, the ORM builds them on every page. Both give the same rows (tests/cases/test_case_page.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import router
from django.db.models import QuerySet
from django.utils import timezone

from agencies.fastpath.statements import Slot, Statement, compile_values

from . import timeline
from .models import Assessment, Case, CaseNote, Consent, Referral, StageChange, Transfer


def _user(relation: str) -> tuple[str, ...]:
    return (f"{relation}__first_name", f"{relation}__last_name", f"{relation}__username")


# Each part of the case's own history: the model, the values the file shows of its rows, and their order.
TABLES = {
    "assessments": (
        Assessment,
        ("assessed_on", "needs", "skills_wanted", "business_idea", "wants_to_go_home", *_user("assessed_by")),
        ("-assessed_on", "-id"),
    ),
    "notes": (CaseNote, ("created_at", "body", "agency__name", *_user("author")), ("created_at", "id")),
    "referrals": (
        Referral,
        ("id", "created_at", "kind", "from_agency__name", "to_agency__name", "status", "reason", "decline_reason"),
        ("-created_at", "-id"),
    ),
    "transfers": (
        Transfer,
        ("transferred_at", "from_agency__name", "to_agency__name", *_user("transferred_by")),
        ("transferred_at", "id"),
    ),
    "stage_changes": (
        StageChange,
        ("changed_at", "from_stage", "to_stage", "reason", *_user("changed_by")),
        ("changed_at", "id"),
    ),
}


def reads(case_id) -> dict[str, QuerySet]:
    """The queries of the history of case `case_id`: one per table, of the values its rows show, in their order."""
    return {
        name: model.objects.filter(case_id=case_id).order_by(*order).values(*values)
        for name, (model, values, order) in TABLES.items()
    }


CASE = Slot("case", -3_333_333_333)
_compiled: dict[str, dict[str, Statement | None]] = {}  # per database alias


def history_rows(case_id: int) -> dict[str, list[dict]]:
    """The rows of each table of the history of case `case_id`, as `.values()` dicts."""
    if not settings.ADMIN_LEAN_CASE_PAGE:
        return {name: list(rows) for name, rows in reads(case_id).items()}
    alias = router.db_for_read(Case)
    compiled = _compiled.get(alias)
    if compiled is None:
        compiled = _compiled[alias] = {name: compile_values(rows, CASE) for name, rows in reads(CASE.marker).items()}
    # A query the statements cannot compile (compile_values answers None) goes through the ORM.
    return {
        name: statement.rows(case=case_id) if statement is not None else list(reads(case_id)[name])
        for name, statement in compiled.items()
    }


@dataclass(frozen=True)
class CaseFile:
    """What the case page shows above and below the person's details: the case's header (stage, caseworker, owning
    office, what is due next, the consents in force, the next stage to move to in one click) and its timeline."""

    stage: str
    caseworker: str
    owner: str
    next_due: timeline.Due | None
    consents: list[str]
    advance_to: tuple[str, str] | None
    entries: list[timeline.Shown]


def next_stage(stage: str) -> str | None:
    """The stage one step on from `stage`, when one click may move a case there (closing asks for a reason)."""
    order = Case.STAGE_ORDER
    if stage == Case.Stage.CLOSED:
        return None
    following = order[order.index(stage) + 1]
    return None if following == Case.Stage.CLOSED else following


def case_file(actor, case: Case, *, may_change: bool) -> CaseFile:
    """The file of `case`, a case `actor` sees (its history is visible with it): the header and the timeline."""
    stages = dict(Case.Stage.choices)
    following = next_stage(case.stage) if may_change else None
    user = case.caseworker
    today = timezone.localtime(timezone.now(), timeline.zone_of(case)).date()
    purposes = dict(Consent.Purpose.choices)
    consents = [
        f"{purposes.get(c.purpose, c.purpose)} ({c.agency.name})" if c.agency_id else purposes.get(c.purpose, c.purpose)
        for c in case.person.consents.all()
        if c.given_on <= today and (c.withdrawn_on is None or c.withdrawn_on > today)
    ]
    entries, due = timeline.timeline(actor, case, history_rows(case.pk))
    return CaseFile(
        stage=stages.get(case.stage, case.stage),
        caseworker=timeline.by(user.first_name, user.last_name, user.username) if user else "",
        owner=case.owner.name,
        next_due=due,
        consents=consents,
        advance_to=(following, stages[following]) if following else None,
        entries=entries,
    )
