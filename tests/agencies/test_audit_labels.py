"""The audit trail and the email history read in words: labels for codes, model names for targets, dates as
`4 Des 2026`, stage labels in an event's details."""

import ast
import datetime
import re
from pathlib import Path
from unittest import mock

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from agencies import audit, audit_labels, notifications, schedules
from agencies.models import Notification, Role
from cases.models import Case
from tests.agencies.factories import AgencyFactory, MembershipFactory, NotificationFactory
from tests.cases.factories import CaseFactory, ReferralFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ("agencies", "cases", "programs", "funding")
CODE = re.compile(rf"^(?:{'|'.join(APPS)})\.[a-z_]+\.[a-z_]+$")
# Dotted strings in the code that are not audit actions: a signing salt, and the background tasks' names.
NOT_ACTIONS = {"agencies.notifications.unsubscribe", *schedules.TASKS}
DECEMBER_4_14_05_WIB = datetime.datetime(2026, 12, 4, 7, 5, tzinfo=datetime.UTC)


def _visible(page: str) -> str:
    """The page's text as a person reads it: codes inside links' query strings are not on the page."""
    return re.sub(r"<[^>]+>", " ", page)


def _codes_in_source() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                    found.add(node.value)
    return found - NOT_ACTIONS


def test_every_action_the_code_records_has_a_label():
    codes = _codes_in_source()

    assert "cases.case.stage_changed" in codes  # the scan finds them
    assert sorted(codes - set(audit_labels.ACTIONS)) == []


def test_every_label_names_an_action_the_code_still_records():
    assert sorted(set(audit_labels.ACTIONS) - _codes_in_source()) == []


@pytest.fixture
def district(db):
    return AgencyFactory()


@pytest.fixture
def auditor_client(signed_in, district):
    return signed_in(MembershipFactory(role=Role.AUDITOR, agency=district).user)


@pytest.fixture
def stage_change(district):
    case = CaseFactory(owner=district)
    # The trail refuses updates, so the event is written at that moment rather than moved there.
    with mock.patch("django.utils.timezone.now", return_value=DECEMBER_4_14_05_WIB):
        return audit.record(
            None,
            "cases.case.stage_changed",
            case,
            {"from": "planned", "to": "in_intervention", "close_reason": "", "with_reason": False},
            agency=district,
        )


@pytest.mark.django_db
def test_the_trail_list_shows_labels_and_model_names_not_codes(auditor_client, stage_change):
    page = auditor_client.get("/admin/agencies/auditevent/").content.decode()

    assert "Tahap kasus diubah" in page
    assert f"Kasus {Case.objects.get(pk=stage_change.target_id).number}" in page  # the number people know
    assert "4 Des 2026 14.05" in page
    assert "cases.case.stage_changed" not in _visible(page)
    assert "Target type" not in page and "Jenis target" not in page


@pytest.mark.django_db
def test_an_events_details_show_stage_labels(auditor_client, stage_change):
    page = auditor_client.get(f"/admin/agencies/auditevent/{stage_change.pk}/change/").content.decode()

    assert page.index("dari: Direncanakan") < page.index("ke: Dalam intervensi")  # from first, as it happened
    assert "in_intervention" not in page and "planned" not in page
    assert "4 Des 2026 14.05" in page


def test_a_change_reads_as_old_and_new_values_by_field_name():
    with translation.override("en"):
        lines = audit_labels.details("cases.case.updated", Case, {"changed": {"stage": ["planned", "closed"]}})

    assert lines == [("stage", "Planned → Closed")]


@pytest.mark.django_db
def test_the_email_history_shows_kinds_periods_and_dates_in_words(signed_in, district):
    staff = MembershipFactory(role=Role.DISTRICT_STAFF, agency=district).user
    NotificationFactory(recipient=staff, agency=district, kind="follow_ups_due", period="2026-12-04")
    NotificationFactory(
        recipient=staff, agency=district, kind="follow_up_escalated", subject="programs.followup:7", period="level-2"
    )
    Notification.objects.update(created_at=DECEMBER_4_14_05_WIB)

    page = signed_in(staff).get("/admin/agencies/notification/").content.decode()

    assert "Pemantauan yang jatuh tempo (ringkasan harian)" in page
    assert "eskalasi tingkat 2" in page
    assert "4 Des 2026 14.05" in page
    assert "follow_ups_due" not in _visible(page)
    assert "level-2" not in _visible(page) and "2026-12-04" not in _visible(page)


@pytest.mark.django_db
def test_an_email_names_what_it_is_about_by_model(signed_in, district):
    staff = MembershipFactory(role=Role.DISTRICT_STAFF, agency=district).user
    row = NotificationFactory(recipient=staff, agency=district, subject="programs.followup:7", period="level-1")

    page = signed_in(staff).get(f"/admin/agencies/notification/{row.pk}/change/").content.decode()

    assert "Pemantauan #7" in page and "eskalasi tingkat 1" in page
    assert "programs.followup" not in page


def test_dates_read_the_same_way_in_both_languages():
    template = Template("{{ day|date }} · {{ moment|date:'DATETIME_FORMAT' }}")
    moment = timezone.localtime(DECEMBER_4_14_05_WIB)
    with translation.override("id"):
        indonesian = template.render(Context({"day": datetime.date(2026, 12, 4), "moment": moment}))
    with translation.override("en"):
        english = template.render(Context({"day": datetime.date(2026, 12, 4), "moment": moment}))

    assert indonesian == "4 Des 2026 · 4 Des 2026 14.05"
    assert english == "4 Dec 2026 · 4 Dec 2026 14:05"


# Finding a case's trail


@pytest.mark.django_db
def test_an_auditor_finds_a_cases_trail_by_its_number(auditor_client, district, stage_change):
    case = Case.objects.get(pk=stage_change.target_id)
    other = CaseFactory(owner=district)
    referral = ReferralFactory(case=case)
    audit.record(None, "cases.referral.created", referral, {"kind": referral.kind}, agency=district)
    audit.record(None, "cases.case.viewed", other, agency=district)

    response = auditor_client.get("/admin/agencies/auditevent/", {"q": case.number})

    found = sorted(event.action for event in response.context["cl"].result_list)
    assert found == ["cases.case.stage_changed", "cases.referral.created"]
    page = response.content.decode()
    assert f"Kasus {case.number}" in page
    assert f"Rujukan #{referral.pk} (Kasus {case.number})" in page  # every row names the case it belongs to


@pytest.mark.django_db
def test_a_page_of_the_trail_costs_a_fixed_number_of_queries(auditor_client, district, django_assert_max_num_queries):
    for _ in range(20):
        audit.record(None, "cases.case.viewed", CaseFactory(owner=district), agency=district)

    with django_assert_max_num_queries(20):
        response = auditor_client.get("/admin/agencies/auditevent/")

    assert len(response.context["cl"].result_list) == 20


@pytest.mark.parametrize(
    ("period", "shown"),
    [
        ("2026-12-04", "4 Des 2026"),
        ("2026-12", "Des 2026"),
        ("level-2", "eskalasi tingkat 2"),
        ("starts-2026-12-07", "mulai 7 Des 2026"),
        ("declined", "ditolak"),
        ("created", "saat diterima"),
    ],
)
def test_an_emails_period_reads_as_words(period, shown):
    with translation.override("id"):
        assert notifications.period_label(period) == shown


@pytest.mark.django_db
def test_a_failed_email_says_why_in_words(signed_in, district):
    staff = MembershipFactory(role=Role.DISTRICT_STAFF, agency=district).user
    row = NotificationFactory(recipient=staff, agency=district, status="failed", last_error="SMTPServerDisconnected")

    page = signed_in(staff).get(f"/admin/agencies/notification/{row.pk}/change/").content.decode()

    assert "Server email menolak email ini atau tidak dapat dihubungi (SMTPServerDisconnected)." in page


def _data_keys_in_source() -> set[str]:
    """The keys of every dict literal an audit call records (`audit.record(actor, code, target, {...})`)."""
    keys = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("record", "record_read"):
                    data = node.args[3] if len(node.args) > 3 else None
                    if isinstance(data, ast.Dict):
                        keys |= {key.value for key in data.keys if isinstance(key, ast.Constant)}
    return keys


def test_every_key_of_an_events_data_has_a_label():
    from django.apps import apps

    fields = {
        field.name for app in APPS for model in apps.get_app_config(app).get_models() for field in model._meta.fields
    }
    keys = _data_keys_in_source()

    assert "with_reason" in keys  # the scan finds them
    assert sorted(keys - fields - set(audit_labels.DATA_KEYS)) == []


def test_an_exports_filters_read_in_words_not_as_their_query_names():
    # A dashboard download carries its period; a case list its stage and "mine": the trail names them as the forms do.
    from agencies.models import Export

    with translation.override("id"):
        dashboard = dict(
            audit_labels.details(
                "agencies.export.requested", Export, {"filters": {"period_from": "2025-01", "period_to": "2026-12"}}
            )
        )
        cases = dict(
            audit_labels.details(
                "agencies.export.requested", Export, {"filters": {"stage__exact": "assessed", "caseworker": "me"}}
            )
        )

    assert dashboard == {"saringan": "Periode dari: Jan 2025; Periode sampai: Des 2026"}
    assert cases == {"saringan": "Tahap: Diasesmen; Pendamping kasus: Kasus saya"}
