"""`manage.py load_demo`: the seeds' offices and one login per role, each seeing exactly their scope."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from agencies import access
from agencies.management.commands.load_demo import AGENCIES, DEMO_PASSWORD, USERS
from agencies.models import Agency, ApiClient, Membership, Role, User

pytestmark = pytest.mark.django_db


def _run(command) -> str:
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    _run("load_regions")
    with override_settings(DEBUG=True):
        return _run("load_demo")


def test_the_demo_is_refused_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")


def test_the_demo_loads_every_office_of_the_field_reports_and_one_user_per_role(demo):
    assert Agency.objects.count() == len(AGENCIES)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for username in USERS:
        assert f"  {username} " in demo


def test_loading_the_demo_again_duplicates_nothing_and_rotates_the_demo_tokens(demo):
    counts = (Agency.objects.count(), Membership.objects.count(), User.objects.count(), ApiClient.objects.count())

    with override_settings(DEBUG=True):
        again = _run("load_demo")

    assert counts == (
        Agency.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
        ApiClient.objects.count(),
    )
    assert [line for line in again.splitlines() if "rhb_" in line] != [
        line for line in demo.splitlines() if "rhb_" in line
    ]


# username: agencies whose people (memberships) the demo user sees in the admin
PEOPLE_IN_SCOPE = {
    "provinsi": {"jateng", "purbalingga", "semarang", "dinkes_purbalingga", "dinpermades_purbalingga", "lentera_asa"},
    "kabupaten": {"banyuwangi"},
    "keuangan": {"banyuwangi"},
    "lks": {"bina_sehat"},
    "mitra": {"polres_kotim"},
    "pimpinan": set(),
    "auditor": {"jateng", "purbalingga", "semarang", "dinkes_purbalingga", "dinpermades_purbalingga", "lentera_asa"},
}


@pytest.mark.parametrize("username", sorted(PEOPLE_IN_SCOPE))
def test_each_demo_user_signs_in_and_sees_exactly_their_scope(client, demo, username):
    names = {key: name for key, (name, *_rest) in AGENCIES.items()}
    user = User.objects.get(username=username)
    expected = {m.pk for m in Membership.objects.filter(agency__name__in=[names[k] for k in PEOPLE_IN_SCOPE[username]])}

    assert client.login(username=username, password=DEMO_PASSWORD)
    response = client.get("/admin/agencies/membership/")

    if expected:
        assert {m.pk for m in response.context["cl"].result_list} == expected
    else:
        assert response.status_code == 403
    assert set(access.visible_to(user, Membership).values_list("pk", flat=True)) == expected
