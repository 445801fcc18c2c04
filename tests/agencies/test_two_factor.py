"""Staff two-factor, lockout and step-up (issue 18 §1, §2, §4), through the pages a person uses.

These tests sign in through the forms with `plain_client` (Django's own client): the suite's `client` gives
sessions that already passed the second factor.
"""

import base64
import datetime
import re
import time

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import work
from agencies.models import AuditEvent, Role
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import CaseFactory
from tests.conftest import current_code

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # tests.agencies.factories.UserFactory's
ELSEWHERE = {"REMOTE_ADDR": "10.20.30.40"}


@pytest.fixture
def newcomer(semarang):
    """District staff of Semarang who has never signed in: no authenticator yet."""
    return MembershipFactory(role=Role.DISTRICT_STAFF, agency=semarang).user


def password_step(client, user, password=PASSWORD, **extra):
    return client.post("/admin/login/", {"username": user.username, "password": password}, **extra)


def enrol(client, user) -> list[str]:
    """Sign in with the password, read the key from the enrolment page, confirm it with the code; the codes shown."""
    response = password_step(client, user)
    assert response["Location"].startswith("/admin/two-factor/setup/")
    page = client.get(response["Location"]).content.decode()
    key = re.search(r'<code class="key" id="otp-key">([A-Z2-7 ]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert key.replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")
    response = client.post("/admin/two-factor/setup/", {"code": current_code(user)})
    assert response["Location"].startswith("/admin/two-factor/recovery-codes/")
    page = client.get(response["Location"]).content.decode()
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)


def test_a_new_member_is_sent_to_enrolment_and_reaches_the_home_after_confirming_a_code(plain_client, newcomer):
    response = password_step(plain_client, newcomer)
    assert response.status_code == 302 and response["Location"].startswith("/admin/two-factor/setup/")

    page = plain_client.get(response["Location"]).content.decode()
    assert "Pasang aplikasi autentikator" in page
    assert "<svg" in page  # the QR code, drawn on our server
    assert "http" not in re.search(r"<svg.*?</svg>", page, re.S).group(0).replace("http://www.w3.org", "")

    response = plain_client.post("/admin/two-factor/setup/", {"code": current_code(newcomer)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", plain_client.get(response["Location"]).content.decode())

    assert len(codes) == 10
    assert plain_client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="agencies.user.two_factor_enrolled", target_id=str(newcomer.pk)).exists()


def test_a_password_alone_opens_no_admin_page(plain_client, newcomer):
    enrol(plain_client, newcomer)
    plain_client.post("/admin/logout/")

    password_step(plain_client, newcomer)

    for url in ("/admin/", "/admin/cases/case/", "/admin/agencies/membership/"):
        response = plain_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    assert plain_client.get("/admin/login/")["Location"].startswith("/admin/two-factor/")


def test_an_enrolled_member_signs_in_again_with_a_code_and_with_a_recovery_code_once(plain_client, newcomer):
    codes = enrol(plain_client, newcomer)
    plain_client.post("/admin/logout/")

    password_step(plain_client, newcomer)
    response = plain_client.post("/admin/two-factor/", {"code": current_code(newcomer)})
    assert response.status_code == 302 and plain_client.get("/admin/").status_code == 200
    plain_client.post("/admin/logout/")

    password_step(plain_client, newcomer)
    plain_client.post("/admin/two-factor/", {"recovery_code": codes[0].upper()})
    assert plain_client.get("/admin/").status_code == 200
    plain_client.post("/admin/logout/")

    password_step(plain_client, newcomer)
    response = plain_client.post("/admin/two-factor/", {"recovery_code": codes[0]})
    assert response.status_code == 200
    assert "Kode salah atau sudah kedaluwarsa" in response.content.decode()
    assert plain_client.get("/admin/").status_code == 302


def test_the_api_takes_no_session_that_has_not_passed_the_second_factor_and_no_password(plain_client, newcomer):
    enrol(plain_client, newcomer)
    plain_client.post("/admin/logout/")
    password_step(plain_client, newcomer)

    assert plain_client.get("/api/v1/cases/", HTTP_ACCEPT="application/json").status_code in (401, 403)

    plain_client.post("/admin/two-factor/", {"code": current_code(newcomer)})
    assert plain_client.get("/api/v1/cases/", HTTP_ACCEPT="application/json").status_code == 200

    basic = base64.b64encode(f"{newcomer.username}:{PASSWORD}".encode()).decode()
    response = plain_client.__class__().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)


def test_wrong_passwords_lock_that_username_at_that_address_only(plain_client, newcomer, colleague, settings):
    settings.AXES_FAILURE_LIMIT = 3
    enrol(plain_client, newcomer)
    plain_client.post("/admin/logout/")
    enrol(plain_client.__class__(), colleague)

    for _attempt in range(2):
        assert password_step(plain_client, newcomer, password="wrong").status_code == 200
    response = password_step(plain_client, newcomer, password="wrong")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Terlalu banyak percobaan yang gagal" in page and "Coba lagi pukul" in page
    # Even the right password is refused from here now...
    assert password_step(plain_client, newcomer).status_code == 429
    # ...but not from another address, nor for a colleague at this one.
    assert password_step(plain_client.__class__(), newcomer, **ELSEWHERE).status_code == 302
    assert password_step(plain_client.__class__(), colleague).status_code == 302

    events = AuditEvent.objects.filter(target_id=str(newcomer.pk))
    assert events.filter(action="agencies.user.sign_in_failed").count() >= 3
    locked = events.filter(action="agencies.user.locked_out").first()
    assert locked is not None and locked.agency_id == newcomer.memberships.get().agency_id
    assert "wrong" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_wrong_codes_count_towards_the_same_lockout_and_sign_the_half_session_out(plain_client, newcomer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    enrol(plain_client, newcomer)
    plain_client.post("/admin/logout/")
    password_step(plain_client, newcomer, password="wrong")
    password_step(plain_client, newcomer)

    assert plain_client.post("/admin/two-factor/", {"code": "000000"}).status_code == 200
    response = plain_client.post("/admin/two-factor/", {"code": "111111"})

    assert response.status_code == 429
    assert plain_client.get("/admin/two-factor/")["Location"].startswith("/admin/login/")  # signed out
    failed = AuditEvent.objects.filter(action="agencies.user.sign_in_failed", target_id=str(newcomer.pk))
    assert [event.data["code_step"] for event in failed.order_by("pk")] == [False, True, True]
    assert "000000" not in str(list(failed.values_list("data", flat=True)))


def test_after_the_cool_off_the_locked_out_person_signs_in(plain_client, newcomer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)
    enrol(plain_client, newcomer)
    plain_client.post("/admin/logout/")
    password_step(plain_client, newcomer, password="wrong")
    assert password_step(plain_client, newcomer, password="wrong").status_code == 429

    time.sleep(1.2)

    assert password_step(plain_client, newcomer).status_code == 302


def test_province_staff_see_their_provinces_locked_out_people_and_lift_the_lockout(
    plain_client, signed_in, newcomer, province_staff, outsider, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    for person in (newcomer, outsider):  # Semarang's, in the province; Banyuwangi's, outside it
        for _attempt in range(2):
            password_step(plain_client, person, password="wrong")

    [line] = [line for section in work.my_work(province_staff) for line in section["lines"] if "locked" in line.url]
    assert line.count == 1
    client = signed_in(province_staff)
    listed = client.get(line.url).context["cl"].result_list
    assert [membership.user for membership in listed] == [newcomer]

    client.post(line.url, {"action": "lift_lockouts", "_selected_action": [listed[0].pk]})

    assert password_step(plain_client.__class__(), newcomer).status_code == 302
    assert AuditEvent.objects.filter(action="agencies.user.lockout_lifted", target_id=str(newcomer.pk)).exists()


def test_only_a_set_up_superuser_resets_a_second_factor_and_the_person_enrols_again(
    plain_client, signed_in, newcomer, province_staff
):
    from tests.agencies.factories import UserFactory

    enrol(plain_client, newcomer)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    action = {"action": "reset_two_factor", "_selected_action": [newcomer.pk]}

    signed_in(province_staff).post("/admin/agencies/user/", action)
    assert TOTPDevice.objects.filter(user=newcomer).exists()

    signed_in(superuser).post("/admin/agencies/user/", action)

    assert not TOTPDevice.objects.filter(user=newcomer).exists()
    assert not StaticDevice.objects.filter(user=newcomer).exists()
    assert plain_client.get("/admin/")["Location"].startswith("/admin/login/")  # the old session is no longer verified
    assert password_step(plain_client.__class__(), newcomer)["Location"].startswith("/admin/two-factor/setup/")
    event = AuditEvent.objects.get(action="agencies.user.two_factor_reset")
    assert event.actor_user == superuser and event.target_id == str(newcomer.pk)


def test_revealing_a_nik_after_the_window_asks_for_the_code_again(plain_client, newcomer, semarang, settings):
    case = CaseFactory(owner=semarang)
    enrol(plain_client, newcomer)
    url = f"/admin/cases/case/{case.pk}/reveal-nik/"
    assert plain_client.get(url).status_code == 200  # just signed in: the code was given moments ago

    settings.STEP_UP_MINUTES = 0
    response = plain_client.post(url)

    assert response.status_code == 302 and response["Location"].startswith("/admin/two-factor/confirm/")
    assert not AuditEvent.objects.filter(action="cases.person.nik_revealed").exists()
    page = plain_client.get(response["Location"]).content.decode()
    assert "Konfirmasi bahwa ini Anda" in page
    back = plain_client.post(response["Location"], {"code": current_code(newcomer)})
    assert back["Location"] == url

    settings.STEP_UP_MINUTES = 5
    response = plain_client.post(url)
    assert case.person.nik in response.content.decode()


def test_a_case_list_export_asks_for_the_code_again_after_the_window(plain_client, newcomer, settings):
    enrol(plain_client, newcomer)
    settings.STEP_UP_MINUTES = 0

    response = plain_client.post(
        "/admin/agencies/export/request/", {"kind": "cases.case_list", "format": "csv", "next": "/admin/cases/case/"}
    )

    assert response["Location"].startswith("/admin/two-factor/confirm/")
    assert "next=%2Fadmin%2Fcases%2Fcase%2F" in response["Location"]
    assert not AuditEvent.objects.filter(action="agencies.export.requested").exists()
