"""Province staff read the background schedules in words and change when reminders go out; the library's full
pages (task codes, cron lines, JSON arguments) are for set-up superusers."""

import re

import pytest
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from agencies import schedules
from tests.agencies.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

CRON_WORDS = (
    "agencies.tasks.",
    "(m/h/dM/MY/d)",
    "0 7 * * *",
    "At 07:00 AM",
    "crontab",
    "Asia/",
    "Idempotency",
    "outbox",
)


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def makassar_morning():
    return PeriodicTask.objects.get(name__contains="Asia/Makassar").crontab


def test_province_staff_read_what_runs_and_when_in_words(signed_in, province_staff):
    page = _visible(signed_in(province_staff).get("/admin/django_celery_beat/periodictask/").content.decode())

    assert "Menyusun email pengingat hari ini" in page
    assert "Setiap hari pukul 07.00 WITA" in page
    assert "Setiap menit" in page
    assert not [word for word in CRON_WORDS if word in page]


def test_a_schedule_page_is_named_in_words(signed_in, province_staff, makassar_morning):
    page = signed_in(province_staff).get(f"/admin/django_celery_beat/crontabschedule/{makassar_morning.pk}/change/")

    text = _visible(page.content.decode())
    assert "setiap hari pukul 07.00 WITA" in text
    assert not [word for word in CRON_WORDS if word in text]


def test_province_staff_move_the_morning_reminders_to_another_hour(signed_in, province_staff, makassar_morning):
    response = signed_in(province_staff).post(
        f"/admin/django_celery_beat/crontabschedule/{makassar_morning.pk}/change/", {"hour": "6", "minute": "30"}
    )

    assert response.status_code == 302
    crontab = CrontabSchedule.objects.get(pk=makassar_morning.pk)
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("6", "30", "Asia/Makassar")


@pytest.mark.parametrize("model", ["intervalschedule", "solarschedule", "clockedschedule"])
def test_schedules_no_reminder_uses_are_for_set_up_only(signed_in, province_staff, model):
    assert signed_in(province_staff).get(f"/admin/django_celery_beat/{model}/").status_code == 403


def test_set_up_superusers_keep_the_librarys_full_pages(signed_in, makassar_morning):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    page = signed_in(root).get(f"/admin/django_celery_beat/crontabschedule/{makassar_morning.pk}/change/")

    assert page.status_code == 200
    assert "Asia/Makassar" in page.content.decode()


def test_regions_show_their_time_zone_as_offices_name_it(signed_in, province_staff):
    RegionFactory(code="73")

    page = _visible(signed_in(province_staff).get("/admin/agencies/region/").content.decode())

    assert "WITA" in page and "Asia/Makassar" not in page


def test_a_schedules_history_is_named_in_words(signed_in, province_staff, makassar_morning):
    page = signed_in(province_staff).get(f"/admin/django_celery_beat/crontabschedule/{makassar_morning.pk}/history/")

    text = _visible(page.content.decode())
    assert "setiap hari pukul 07.00 WITA" in text
    assert not [word for word in CRON_WORDS if word in text]


def test_province_staff_switch_a_schedule_off_without_touching_what_it_runs(signed_in, province_staff):
    task = PeriodicTask.objects.get(name__contains="Asia/Makassar")

    response = signed_in(province_staff).post(f"/admin/django_celery_beat/periodictask/{task.pk}/change/", {})

    task.refresh_from_db()
    assert response.status_code == 302
    assert not task.enabled
    assert (task.task, task.crontab.hour) == ("agencies.tasks.notifications_compose_task", "7")


def test_no_cron_line_hides_in_the_lists_labels_for_screen_readers(signed_in, province_staff):
    html = signed_in(province_staff).get("/admin/django_celery_beat/periodictask/").content.decode()

    assert "(m/h/dM/MY/d)" not in html
    assert "Pilih objek ini untuk suatu aksi - Menyusun email pengingat hari ini, setiap hari pukul 07.00 WITA" in html


@pytest.mark.parametrize(
    ("minute", "hour", "day_of_week", "words"),
    [
        ("0", "7", "*", "setiap hari pukul 07.00 WITA"),
        ("30", "7,13", "*", "setiap hari pukul 07.30 dan 13.30 WITA"),
        ("0", "7", "1", "setiap Senin pukul 07.00 WITA"),
        ("0", "7", "0", "setiap Minggu pukul 07.00 WITA"),
        ("15", "*", "*", "setiap jam pada menit ke-15"),
        ("*/5", "8-17", "1-5", "pada waktu yang diatur penyiap sistem (WITA)"),
    ],
)
def test_any_schedule_reads_in_words_never_as_its_cron_line(minute, hour, day_of_week, words):
    crontab = CrontabSchedule(minute=minute, hour=hour, day_of_week=day_of_week, timezone="Asia/Makassar")
    with translation.override("id"):
        assert schedules.crontab_label(crontab) == words


def test_a_task_of_no_known_kind_is_named_as_it_was_named_never_by_its_code(signed_in, province_staff):
    PeriodicTask.objects.create(name="Rekap bulanan", task="funding.tasks.monthly_task", interval=_every_hour())

    page = _visible(signed_in(province_staff).get("/admin/django_celery_beat/periodictask/").content.decode())

    assert "Rekap bulanan" in page and "funding.tasks" not in page


def _every_hour():
    return IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)[0]
