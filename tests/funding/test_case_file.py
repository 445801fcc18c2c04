"""The case as one file: a header with what to act on, and one newest-first timeline of everything that happened to
the person (its own history, programs, follow-up visits, money), as far as the reader may see."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Role
from cases.models import Case, Consent, Referral
from cases.services import case_transition
from tests.agencies.factories import AgencyFactory, MembershipFactory
from tests.cases.case_file import header_of, timeline_of
from tests.cases.factories import CaseFactory, ConsentFactory, ReferralFactory
from tests.funding.factories import pay, request_payment
from tests.programs.factories import FollowUpFactory, days_from_today

pytestmark = pytest.mark.django_db


def _page(client, case) -> str:
    response = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


# The timeline


def test_the_timeline_holds_the_cases_money_newest_first(signed_in, staff, approver, allowance):
    pay(staff, approver, allowance, 1)
    request_payment(staff, allowance, 2)

    entries = timeline_of(_page(signed_in(staff), allowance.case))

    money = [entry for entry in entries if "Rp" in entry]
    # A payment is recorded by its day: it reads above that day's timed steps, after its own approval.
    assert [
        next(i for i, e in enumerate(money) if text in e)
        for text in (
            "Dibayar: Rp600.000",
            "Pencairan Rp600.000 diajukan (Jaminan hidup (jadup), tahap 2)",
            "Pencairan Rp600.000 disetujui",
            "Pencairan Rp600.000 diajukan (Jaminan hidup (jadup), tahap 1)",
            "Berhak atas",
        )
    ] == [0, 1, 2, 3, 4]
    assert "Transfer bank" in money[0] and "Rp1.800.000" in money[4]


def test_the_timeline_holds_the_stage_moves_and_the_registration_in_indonesian(signed_in, staff, semarang):
    case = CaseFactory(owner=semarang)
    case_transition(actor=staff, case=case, to=Case.Stage.ASSESSED)

    entries = timeline_of(_page(signed_in(staff), case))

    assert entries[0].split(" ", 4)[-1].startswith("Tahap: Terdaftar → Diasesmen")


def test_each_entry_is_dated_in_the_owning_offices_time_zone(signed_in, staff, semarang, settings):
    settings.TIME_ZONE = "Asia/Makassar"  # the installation's zone is not the office's (Semarang: WIB)
    case = CaseFactory(owner=semarang)
    moved = case_transition(actor=staff, case=case, to=Case.Stage.ASSESSED).stage_changed_at

    entries = timeline_of(_page(signed_in(staff), case))

    in_jakarta = timezone.localtime(moved, datetime.timezone(datetime.timedelta(hours=7)))
    assert entries[0].startswith(f"{in_jakarta.day} ") and f"{in_jakarta:%H.%M}" in entries[0]


def test_a_visit_not_made_in_time_is_in_the_timeline_and_the_next_due_in_theheader_of(signed_in, staff, semarang):
    case = CaseFactory(owner=semarang)
    first = FollowUpFactory(case=case, offset_days=30, due_on=days_from_today(-3))
    FollowUpFactory(case=case, enrollment=first.enrollment, offset_days=90, due_on=days_from_today(57))

    page = _page(signed_in(staff), case)

    assert any(
        "Kunjungan pemantauan belum dilakukan (jatuh tempo 30 hari setelah lulus)" in e for e in timeline_of(page)
    )
    assert "Kunjungan pemantauan, 30 hari setelah lulus" in header_of(page) and "terlambat" in header_of(page)


def test_a_partner_reads_the_file_of_a_case_referred_to_it_but_no_money(signed_in, staff, approver, allowance):
    health = AgencyFactory(kind="health", region=allowance.case.owner.region)
    ConsentFactory(
        person=allowance.case.person,
        agency=health,
        purpose=Consent.Purpose.SHARING,
        given_on=datetime.date(2026, 1, 1),
    )
    ReferralFactory(case=allowance.case, to_agency=health, status=Referral.Status.ACCEPTED)
    pay(staff, approver, allowance, 1)
    partner = MembershipFactory(role=Role.PARTNER_TRAINER, agency=health).user

    entries = timeline_of(_page(signed_in(partner), allowance.case))

    assert entries, "the partner reads the file"
    assert not [entry for entry in entries if "Rp" in entry or "Pencairan" in entry]


def test_a_long_file_costs_the_same_statements_as_a_short_one(signed_in, staff, approver, allowance_for):
    short, long = allowance_for(), allowance_for()
    for number in (1, 2, 3):
        pay(staff, approver, long, number)
    first = FollowUpFactory(case=long.case, offset_days=30, due_on=days_from_today(30))
    for days in (90, 180):
        FollowUpFactory(case=long.case, enrollment=first.enrollment, offset_days=days, due_on=days_from_today(days))
    client = signed_in(staff)
    _page(client, short.case)  # what is read once per process

    counts = []
    for case in (short.case, long.case):
        with CaptureQueriesContext(connection) as captured:
            _page(client, case)
        counts.append(len(captured))

    assert counts[0] == counts[1]


# The header and its one-click move


def test_the_header_names_the_stage_office_caseworker_and_consents(signed_in, staff, semarang):
    case = CaseFactory(owner=semarang)
    ConsentFactory(
        person=case.person, purpose=Consent.Purpose.PROCESSING, agency=None, given_on=datetime.date(2026, 1, 1)
    )

    header = header_of(_page(signed_in(staff), case))

    assert "Tahap Terdaftar" in header
    assert f"Kantor penanggung jawab {semarang.name}" in header
    assert "Persetujuan yang berlaku Pemrosesan data pribadi" in header
    assert "Lanjut ke tahap: Diasesmen" in header


def test_one_click_moves_the_case_one_stage_on(signed_in, staff, semarang):
    case = CaseFactory(owner=semarang)
    client = signed_in(staff)

    response = client.post(f"/admin/cases/case/{case.pk}/advance/", {"to": "assessed"}, follow=True)

    case.refresh_from_db()
    assert case.stage == Case.Stage.ASSESSED
    assert "Kasus dipindahkan ke tahap Diasesmen." in response.content.decode()
    assert case.stage_changes.get(to_stage="assessed").changed_by == staff


def test_a_click_from_a_stale_page_moves_nothing(signed_in, staff, semarang):
    case = CaseFactory(owner=semarang, stage=Case.Stage.ASSESSED)
    client = signed_in(staff)

    response = client.post(f"/admin/cases/case/{case.pk}/advance/", {"to": "assessed"}, follow=True)

    case.refresh_from_db()
    assert case.stage == Case.Stage.ASSESSED
    assert "Tahap kasus ini sudah berubah" in response.content.decode()


def test_closing_is_never_one_click(signed_in, staff, semarang):
    case = CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE)
    client = signed_in(staff)

    assert "Lanjut ke tahap" not in header_of(_page(client, case))
    client.post(f"/admin/cases/case/{case.pk}/advance/", {"to": "closed"})
    case.refresh_from_db()
    assert case.stage == Case.Stage.AFTERCARE


def test_a_reader_who_may_not_change_the_case_gets_no_move_button(signed_in, member, semarang):
    case = CaseFactory(owner=semarang)
    auditor = member(Role.AUDITOR, agency=AgencyFactory(province_office=True, region=semarang.region.parent))

    client = signed_in(auditor)

    assert "Lanjut ke tahap" not in header_of(_page(client, case))
    client.post(f"/admin/cases/case/{case.pk}/advance/", {"to": "assessed"})
    case.refresh_from_db()
    assert case.stage == Case.Stage.REGISTERED
