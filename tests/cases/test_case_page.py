"""The case page shows the case's whole history in one timeline (assessments, notes, referrals, transfers, stage
changes, consents), in Indonesian and in the owning office's time, and the same page whether it is drawn the lean
way (ADMIN_LEAN_CASE_PAGE: read-only fields drawn in Python, history read through compiled statements) or Django's
way. tests/funding/test_case_file.py: the rest of the file (programs, visits, money) and its header."""

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from agencies.models import Role
from cases import services
from cases.models import Case, Consent, Referral
from tests.cases.case_file import timeline_of
from tests.cases.factories import IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved_home(member, staff, banyuwangi):
    """A Semarang case with a history of each kind, repatriated to Banyuwangi: a transfer too."""
    case = IntakeFactory(actor=staff, caseworker=staff, address="Jl. Mawar 3\nRT 01 <RW 02>").case
    services.assessment_record(
        actor=staff, case=case, assessed_on=datetime.date(2026, 11, 2), needs="Ingin pulang", wants_to_go_home=True
    )
    services.case_note_add(actor=staff, case=case, body="Keluarga siap menerima.\nDihubungi lewat telepon.")
    services.case_transition(actor=staff, case=case, to=Case.Stage.PLANNED, reason="Rencana pulang")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.consent_give(
        actor=staff, person=case.person, purpose=Consent.Purpose.SHARING, agency=banyuwangi, given_on=yesterday
    )
    repatriation = services.referral_create(
        actor=staff, case=case, to_agency=banyuwangi, kind=Referral.Kind.REPATRIATION, reason="Pulang kampung"
    )
    services.referral_accept(actor=member(Role.DISTRICT_STAFF, agency=banyuwangi), referral=repatriation)
    return Case.objects.get(pk=case.pk)


def _content(page: str) -> str:
    main = re.search(r'<div id="content-main">.*</form>', page, re.S).group()
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", main))


def test_the_timeline_shows_each_kind_of_row_in_indonesian_and_the_offices_time(
    signed_in, staff, banyuwangi_staff, moved_home
):
    page = signed_in(banyuwangi_staff).get(f"/admin/cases/case/{moved_home.pk}/change/").content.decode()

    entries = timeline_of(page)
    by = staff.get_full_name() or staff.username
    with translation.override("id"):
        written = formats.date_format(
            timezone.localtime(moved_home.notes.get().created_at, zoneinfo.ZoneInfo("Asia/Jakarta")), "DATETIME_FORMAT"
        )
    assert f"{written} Catatan Keluarga siap menerima. Dihubungi lewat telepon. {by} (Dinas Sosial Kota Semarang)" in (
        entries
    )
    assert f"2 Nov 2026 Asesmen Kebutuhan: Ingin pulang Ingin pulang ke kampung halaman: Ya {by}" in entries
    [referral] = [entry for entry in entries if "Pemulangan ke daerah asal" in entry]
    assert (
        "Pemulangan ke daerah asal: Dinas Sosial Kota Semarang → Dinas Sosial Kabupaten Banyuwangi · Buka rujukan"
        " Pulang kampung Status: Selesai"
    ) in referral
    assert any("Dipindahkan dari Dinas Sosial Kota Semarang ke Dinas Sosial Kabupaten Banyuwangi" in e for e in entries)
    assert any(
        "Persetujuan diberikan: Berbagi data dengan instansi tertentu (Dinas Sosial Kabupaten Banyuwangi)" in e
        for e in entries
    )
    moves = [entry for entry in entries if "Tahap:" in entry]
    assert "Tahap: Diasesmen → Direncanakan Rencana pulang" in moves[0]
    assert any("Tahap: Terdaftar → Diasesmen" in entry for entry in moves)


def test_the_lean_case_page_is_djangos_page(signed_in, banyuwangi_staff, moved_home, settings):
    client = signed_in(banyuwangi_staff)
    url = f"/admin/cases/case/{moved_home.pk}/change/"

    settings.ADMIN_LEAN_CASE_PAGE = True
    lean = _content(client.get(url).content.decode())
    settings.ADMIN_LEAN_CASE_PAGE = False
    plain = _content(client.get(url).content.decode())

    assert "RT 01 &lt;RW 02&gt;" in lean and "Dihubungi lewat telepon." in lean
    assert lean == plain


@pytest.mark.parametrize("lean", [True, False])
def test_a_long_history_costs_the_same_statements_as_a_short_one(signed_in, staff, lean, settings):
    settings.ADMIN_LEAN_CASE_PAGE = lean
    client = signed_in(staff)
    short, long = IntakeFactory(actor=staff).case, IntakeFactory(actor=staff).case
    for n in range(12):
        services.case_note_add(actor=staff, case=long, body=f"Kunjungan {n}")
        services.assessment_record(actor=staff, case=long, assessed_on=datetime.date(2026, 11, 1), needs="modal")
    client.get(f"/admin/cases/case/{short.pk}/change/")  # the first page of a process compiles its statements

    counts = []
    for case in (short, long):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
    # Session, user, the session's second-factor device; grants; the case with its person and names, target groups,
    # consents; may they change it; five history tables; the access-log row; the caseworker choices; enrollments,
    # follow-ups and their outcomes, entitlements and payments (programs' and funding's part of the file); whether
    # its person's processing is restricted (issue 18: the banner).
    assert counts[1] <= 21


@pytest.mark.parametrize("posted", [False, True], ids=["empty", "with-errors"])
def test_the_lean_intake_page_is_djangos_page(signed_in, staff, settings, posted):
    client = signed_in(staff)

    def page() -> str:
        if posted:  # a NIK too short and no name: errors and help texts on their lines
            return client.post("/admin/cases/case/add/", {"nik": "3374", "sex": "F"}).content.decode()
        return client.get("/admin/cases/case/add/").content.decode()

    settings.ADMIN_LEAN_CASE_PAGE = True
    lean = _content(page())
    settings.ADMIN_LEAN_CASE_PAGE = False
    plain = _content(page())

    assert 'name="full_name"' in lean and "_helptext" in lean
    assert lean == plain


def test_the_caseworker_is_chosen_by_a_persons_name_not_an_account_name(signed_in, staff, colleague):
    colleague.first_name, colleague.last_name = "Sri", "Wahyuni"
    colleague.save(update_fields=["first_name", "last_name"])
    case = IntakeFactory(actor=staff).case

    page = signed_in(staff).get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    choices = re.search(r'<select name="caseworker"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert f'<option value="{colleague.pk}">Sri Wahyuni</option>' in choices
    assert f">{colleague.username}<" not in choices
