"""Monthly snapshots (issue 17 item 6): a regency/city office approves its month's figures, frozen with a hash; the
province and the ministry read the approved figures, suppressed; a tampered row no longer verifies."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.utils import timezone

from agencies import figures_refresh as refresh
from agencies import indicators, snapshots
from agencies.figures import SHOWN, SUPPRESSED, figure_table, table_from_facts
from agencies.indicators import Dimension, Fact, Indicator, Unit, first_of_month
from agencies.models import AuditEvent, FigureRefresh, MonthlySnapshot, Role
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory

READERS = frozenset({Role.LEADERSHIP_VIEWER, Role.PROVINCE_STAFF, Role.DISTRICT_STAFF, Role.AUDITOR})
M, D, TG, ST = Dimension.MONTH.value, Dimension.DISTRICT.value, Dimension.TARGET_GROUP.value, Dimension.STAGE.value


def _months_back(count: int) -> datetime.date:
    month = first_of_month(timezone.localdate())
    for _i in range(count):
        month = first_of_month(month - datetime.timedelta(days=1))
    return month


THIS_MONTH, LAST_MONTH, EARLIER = _months_back(0), _months_back(1), _months_back(2)


@pytest.fixture
def facts():
    """What the test indicators' computes return, per indicator code: test input each test sets."""
    return {"test.intake": [], "test.cases": []}


@pytest.fixture
def catalogue(db, facts, monkeypatch):
    """Two test-only indicators alone in the catalogue: people taken in per month (by target group), and open cases
    by stage now (no month, as cases.cases)."""
    monkeypatch.setattr(indicators, "_catalogue", {})
    indicators.register(
        Indicator(
            code="test.intake",
            label="People taken in",
            definition="People whose case was registered in the month.",
            unit=Unit.COUNT,
            dimensions=(M, D, TG),
            roles=READERS,
            compute=lambda: list(facts["test.intake"]),
        )
    )
    indicators.register(
        Indicator(
            code="test.cases",
            label="Open cases",
            definition="Cases open now, by stage.",
            unit=Unit.COUNT,
            dimensions=(M, D, ST),
            roles=READERS,
            compute=lambda: list(facts["test.cases"]),
        )
    )


def intake(month, district, target_group, value):
    return Fact({M: month, D: district, TG: target_group}, value)


def open_cases(district, stage, value):
    return Fact({M: None, D: district, ST: stage}, value)


@pytest.fixture
def regions(db):
    return {
        code: RegionFactory(code=code, name=name)
        for code, name in [
            ("33.74", "Kota Semarang"),
            ("33.03", "Kabupaten Purbalingga"),
            ("35.10", "Kabupaten Banyuwangi"),
        ]
    }


@pytest.fixture
def offices(regions):
    return {code: DistrictOfficeFactory(region=region) for code, region in regions.items()}


def member(role, agency):
    return MembershipFactory(role=role, agency=agency).user


@pytest.fixture
def semarang_staff(offices):
    return member(Role.DISTRICT_STAFF, offices["33.74"])


@pytest.fixture
def purbalingga_staff(offices):
    return member(Role.DISTRICT_STAFF, offices["33.03"])


@pytest.fixture
def banyuwangi_staff(offices):
    return member(Role.DISTRICT_STAFF, offices["35.10"])


@pytest.fixture
def jateng_staff(regions, offices):
    return member(Role.PROVINCE_STAFF, AgencyFactory(province_office=True, region=regions["33.74"].parent))


@pytest.fixture
def ministry_viewer(regions, offices):
    return member(Role.LEADERSHIP_VIEWER, AgencyFactory(ministry=True))


@pytest.fixture
def stored(catalogue, facts):
    """Semarang: 3 and 9 people taken in last month, 12 open cases now; Purbalingga 40; Banyuwangi 50; refreshed."""
    facts["test.intake"][:] = [
        intake(LAST_MONTH, "33.74", 10, 3),
        intake(LAST_MONTH, "33.74", 15, 9),
        intake(EARLIER, "33.74", 10, 7),
        intake(LAST_MONTH, "33.03", 10, 40),
        intake(LAST_MONTH, "35.10", 10, 50),
    ]
    facts["test.cases"][:] = [open_cases("33.74", "registered", 12), open_cases("33.03", "registered", 30)]
    refresh.figures_refresh()
    return facts


def approve(actor, district, month=None, reason=""):
    return snapshots.monthly_snapshot_approve(actor=actor, district=district, month=month or LAST_MONTH, reason=reason)


def shown(table):
    return {(key, cell.state, cell.value) for (key, _c), cell in table.cells.items()}


# Approval


def test_district_staff_approve_last_month_freezing_its_facts_and_the_present_ones(stored, semarang_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])

    assert (snapshot.revision, snapshot.month, snapshot.district_id) == (1, LAST_MONTH, "33.74")
    data = json.loads(snapshot.content)
    assert data["facts"] == [
        {"district": "33.74", "indicator": "test.cases", "stage": "registered", "value": 12},
        {
            "district": "33.74",
            "indicator": "test.intake",
            "month": LAST_MONTH.isoformat(),
            "target_group": 10,
            "value": 3,
        },
        {
            "district": "33.74",
            "indicator": "test.intake",
            "month": LAST_MONTH.isoformat(),
            "target_group": 15,
            "value": 9,
        },
    ]
    # canonical: sorted keys, no spaces; the hash is of exactly that text
    assert snapshot.content == json.dumps(data, sort_keys=True, separators=(",", ":"))
    assert snapshot.sha256 == snapshots.sha256_of(snapshot.content) and len(snapshot.sha256) == 64
    assert snapshot.facts == 3 and snapshot.agency.region_id == "33.74" and snapshot.approved_by == semarang_staff
    event = AuditEvent.objects.get(action="agencies.monthly_snapshot.approved")
    assert event.data == {"month": LAST_MONTH.isoformat(), "revision": 1, "facts": 3, "sha256": snapshot.sha256}
    assert snapshots.monthly_snapshot_verify(snapshot)


@pytest.mark.parametrize("month", [THIS_MONTH, first_of_month(THIS_MONTH + datetime.timedelta(days=40))])
def test_the_current_or_a_future_month_cannot_be_approved(stored, semarang_staff, regions, month):
    with pytest.raises(ValidationError) as refused:
        approve(semarang_staff, regions["33.74"], month)

    assert "month" in refused.value.message_dict
    assert not MonthlySnapshot.objects.exists()


def test_a_month_is_over_by_the_offices_own_clock(regions):
    # 1 Dec 00:30 in Kupang (WITA) is still 30 Nov 23:30 in Semarang (WIB)
    kupang = RegionFactory(code="53.71", name="Kota Kupang")
    november = datetime.date(2026, 11, 1)
    moment = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)

    assert snapshots.month_has_ended(kupang, november, now=moment)
    assert not snapshots.month_has_ended(regions["33.74"], november, now=moment)


def test_stale_figures_are_refused_naming_the_month(stored, semarang_staff, regions, settings):
    settings.FIGURES_STALE_AFTER_HOURS = 1
    FigureRefresh.objects.update(started_at=timezone.now() - datetime.timedelta(hours=3))

    with pytest.raises(ValidationError) as refused:
        approve(semarang_staff, regions["33.74"])

    assert "Angka belum mutakhir" in refused.value.message_dict["month"][0]
    assert not MonthlySnapshot.objects.exists()


def test_a_failed_last_refresh_is_refused(stored, facts, semarang_staff, regions):
    facts["test.intake"].append(Fact({M: LAST_MONTH, D: "33.74"}, 1))  # a fact without its target group: fails
    with pytest.raises(Exception):  # noqa: B017 — the refresh re-raises whatever broke it
        refresh.figures_refresh()

    with pytest.raises(ValidationError, match="Angka belum mutakhir"):
        approve(semarang_staff, regions["33.74"])


def test_figures_computed_before_the_month_ended_are_refused(stored, semarang_staff, regions, settings):
    settings.FIGURES_STALE_AFTER_HOURS = 24 * 62  # fresh enough by the clock, yet older than the month's end
    FigureRefresh.objects.update(
        started_at=timezone.make_aware(datetime.datetime.combine(LAST_MONTH, datetime.time(12)))
    )

    with pytest.raises(ValidationError, match="sebelum bulan ini berakhir"):
        approve(semarang_staff, regions["33.74"])


def test_another_district_gets_not_found_and_leaves_nothing(stored, banyuwangi_staff, regions):
    with pytest.raises(Http404):
        approve(banyuwangi_staff, regions["33.74"])

    assert not MonthlySnapshot.objects.exists()


def test_province_staff_read_but_may_not_approve(stored, jateng_staff, regions):
    with pytest.raises(PermissionDenied):
        approve(jateng_staff, regions["33.74"])

    assert not MonthlySnapshot.objects.exists()


def test_a_finance_approver_of_the_office_may_not_approve(stored, offices, regions):
    approver = member(Role.FINANCE_APPROVER, offices["33.74"])

    with pytest.raises(PermissionDenied):
        approve(approver, regions["33.74"])


def test_approving_again_is_a_new_revision_that_needs_a_reason(stored, facts, semarang_staff, regions):
    first = approve(semarang_staff, regions["33.74"])
    facts["test.intake"].append(intake(LAST_MONTH, "33.74", 18, 2))  # a late registration
    refresh.figures_refresh()

    with pytest.raises(ValidationError) as refused:
        approve(semarang_staff, regions["33.74"])
    assert "reason" in refused.value.message_dict

    second = approve(semarang_staff, regions["33.74"], reason="Dua pendaftaran terlambat dicatat.")
    assert (first.revision, second.revision) == (1, 2)
    assert second.facts == 4 and second.sha256 != first.sha256
    assert snapshots.latest_of_month(semarang_staff, LAST_MONTH) == [second]


def test_an_approved_month_cannot_be_changed_or_deleted_in_the_database(stored, semarang_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])

    for statement in ("UPDATE agencies_monthlysnapshot SET reason = 'x'", "DELETE FROM agencies_monthlysnapshot"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert MonthlySnapshot.objects.get().sha256 == snapshot.sha256


# Frozen and verifiable


def test_later_data_and_a_new_refresh_leave_the_approved_tables_identical(
    stored, facts, semarang_staff, jateng_staff, regions
):
    snapshot = approve(semarang_staff, regions["33.74"])
    before = [snapshots.snapshot_tables(reader, snapshot) for reader in (semarang_staff, jateng_staff)]
    month_before = snapshots.month_tables(jateng_staff, LAST_MONTH)

    facts["test.intake"][:] = [intake(LAST_MONTH, "33.74", 10, 30)]
    facts["test.cases"][:] = []
    refresh.figures_refresh()

    after = [
        snapshots.snapshot_tables(reader, snapshots.snapshot_get(reader, snapshot.pk))
        for reader in (semarang_staff, jateng_staff)
    ]
    assert after == before
    assert snapshots.month_tables(jateng_staff, LAST_MONTH) == month_before
    # while the live figures did change
    live = figure_table(semarang_staff, "test.intake", rows=M)
    assert live.cells[(LAST_MONTH, None)].value == 30
    assert before[0][0].total.value == 12  # 3 + 9, as approved


def test_a_tampered_stored_row_no_longer_verifies(stored, semarang_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])
    assert snapshots.monthly_snapshot_verify(snapshot)

    with connection.cursor() as cursor:
        # Someone with the database owner's rights: the trigger is no obstacle to them, the hash is.
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off for this transaction
        cursor.execute(
            "UPDATE agencies_monthlysnapshot SET content = replace(content, %s, %s) WHERE id = %s",
            ['"value":9', '"value":19', snapshot.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    assert '"value":19' in MonthlySnapshot.objects.get().content
    assert not snapshots.monthly_snapshot_verify(snapshot)


def test_a_row_given_another_rows_text_and_hash_does_not_verify(stored, semarang_staff, purbalingga_staff, regions):
    semarang = approve(semarang_staff, regions["33.74"])
    purbalingga = approve(purbalingga_staff, regions["33.03"])

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off for this transaction
        cursor.execute(
            "UPDATE agencies_monthlysnapshot SET content = %s, sha256 = %s WHERE id = %s",
            [purbalingga.content, purbalingga.sha256, semarang.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    assert not snapshots.monthly_snapshot_verify(semarang)
    assert snapshots.monthly_snapshot_verify(purbalingga)


# Reading


def test_the_owning_office_reads_its_approved_month_exact(stored, semarang_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])

    intake_table, cases = snapshots.snapshot_tables(semarang_staff, snapshot)

    assert intake_table.exact and intake_table.complete
    assert shown(intake_table) == {(10, SHOWN, 3), (15, SHOWN, 9)}
    assert intake_table.as_of == snapshot.figures_as_of
    assert shown(cases) == {("registered", SHOWN, 12)}


def test_the_province_reads_the_same_month_suppressed(stored, semarang_staff, jateng_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])

    intake_table, _cases = snapshots.snapshot_tables(jateng_staff, snapshots.snapshot_get(jateng_staff, snapshot.pk))

    assert not intake_table.exact
    # 3 is small; 9 beside it would give it away from the total of 12
    assert shown(intake_table) == {(10, SUPPRESSED, None), (15, SUPPRESSED, None)}


def test_a_month_of_the_province_has_each_districts_latest_approval_by_district(
    stored, semarang_staff, purbalingga_staff, jateng_staff, regions
):
    approve(semarang_staff, regions["33.74"])
    approve(purbalingga_staff, regions["33.03"])

    intake_table = next(
        t for t in snapshots.month_tables(jateng_staff, LAST_MONTH) if t.indicator.code == "test.intake"
    )

    assert [label for _key, label in intake_table.rows] == ["Kabupaten Purbalingga", "Kota Semarang"]
    assert intake_table.cells[("33.03", None)].state == SHOWN and intake_table.cells[("33.03", None)].value == 40
    assert intake_table.cells[("33.74", None)].value == 12


def test_reads_are_scoped_by_district(stored, semarang_staff, banyuwangi_staff, jateng_staff, ministry_viewer, regions):
    semarang = approve(semarang_staff, regions["33.74"])
    banyuwangi = approve(banyuwangi_staff, regions["35.10"])

    assert set(snapshots.snapshots_visible_to(jateng_staff)) == {semarang}
    assert set(snapshots.snapshots_visible_to(semarang_staff)) == {semarang}
    assert set(snapshots.snapshots_visible_to(ministry_viewer)) == {semarang, banyuwangi}
    with pytest.raises(Http404):
        snapshots.snapshot_get(banyuwangi_staff, semarang.pk)
    with pytest.raises(Http404):
        snapshots.snapshot_get(jateng_staff, banyuwangi.pk)
    # a partner agency reads no approved figures
    partner = member(Role.PARTNER_TRAINER, AgencyFactory(kind="police", region=regions["33.74"]))
    assert not snapshots.snapshots_visible_to(partner).exists()


def test_the_province_sees_which_districts_have_approved(stored, semarang_staff, jateng_staff, regions):
    approve(semarang_staff, regions["33.74"])

    overview = snapshots.month_overview(jateng_staff, LAST_MONTH)

    assert [(row.name, row.snapshot is not None) for row in overview] == [
        ("Kabupaten Purbalingga", False),
        ("Kota Semarang", True),
    ]


def test_district_staff_are_offered_the_ended_months_not_yet_approved(stored, semarang_staff, regions):
    approve(semarang_staff, regions["33.74"])

    months = snapshots.months_to_approve(semarang_staff, regions["33.74"])

    assert LAST_MONTH not in months and THIS_MONTH not in months
    assert months[0] == EARLIER and len(months) == snapshots.MONTHS_OFFERED - 1


def test_the_preview_shows_exactly_what_an_approval_freezes(stored, semarang_staff, regions):
    shown_before = snapshots.preview(semarang_staff, regions["33.74"], LAST_MONTH)

    snapshot = approve(semarang_staff, regions["33.74"])

    assert shown_before.facts == snapshot.facts and shown_before.revision == 1
    assert [t.cells for t in shown_before.tables] == [
        t.cells for t in snapshots.snapshot_tables(semarang_staff, snapshot)
    ]


def test_a_table_built_from_given_facts_equals_the_stored_figures_table(stored, jateng_staff):
    given = [f for f in stored["test.intake"] if f.dims[D].startswith("33.")]
    live = figure_table(jateng_staff, "test.intake", rows=D)

    built = table_from_facts(live.indicator, given, rows=D, exact=False, as_of=live.as_of)

    assert built == live


# The file and the pages


def test_the_file_carries_the_hash_and_the_readers_suppression(stored, semarang_staff, jateng_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])
    kind = snapshots.MonthlySnapshotExport()

    approval, intake_file, _cases = kind.tables(
        jateng_staff, kind.clean_filters(jateng_staff, {"snapshot": snapshot.pk})
    )

    assert ["Kode keaslian (SHA-256)", snapshot.sha256] in approval.rows
    assert [row[1] for row in intake_file.rows[:2]] == ["*", "*"]  # 3, and the 9 that would give it away
    own = kind.tables(semarang_staff, {"snapshot": snapshot.pk})[1]
    assert sorted(row[1] for row in own.rows[:2]) == [3, 9] and own.rows[-1][1] == 12


def test_another_district_cannot_ask_for_the_file(stored, semarang_staff, banyuwangi_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])

    with pytest.raises(ValidationError):
        snapshots.MonthlySnapshotExport().clean_filters(banyuwangi_staff, {"snapshot": snapshot.pk})


def test_pages_are_scoped(stored, client, semarang_staff, banyuwangi_staff, jateng_staff, regions):
    snapshot = approve(semarang_staff, regions["33.74"])
    month = f"{EARLIER:%Y-%m}"

    client.force_login(banyuwangi_staff)
    assert client.get(f"/admin/agencies/monthlysnapshot/{snapshot.pk}/").status_code == 404
    assert client.post(f"/admin/agencies/monthlysnapshot/{snapshot.pk}/verify/").status_code == 404
    client.force_login(jateng_staff)
    assert client.get(f"/admin/agencies/monthlysnapshot/{snapshot.pk}/").status_code == 200
    # the province approves nothing: no approval page for it
    assert client.get(f"/admin/agencies/monthlysnapshot/approve/{month}/").status_code == 404
    client.force_login(semarang_staff)
    page = client.get(f"/admin/agencies/monthlysnapshot/approve/{month}/?confirm=1")
    assert "Setujui dan bekukan angka ini?" in page.content.decode()
    client.post(f"/admin/agencies/monthlysnapshot/approve/{month}/", {"district": "33.74"})
    assert MonthlySnapshot.objects.filter(month=EARLIER, district_id="33.74").count() == 1
