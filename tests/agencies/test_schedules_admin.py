"""Province staff read the background schedules in words and change when reminders go out; the library's full
pages (task codes, cron lines, JSON arguments) are for set-up superusers."""

import re

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tests.agencies.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

CRON_WORDS = ("agencies.tasks.", "(m/h/dM/MY/d)", "0 7 * * *", "At 07:00 AM", "crontab")


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def makassar_morning():
    return PeriodicTask.objects.get(name__contains="Asia/Makassar").crontab


def test_province_staff_read_what_runs_and_when_in_words(signed_in, province_staff):
    page = _visible(signed_in(province_staff).get("/admin/django_celery_beat/periodictask/").content.decode())

    assert "Menyusun email pengingat hari ini" in page
    assert "setiap hari pukul 07.00 WITA" in page
    assert "setiap menit" in page
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
    assert "Pilih objek ini untuk suatu aksi - Pengingat harian (WITA, Asia/Makassar)" in html
