"""The case list as a file (issue 17 §5): the cases the person sees in the list, with the list's filters, under
Indonesian headers; only for the roles that may see people's data."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AuditEvent, Export, Role
from cases.models import Case
from tests.agencies.export_files import csv_rows, queued, xlsx_rows
from tests.cases.factories import CaseFactory, PersonFactory, SiteFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "Nomor kasus",
    "Nama",
    "Nama panggilan",
    "Tahap",
    "Kelompok sasaran",
    "Lokasi asal",
    "Kantor pemilik",
    "Pendamping",
    "Terdaftar",
]


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


def case_list(capture, actor, fmt="csv", **filters) -> Export:
    return queued(capture, actor=actor, kind="cases.case_list", format=fmt, filters=filters)


def test_the_file_holds_the_cases_the_person_sees_with_indonesian_headers_and_dates(
    staff, semarang, outsider, banyuwangi, django_capture_on_commit_callbacks
):
    # given a case of Semarang's registered on 4 December 2026, and one of Banyuwangi's
    site = SiteFactory(name="Argorejo")
    case = CaseFactory(
        owner=semarang,
        site=site,
        stage=Case.Stage.PLANNED,
        caseworker=staff,
        person=PersonFactory(full_name="Sri Wahyuni", known_as="Yuni"),
    )
    Case.objects.filter(pk=case.pk).update(created_at=datetime.datetime(2026, 12, 4, 3, 0, tzinfo=datetime.UTC))
    staff.first_name, staff.last_name = "Ani", "Lestari"
    staff.save(update_fields=["first_name", "last_name"])
    CaseFactory(owner=banyuwangi)

    # when Semarang's district staff exports the list
    rows = csv_rows(case_list(django_capture_on_commit_callbacks, staff))

    # then the file holds Semarang's case only, in Indonesian
    assert rows == [
        HEADER,
        [
            case.number,
            "Sri Wahyuni",
            "Yuni",
            "Direncanakan",
            str(case.target_group.name),
            "Argorejo",
            "Dinas Sosial Kota Semarang",
            "Ani Lestari",
            "4 Des 2026",
        ],
    ]


def test_a_case_nobody_works_on_has_an_empty_caseworker_cell(staff, semarang, django_capture_on_commit_callbacks):
    CaseFactory(owner=semarang, caseworker=None)

    rows = csv_rows(case_list(django_capture_on_commit_callbacks, staff))

    assert rows[1][HEADER.index("Pendamping")] == ""


def test_each_case_s_date_is_its_day_in_the_office_s_zone(staff, semarang, django_capture_on_commit_callbacks):
    # Semarang is on WIB (UTC+7): 16:59 UTC is still the 4th there, 17:00 UTC already the 5th. The words of a day
    # are made once per export, so cases of one UTC day but two local days must still read two dates.
    moments = [
        datetime.datetime(2026, 12, 4, 16, 59, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 4, 17, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 4, 18, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC),
    ]
    for moment in moments:
        case = CaseFactory(owner=semarang)
        Case.objects.filter(pk=case.pk).update(created_at=moment)

    rows = csv_rows(case_list(django_capture_on_commit_callbacks, staff))

    dates = [row[HEADER.index("Terdaftar")] for row in rows[1:]]
    assert dates == ["4 Des 2026", "5 Des 2026", "5 Des 2026", "1 Feb 2026"]


def test_the_same_filters_give_each_person_only_the_rows_they_see(
    staff, semarang, outsider, banyuwangi, province_staff, django_capture_on_commit_callbacks
):
    planned = CaseFactory(owner=semarang, stage=Case.Stage.PLANNED)
    CaseFactory(owner=semarang, stage=Case.Stage.REGISTERED)
    theirs = CaseFactory(owner=banyuwangi, stage=Case.Stage.PLANNED)

    mine = csv_rows(case_list(django_capture_on_commit_callbacks, staff, stage__exact="planned"))
    other = csv_rows(case_list(django_capture_on_commit_callbacks, outsider, stage__exact="planned"))

    assert [row[0] for row in mine[1:]] == [planned.number]
    assert [row[0] for row in other[1:]] == [theirs.number]
    # the province office of Jawa Tengah sees Semarang's (a Jawa Tengah city), not Banyuwangi's (Jawa Timur)
    province = csv_rows(case_list(django_capture_on_commit_callbacks, province_staff, stage__exact="planned"))
    assert [row[0] for row in province[1:]] == [planned.number]


def test_the_list_s_filters_narrow_the_file(staff, semarang, django_capture_on_commit_callbacks):
    site = SiteFactory()
    at_site = CaseFactory(owner=semarang, site=site, caseworker=staff)
    CaseFactory(owner=semarang)  # another site, nobody's

    by_site = csv_rows(case_list(django_capture_on_commit_callbacks, staff, site=str(site.pk)))
    by_owner_elsewhere = csv_rows(case_list(django_capture_on_commit_callbacks, staff, owner="999999"))
    mine = csv_rows(case_list(django_capture_on_commit_callbacks, staff, caseworker="me"))
    group = csv_rows(
        case_list(django_capture_on_commit_callbacks, staff, target_group__code__exact=str(at_site.target_group_id))
    )

    assert [row[0] for row in by_site[1:]] == [at_site.number]
    assert by_owner_elsewhere == [HEADER]
    assert [row[0] for row in mine[1:]] == [at_site.number]
    assert len(group) == 3


def test_the_xlsx_file_has_the_same_rows(staff, semarang, django_capture_on_commit_callbacks):
    cases = [CaseFactory(owner=semarang) for _ in range(3)]

    rows = xlsx_rows(case_list(django_capture_on_commit_callbacks, staff, fmt="xlsx"))

    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [case.number for case in cases]


@pytest.mark.parametrize(
    "role", [Role.PARTNER_TRAINER, Role.LEADERSHIP_VIEWER, Role.FINANCE_APPROVER, Role.NGO_CASEWORKER]
)
def test_roles_that_may_not_take_people_s_data_away_cannot_ask(role, member):
    from agencies import exports

    with pytest.raises(PermissionDenied):
        exports.export_request(actor=member(role), kind="cases.case_list", format="csv", filters={})
    assert not Export.objects.exists()


@pytest.mark.parametrize("role", [Role.DISTRICT_STAFF, Role.PROVINCE_STAFF, Role.AUDITOR])
def test_roles_that_see_people_s_data_may_ask(role, member):
    from agencies import exports

    assert exports.may_ask(member(role), "cases.case_list")


@pytest.mark.parametrize(
    "filters", [{"q": "Sri Wahyuni"}, {"s": "abc"}, {"stage__exact": "nonsense"}, {"site": "Argorejo"}]
)
def test_a_search_term_or_anything_but_an_id_or_a_code_is_refused_and_never_kept(staff, filters):
    from agencies import exports

    with pytest.raises(ValidationError) as refused:
        exports.export_request(actor=staff, kind="cases.case_list", format="csv", filters=filters)
    assert "filters" in refused.value.message_dict
    assert not Export.objects.exists()
    assert not AuditEvent.objects.filter(action="agencies.export.requested").exists()


def test_the_request_and_the_finished_file_are_in_the_trail_with_filters_and_count(
    staff, semarang, django_capture_on_commit_callbacks
):
    CaseFactory(owner=semarang, stage=Case.Stage.PLANNED)

    export = case_list(django_capture_on_commit_callbacks, staff, stage__exact="planned")

    events = {e.action: e for e in AuditEvent.objects.filter(target_id=str(export.pk))}
    assert events["agencies.export.requested"].data == {
        "kind": "cases.case_list",
        "format": "csv",
        "filters": {"stage__exact": "planned"},
    }
    assert events["agencies.export.finished"].data["rows"] == 1
    assert events["agencies.export.finished"].data["filters"] == {"stage__exact": "planned"}
    assert {e.agency_id for e in events.values()} == {semarang.pk}
    assert export.expires_at > timezone.now()


def test_a_page_of_one_sites_cases_is_read_off_the_site_and_key_index(
    staff, semarang, settings, django_capture_on_commit_callbacks
):
    # given an office whose cases are mostly elsewhere, a few reached at one site
    site = SiteFactory()
    for n in range(60):
        CaseFactory(owner=semarang, site=site if n % 20 == 0 else None)
    settings.EXPORT_CHUNK_SIZE = 2
    with CaptureQueriesContext(connection) as queries:
        case_list(django_capture_on_commit_callbacks, staff, site=str(site.pk))
    page = next(q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"] and '"cases_case"."id" >' in q["sql"])

    # then the planner, kept off a scan of the whole table as it is at a million cases, reads a page by site and
    # key at once: not every other site's cases along the key (bench/exports.py: 190,000 rows for a page of 2,000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + page)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    read_by_site_and_key = r"(Index Scan using|Bitmap Index Scan on) case_site_keyset\b.*\n\s+Index Cond: "
    assert re.search(read_by_site_and_key + r"\(\(site_id = \d+\) AND \(id > \d+\)\)", plan), plan
