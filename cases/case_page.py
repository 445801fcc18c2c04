"""The case page's history (CaseAdmin's change page): tables to read below the case's details, not inline formsets.

Each of these rows is made by a service behind a button (a note, an assessment, a stage move, a referral and its
answer, a transfer), never typed into the case page itself. Five formsets (management forms, a read-only form per
row, an empty form each for "add another") were most of the page's time and grew with the history; the tables are
one query each, of the values they show, and the same queries whatever the history's length.

Switch ADMIN_LEAN_CASE_PAGE (on): the five queries are compiled once per process and run as prepared statements
(agencies.fastpath.statements), since turning them into SQL cost the ORM more than PostgreSQL took to answer them;
off, the ORM builds them on every page. Both give the same rows (tests/cases/test_case_page.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import router
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.fastpath.statements import Slot, Statement, compile_values

from .models import Assessment, Case, CaseNote, Referral, StageChange, Transfer


@dataclass(frozen=True)
class HistoryTable:
    """One table of the case page's history: its anchor (`<name>-group`), title, column titles, rows of cells
    (text, or safe HTML for a link), and the small form that adds a row (for those who may change the case)."""

    name: str
    title: str
    columns: list
    rows: list
    add_url: str = ""
    add_label: str = ""


def _titles(model, *names) -> list:
    """Column titles: the verbose names of the fields a table's cells show (lazy: translated as the page renders)."""
    return [capfirst(model._meta.get_field(name).verbose_name) for name in names]


def _user(relation: str) -> tuple[str, ...]:
    return (f"{relation}__first_name", f"{relation}__last_name", f"{relation}__username")


# Each table: the model, its column titles, the values its rows are made of, and their order.
TABLES = {
    "assessments": (
        Assessment,
        _titles(
            Assessment, "assessed_on", "needs", "skills_wanted", "business_idea", "wants_to_go_home", "assessed_by"
        ),
        ("assessed_on", "needs", "skills_wanted", "business_idea", "wants_to_go_home", *_user("assessed_by")),
        ("-assessed_on", "-id"),
    ),
    "notes": (
        CaseNote,
        _titles(CaseNote, "created_at", "body", "author", "agency"),
        ("created_at", "body", "agency__name", *_user("author")),
        ("created_at", "id"),
    ),
    "referrals": (
        Referral,
        [
            *_titles(Referral, "created_at", "kind", "from_agency", "to_agency", "status", "reason", "decline_reason"),
            "",
        ],
        ("id", "created_at", "kind", "from_agency__name", "to_agency__name", "status", "reason", "decline_reason"),
        ("-created_at", "-id"),
    ),
    "transfers": (
        Transfer,
        _titles(Transfer, "transferred_at", "from_agency", "to_agency", "transferred_by"),
        ("transferred_at", "from_agency__name", "to_agency__name", *_user("transferred_by")),
        ("transferred_at", "id"),
    ),
    # "Registered → Assessed" in one cell: a phone's width holds four columns better than five.
    "stage_changes": (
        StageChange,
        [*_titles(StageChange, "changed_at"), *_titles(Case, "stage"), *_titles(StageChange, "reason", "changed_by")],
        ("changed_at", "from_stage", "to_stage", "reason", *_user("changed_by")),
        ("changed_at", "id"),
    ),
}
ADDED_BY = {
    "assessments": ("admin:cases_case_assess", _("Record an assessment")),
    "notes": ("admin:cases_case_note", _("Add a note")),
}


def reads(case_id) -> dict[str, QuerySet]:
    """The queries of the history of case `case_id`: one per table, of the values its rows show, in their order."""
    return {
        name: model.objects.filter(case_id=case_id).order_by(*order).values(*values)
        for name, (model, _columns, values, order) in TABLES.items()
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


def _by(first_name, last_name, username) -> str:
    """A user as `shown_as_text` shows one: their full name, or their user name; the admin's "-" for nobody."""
    if username is None:
        return "-"
    return f"{first_name} {last_name}".strip() or username


def _at(moment) -> str:
    return "-" if moment is None else date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _yes_no(value) -> str:
    return "-" if value is None else gettext("Yes") if value else gettext("No")


def case_history(case: Case, *, may_add: bool) -> list[HistoryTable]:
    """The history tables of `case`, a case the reader sees (its history is visible with it); with links to the
    forms adding a note and an assessment when `may_add`."""
    stages, kinds, statuses = dict(Case.Stage.choices), dict(Referral.Kind.choices), dict(Referral.Status.choices)
    view = gettext("View")
    cells = {
        "assessments": lambda r: [
            date_format(r["assessed_on"]),
            r["needs"] or "-",
            r["skills_wanted"] or "-",
            r["business_idea"] or "-",
            _yes_no(r["wants_to_go_home"]),
            _by(*(r[key] for key in _user("assessed_by"))),
        ],
        "notes": lambda r: [
            _at(r["created_at"]),
            r["body"],
            _by(*(r[key] for key in _user("author"))),
            r["agency__name"],
        ],
        "referrals": lambda r: [
            _at(r["created_at"]),
            kinds.get(r["kind"], r["kind"]),
            r["from_agency__name"],
            r["to_agency__name"],
            statuses.get(r["status"], r["status"]),
            r["reason"] or "-",
            r["decline_reason"] or "-",
            # A referral is answered and completed on its own page.
            format_html(
                '<a href="{}" class="inlineviewlink">{}</a>',
                reverse("admin:cases_referral_change", args=[r["id"]]),
                view,
            ),
        ],
        "transfers": lambda r: [
            _at(r["transferred_at"]),
            r["from_agency__name"],
            r["to_agency__name"],
            _by(*(r[key] for key in _user("transferred_by"))),
        ],
        "stage_changes": lambda r: [
            _at(r["changed_at"]),
            f"{stages.get(r['from_stage'], '-')} → {stages.get(r['to_stage'], r['to_stage'])}",
            r["reason"] or "-",
            _by(*(r[key] for key in _user("changed_by"))),
        ],
    }
    tables = []
    for name, rows in history_rows(case.pk).items():
        model, columns, _values, _order = TABLES[name]
        add_url, add_label = "", ""
        if may_add and name in ADDED_BY:
            add_url, add_label = reverse(ADDED_BY[name][0], args=[case.pk]), ADDED_BY[name][1]
        title = capfirst(model._meta.verbose_name_plural)
        tables.append(HistoryTable(name, title, columns, [cells[name](row) for row in rows], add_url, add_label))
    return tables
