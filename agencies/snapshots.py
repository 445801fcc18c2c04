"""Monthly snapshots (issue 17 item 6): a regency/city office approves its month's figures; the province and the
ministry read approved figures; an approved month is frozen and can be regenerated exactly.

Approving (`monthly_snapshot_approve`) copies the district's finest-grain facts of the month, as the last complete
refresh stored them, into one `MonthlySnapshot` row as canonical JSON with its SHA-256. Besides the month's own
facts it freezes the district's facts of the present (month None: cases by stage today, a budget's ceiling), "as
of approval", because a letter about the month quotes them too; in the tables they keep their month None (read as
"now", i.e. when the figures were computed: `figures_as_of`).

Reading rebuilds the same `Table`s the dashboards use (agencies.figures.table_from_facts) from the stored text
alone: later cases, a new refresh or another row of Figure never change an approved month, and two readings give
identical tables. Suppression is the figures' own: exact for the owning office's staff, suppressed for everyone
else. `monthly_snapshot_verify` recomputes the hash from the stored text.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, audit, exports
from .figures import Table, catalogue, figures_state, table_from_facts
from .indicators import Dimension, Fact, Indicator, Unit, first_of_month
from .models import Agency, Export, Figure, MonthlySnapshot, Region, Role

APPROVER_ROLES = frozenset({Role.DISTRICT_STAFF})
# The months a district is offered to approve: the last year's (older ones are still approvable by the service).
MONTHS_OFFERED = 12
# The facts' own keys besides the dimensions.
_VALUE, _BASE, _INDICATOR = "value", "base", "indicator"


# Canonical form and hash


def canonical(data) -> str:
    """`data` as the one text that is hashed: sorted keys, fixed separators, ASCII; ints and strings only."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fact_record(row: dict) -> dict:
    """One Figure row as kept in a snapshot: its indicator, the dimensions it has (a month as "2026-11-01"), value
    and base; empty dimensions are left out, so only ints and strings remain."""
    record = {_INDICATOR: row["indicator"], _VALUE: int(row["value"])}
    if row["base"] is not None:
        record[_BASE] = int(row["base"])
    for dimension in Figure.DIMENSIONS:
        value = row["district_id" if dimension == Dimension.DISTRICT else dimension]
        if value is None:
            continue
        record[dimension] = value.isoformat() if isinstance(value, datetime.date) else value
    return record


def _month_facts(figures: QuerySet[Figure], district: Region, month: datetime.date) -> list[dict]:
    """The district's stored facts of `month` and of the present, as snapshot records, in canonical order."""
    columns = ["indicator", "value", "base", *("district_id" if d == "district" else d for d in Figure.DIMENSIONS)]
    rows = (
        figures.filter(district_id=district.code)
        .filter(Q(month=month) | Q(month__isnull=True))
        .values(*columns)
        .order_by()
    )
    return sorted((_fact_record(row) for row in rows), key=canonical)


def _content(district: Region, month: datetime.date, revision: int, facts: list[dict], as_of) -> str:
    return canonical(
        {
            "district": district.code,
            "month": month.isoformat(),
            "revision": revision,
            "figures_as_of": as_of.astimezone(datetime.UTC).isoformat(),
            "facts": facts,
        }
    )


# Services


def _month_end(month: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime.datetime.combine(following, datetime.time.min, tzinfo=zone)


def month_has_ended(district: Region, month: datetime.date, *, now: datetime.datetime | None = None) -> bool:
    """Whether `month` is over in the district office's own time zone (Kupang's November ends an hour before
    Semarang's)."""
    return (now or timezone.now()) >= _month_end(month, zoneinfo.ZoneInfo(district.time_zone))


def district_office(district: Region) -> Agency | None:
    """The regency/city Dinsos serving `district`: whose figures they are, and whose staff approve them."""
    return (
        Agency.objects.filter(kind=Agency.Kind.SOCIAL_SERVICE_DISTRICT, region=district, active=True)
        .order_by("pk")
        .first()
    )


@transaction.atomic
@access.grants_read_once
def monthly_snapshot_approve(*, actor, district: Region, month: datetime.date, reason: str = "") -> MonthlySnapshot:
    """Freeze `district`'s figures of `month` as approved by `actor`: a new revision when approved before (which needs
    a `reason`). Http404 when `actor` may not read the district's figures, PermissionDenied when they read them but
    are not the regency/city office's staff; ValidationError (naming the field) for a month not yet over or figures
    that are not complete."""
    reason = (reason or "").strip()
    office = district_office(district)
    if office is None:
        raise Http404(access.NOT_FOUND)
    # One approval of a district at a time, so revisions are numbered without a gap or a clash.
    district = Region.objects.select_for_update().get(pk=district.pk)
    month = first_of_month(month)
    previous = MonthlySnapshot.objects.filter(district=district, month=month).order_by("-revision").first()
    revision = previous.revision + 1 if previous else 1
    as_of, complete = figures_state()
    now = timezone.now()
    facts = _month_facts(Figure.objects.all(), district, month)
    content = _content(district, month, revision, facts, as_of or now)
    snapshot = MonthlySnapshot(
        district=district,
        month=month,
        revision=revision,
        agency=office,
        content=content,
        sha256=sha256_of(content),
        facts=len(facts),
        figures_as_of=as_of or now,
        approved_by=actor,
        approved_at=now,
        reason=reason,
    )
    # Who may approve is the access rule's "change" of a row of this district and month (the office's own staff):
    # the earlier approval's, or else this new row's, asked inside this transaction so that a refusal (404 outside
    # the reader's area, 403 within it) leaves nothing behind. Either way it is asked before anything about the
    # month (approved before? figures ready?) is told.
    if previous is not None:
        acting_for = access.acting_agency(actor, previous, roles=APPROVER_ROLES)
    else:
        snapshot.save(force_insert=True)
        acting_for = access.acting_agency(actor, snapshot, roles=APPROVER_ROLES)
    if not month_has_ended(district, month, now=now):
        raise ValidationError(
            {"month": _("A month can be approved only after it has ended in the office's time zone.")}
        )
    if not complete:
        raise ValidationError(
            {
                "month": _(
                    "The figures are not up to date (the last refresh failed or is too old). Approve after the next "
                    "refresh."
                )
            }
        )
    if as_of < _month_end(month, zoneinfo.ZoneInfo(district.time_zone)):
        raise ValidationError(
            {"month": _("The figures were computed before this month ended. Approve after the next refresh.")}
        )
    if previous is not None:
        if not reason:
            raise ValidationError({"reason": _("This month was approved before: say why it is approved again.")})
        snapshot.save(force_insert=True)
    audit.record(
        actor,
        "agencies.monthly_snapshot.approved",
        snapshot,
        {"month": month.isoformat(), "revision": revision, "facts": len(facts), "sha256": snapshot.sha256},
        agency=office,
        acting_for=acting_for,
    )
    return snapshot


def monthly_snapshot_verify(snapshot: MonthlySnapshot) -> bool:
    """Whether `snapshot` as stored now still holds: the SHA-256 of its stored text is its stored hash, the text is
    the canonical form of what it says, and it names the row's own district, month and revision (a row whose text
    was swapped with another's does not hold). Reads the row again, never trusting the object handed in."""
    row = (
        MonthlySnapshot.objects.filter(pk=snapshot.pk)
        .values("content", "sha256", "district_id", "month", "revision")
        .first()
    )
    if row is None:
        return False
    content = row["content"]
    try:
        data = json.loads(content)
    except ValueError:
        return False
    return (
        hmac.compare_digest(sha256_of(content), row["sha256"])
        and canonical(data) == content
        and isinstance(data, dict)
        and data.get("district") == row["district_id"]
        and data.get("month") == row["month"].isoformat()
        and data.get("revision") == row["revision"]
    )


# Selectors


def snapshots_visible_to(actor) -> QuerySet[MonthlySnapshot]:
    """The approved months (every revision) `actor` may read."""
    return access.visible_to(actor, MonthlySnapshot)


def snapshot_get(actor, pk) -> MonthlySnapshot:
    """One approved month `actor` may read; Http404 otherwise, whether or not it exists."""
    return access.get_visible(actor, MonthlySnapshot, pk=pk)


def latest_of_month(actor, month: datetime.date) -> list[MonthlySnapshot]:
    """The latest revision of each district's approval of `month` that `actor` may read, by district code."""
    rows = (
        snapshots_visible_to(actor)
        .filter(month=first_of_month(month))
        .select_related("district", "approved_by")
        .order_by("district_id", "-revision")
    )
    latest = {}
    for row in rows:
        latest.setdefault(row.district_id, row)
    return list(latest.values())


def revisions_of(snapshot: MonthlySnapshot) -> QuerySet[MonthlySnapshot]:
    """Every approval of the same district and month, newest first (read by whoever may read `snapshot`)."""
    return (
        MonthlySnapshot.objects.filter(district_id=snapshot.district_id, month=snapshot.month)
        .select_related("approved_by")
        .defer("content")
        .order_by("-revision")
    )


def snapshot_facts(snapshot: MonthlySnapshot) -> list[tuple[str, Fact]]:
    """(indicator code, fact) of every frozen fact, read back from the stored text alone (never from Figure)."""
    data = json.loads(snapshot.content)
    return [(record[_INDICATOR], _fact_of(record)) for record in data["facts"]]


def row_dimension(found: Indicator) -> str:
    """What a month's table of one district is broken down by: the indicator's first dimension after month and
    district (stage, target group, program, funding source), else the district itself."""
    return next((d for d in found.dimensions if d not in (Dimension.MONTH, Dimension.DISTRICT)), Dimension.DISTRICT)


def _tables(actor, facts: list[tuple[str, Fact]], *, rows: str | None, as_of, complete: bool = True) -> list[Table]:
    """A table per indicator of `actor`'s catalogue that has facts among `facts`, in the catalogue's order; exact or
    suppressed as the figures layer decides for `actor`. An indicator no longer defined is left out."""
    by_code: dict[str, list[Fact]] = {}
    for code, fact in facts:
        by_code.setdefault(code, []).append(fact)
    tables = []
    for found in catalogue(actor):
        if found.code not in by_code:
            continue
        tables.append(
            table_from_facts(
                found,
                by_code[found.code],
                rows=rows or row_dimension(found),
                exact=access.figures_exact(actor, found.roles),
                as_of=as_of,
                complete=complete,
            )
        )
    return tables


def snapshot_tables(actor, snapshot: MonthlySnapshot) -> list[Table]:
    """The tables of one approved month as `actor` reads them (`snapshot` read through `snapshot_get`): built from
    the frozen facts alone, so the same every time; exact for the owning office, suppressed for anyone else."""
    return _tables(actor, snapshot_facts(snapshot), rows=None, as_of=snapshot.figures_as_of)


def month_tables(actor, month: datetime.date) -> list[Table]:
    """The approved figures of `month` of every district `actor` may read (the latest revision of each), by
    district: a province's districts, the ministry's all, a regency/city its own. Districts not yet approved are
    not in them (`month_overview` names them)."""
    snapshots = latest_of_month(actor, month)
    facts = [fact for snapshot in snapshots for fact in snapshot_facts(snapshot)]
    as_of = min((snapshot.figures_as_of for snapshot in snapshots), default=None)
    return _tables(actor, facts, rows=Dimension.DISTRICT, as_of=as_of)


@dataclass
class DistrictMonth:
    code: str
    name: str
    snapshot: MonthlySnapshot | None  # the latest approval; None: not approved yet


def _reader_roles(actor) -> set[str]:
    return {role for found in catalogue(actor) for role in found.roles}


def month_overview(actor, month: datetime.date) -> list[DistrictMonth]:
    """Each district `actor` reads figures of (those with figures of the month or of the present) and whether it
    has approved `month` (the latest revision), by district code."""
    month = first_of_month(month)
    latest = {snapshot.district_id: snapshot for snapshot in latest_of_month(actor, month)}
    with_figures = set(
        access.figures_visible_to(actor, _reader_roles(actor))
        .filter(Q(month=month) | Q(month__isnull=True), district__isnull=False)
        .values_list("district_id", flat=True)
        .distinct()
        .order_by()
    )
    codes = sorted(with_figures | set(latest))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [DistrictMonth(code, names.get(code, code), latest.get(code)) for code in codes]


def approver_districts(actor) -> list[Region]:
    """The regencies/cities whose months `actor` approves: those of the regency/city offices they are staff of."""
    return [
        grant.agency.region
        for grant in access.grants_of(actor)
        if grant.role in APPROVER_ROLES and grant.may_write and grant.agency.kind == Agency.Kind.SOCIAL_SERVICE_DISTRICT
    ]


def recent_months(zone: str | None = None, *, count: int = MONTHS_OFFERED) -> list[datetime.date]:
    """The last `count` months that have ended (in time zone `zone`, else the installation's), newest first."""
    today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(zone) if zone else None)
    month = first_of_month(today)
    months = []
    for _i in range(count):
        month = datetime.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        months.append(month)
    return months


def months_to_approve(actor, district: Region) -> list[datetime.date]:
    """The months of the last year that have ended in `district`'s time zone and that it has not approved yet,
    newest first (for its own staff: `district` is one of `approver_districts(actor)`)."""
    approved = set(snapshots_visible_to(actor).filter(district=district).values_list("month", flat=True))
    return [month for month in recent_months(district.time_zone) if month not in approved]


@dataclass
class Preview:
    district: Region
    month: datetime.date
    tables: list[Table]
    facts: int  # how many figures would be frozen
    as_of: datetime.datetime | None
    complete: bool
    revision: int  # the revision an approval now would make


def preview(actor, district: Region, month: datetime.date) -> Preview:
    """What approving `district`'s `month` would freeze, as `actor` reads it now: the same facts the service copies
    (the month's and the present's), read through the access rule."""
    month = first_of_month(month)
    as_of, complete = figures_state()
    records = _month_facts(access.figures_visible_to(actor, _reader_roles(actor)), district, month)
    facts = [(record[_INDICATOR], _fact_of(record)) for record in records]
    revision = (
        snapshots_visible_to(actor).filter(district=district, month=month).aggregate(last=Max("revision"))["last"] or 0
    ) + 1
    tables = _tables(actor, facts, rows=None, as_of=as_of, complete=complete)
    return Preview(district, month, tables, len(records), as_of, complete, revision)


def _fact_of(record: dict) -> Fact:
    dims = {dimension: record.get(dimension) for dimension in Figure.DIMENSIONS}
    if dims[Dimension.MONTH] is not None:
        dims[Dimension.MONTH] = datetime.date.fromisoformat(dims[Dimension.MONTH])
    return Fact(dims, record[_VALUE], record.get(_BASE))


def month_label(month: datetime.date) -> str:
    """ "November 2026", in the reader's language."""
    return formats.date_format(month, "F Y")


# The approved month as a file (PDF, XLSX, CSV) through the exports seam, with its hash printed in it so a letter
# can cite it and anyone can check the letter's figures against the stored approval.


exports.register_filter_label("snapshot", MonthlySnapshot._meta.verbose_name)


@exports.register
class MonthlySnapshotExport(exports.ExportKind):
    code = "agencies.monthly_snapshot"
    label = gettext_lazy("Approved monthly figures")
    formats = (Export.Format.PDF, Export.Format.XLSX, Export.Format.CSV)
    roles = frozenset(
        {Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.FINANCE_APPROVER, Role.AUDITOR}
    )
    aggregate = True
    filters = {"snapshot": exports.positive_id}

    def clean_filters(self, actor, raw) -> dict:
        cleaned = super().clean_filters(actor, raw)
        if "snapshot" not in cleaned or not snapshots_visible_to(actor).filter(pk=cleaned["snapshot"]).exists():
            raise ValidationError({"filters": _("There is no such approved month.")})
        return cleaned

    def title(self, filters: dict) -> str:
        snapshot = MonthlySnapshot.objects.filter(pk=filters.get("snapshot")).select_related("district").first()
        return f"{self.label}: {snapshot}" if snapshot else str(self.label)

    def tables(self, actor, filters: dict) -> list[exports.ExportTable]:
        snapshot = snapshot_get(actor, filters["snapshot"])
        approver = snapshot.approved_by
        approval = [
            [_("Regency/city"), snapshot.district.name],
            [_("Month"), month_label(snapshot.month)],
            [_("Revision"), snapshot.revision],
            [_("Approved by"), approver.get_full_name() or approver.username],
            [_("Approved at"), formats.date_format(timezone.localtime(snapshot.approved_at), "DATETIME_FORMAT")],
            [_("Figures as of"), formats.date_format(timezone.localtime(snapshot.figures_as_of), "DATETIME_FORMAT")],
            [_("Figures frozen"), snapshot.facts],
            [_("SHA-256"), snapshot.sha256],
        ]
        if snapshot.reason:
            approval.append([_("Reason for the revision"), snapshot.reason])
        notes = [
            _(
                "The SHA-256 identifies the approved figures exactly: quote it in a letter. Anyone may check it on "
                "the approved month's page (Check authenticity)."
            )
        ]
        result = [exports.ExportTable(_("Approval"), [_("item"), _("value")], approval, notes)]
        result += [export_table(table, row_dimension(table.indicator)) for table in snapshot_tables(actor, snapshot)]
        return result


def export_table(table: Table, rows: str) -> exports.ExportTable:
    """A table as a file shows it: counts stay numbers (a spreadsheet sums them), anything else as the page reads it
    ("*" hidden, "45,5%", "Rp5.000.000")."""

    def shown(cell):
        if cell.state == "shown" and cell.unit == Unit.COUNT:
            return cell.value
        return cell.display

    header = [str(Dimension(rows).label), *(label for _key, label in table.columns)]
    rows = [[label, *(shown(table.cells[(key, column)]) for column, _l in table.columns)] for key, label in table.rows]
    rows.append([_("Total"), *(shown(table.column_totals[column]) for column, _l in table.columns)])
    notes = [str(table.indicator.definition), *table.footnotes]
    return exports.ExportTable(str(table.indicator.label), header, rows, notes)
