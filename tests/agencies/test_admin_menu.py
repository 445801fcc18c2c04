"""The admin's menu kept per grants, language and date (agencies/fastpath/admin_menu.py, ADMIN_MENU_MEMO) is the
menu Django builds, for every role; and what it is kept by is all that the menu depends on."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from agencies import access
from agencies.fastpath import admin_menu
from agencies.models import Role
from tests.agencies.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    admin_menu.forget()
    yield
    admin_menu.forget()


def _menu(user) -> list[dict]:
    request = RequestFactory().get("/admin/")
    request.user = user
    access.start_request_cache(user)
    return admin.site.get_app_list(request)


def _built(user, settings) -> list[dict]:
    settings.ADMIN_MENU_MEMO = False
    try:
        return _menu(user)
    finally:
        settings.ADMIN_MENU_MEMO = True


@pytest.mark.parametrize("role", list(Role.values))
def test_the_kept_menu_is_the_built_menu_for_every_role(role, settings):
    user = MembershipFactory(role=role).user

    first, again = _menu(user), _menu(user)

    assert first == _built(user, settings) == again
    assert first, role  # every role sees some page (the menu is not trivially equal)


def test_two_people_with_the_same_grants_get_the_same_menu(settings):
    """The key the memo keeps a menu under: the grants, not the person."""
    one = MembershipFactory(role=Role.FINANCE_APPROVER)
    other = MembershipFactory(role=Role.FINANCE_APPROVER, agency=one.agency).user

    assert _built(one.user, settings) == _built(other, settings)


def test_a_superuser_and_a_person_without_grants_get_their_own_menus(settings):
    superuser = UserFactory(is_superuser=True)
    nobody = UserFactory()

    assert _menu(nobody) == _built(nobody, settings) == []
    assert _menu(superuser) == _built(superuser, settings) != []


def test_each_language_has_its_menu(settings):
    user = MembershipFactory(role=Role.DISTRICT_STAFF).user
    with translation.override("en"):
        english = _menu(user)
    with translation.override("id"):
        indonesian = _menu(user)

    assert english != indonesian
    with translation.override("en"):
        assert english == _built(user, settings)


def test_a_new_membership_changes_the_menu_at_once(settings):
    membership = MembershipFactory(role=Role.PARTNER_TRAINER)
    before = _menu(membership.user)

    MembershipFactory(role=Role.PROVINCE_STAFF, user=membership.user)

    assert _menu(membership.user) != before
    assert _menu(membership.user) == _built(membership.user, settings)


def test_a_page_changing_its_menu_changes_no_other_page(settings):
    user = MembershipFactory(role=Role.DISTRICT_STAFF).user
    _menu(user)[0]["models"].clear()

    assert _menu(user) == _built(user, settings)
