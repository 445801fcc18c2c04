"""The long lists' rows drawn with each column worked out once per page (agencies/templatetags/lean_rows.py) are
the same HTML as Django's own rows, which ADMIN_LEAN_ROWS = False falls back to."""

import re

import pytest

from agencies import audit
from agencies.models import Role
from tests.agencies.factories import ApiClientFactory, MembershipFactory
from tests.cases.factories import CaseFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _rows(client, url, settings, lean: bool) -> str:
    settings.ADMIN_LEAN_ROWS = lean
    page = client.get(url).content.decode()
    return re.sub(r"\s+", " ", re.search(r"<tbody>.*</tbody>", page, re.S).group())


def test_the_case_list_rows_are_djangos_rows(signed_in, banyuwangi, banyuwangi_staff, settings):
    client = signed_in(banyuwangi_staff)
    CaseFactory(owner=banyuwangi, site=SiteFactory(name="Gempol <Porong> & Co"), caseworker=banyuwangi_staff)
    CaseFactory(owner=banyuwangi, site=None, caseworker=None)

    lean = _rows(client, "/admin/cases/case/?stage=registered", settings, True)

    assert "Gempol &lt;Porong&gt; &amp; Co" in lean and "?_changelist_filters=stage%3Dregistered" in lean
    assert 'class="action-checkbox"' in lean  # the tick box of the actions (enrolling several), drawn once
    assert lean == _rows(client, "/admin/cases/case/?stage=registered", settings, False)


def test_the_trail_rows_are_djangos_rows(signed_in, banyuwangi, banyuwangi_staff, settings):
    client = signed_in(MembershipFactory(role=Role.AUDITOR, agency=banyuwangi).user)
    case = CaseFactory(owner=banyuwangi)
    audit.record(banyuwangi_staff, "cases.case.viewed", case, agency=banyuwangi)
    audit.record_read(ApiClientFactory(agency=banyuwangi), "cases.case.read_by_api", case, agency_id=banyuwangi.pk)

    lean = _rows(client, "/admin/agencies/auditevent/", settings, True)

    assert case.number in lean
    assert lean == _rows(client, "/admin/agencies/auditevent/", settings, False)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_date_reads_as_djangos_localized_date(language):
    """The trail's dates, formatted with the format parsed once per page: the same text as Django's per cell,
    in the office's time zone (a UTC evening is the next morning in Jakarta) and the account's language."""
    import datetime

    from django.utils import formats, timezone, translation

    from agencies.templatetags.lean_rows import datetime_formatter

    utc = datetime.UTC
    moments = [datetime.datetime(2026, month, 28, 17, 30, tzinfo=utc) for month in range(1, 13)]
    moments += [
        datetime.datetime(2025, 12, 31, 16, 59, 59, tzinfo=utc),
        datetime.datetime(2024, 2, 29, 0, 5, tzinfo=utc),
    ]
    with translation.override(language):
        formatted = datetime_formatter()
        assert [formatted(m) for m in moments] == [formats.localize(timezone.template_localtime(m)) for m in moments]
    if language == "id":
        assert formatted(moments[11]) == "29 Des 2026 00.30"
