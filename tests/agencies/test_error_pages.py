"""Error pages speak the person's language in the admin's look and lead back home; the API keeps problem details."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.template import loader
from django.urls import path
from django.utils import translation

from agencies.models import Role
from config import urls as site_urls
from tests.agencies.factories import UserFactory


def _raises(exc):
    def view(request):
        raise exc

    return view


# The site's own URLs and handlers, plus admin pages that fail in each way (tests only: the real ones must not).
urlpatterns = [
    path("admin/fails/400/", _raises(SuspiciousOperation("a forged request"))),
    path("admin/fails/403/", _raises(PermissionDenied)),
    path("admin/fails/404/", _raises(Http404)),
    path("admin/fails/500/", _raises(RuntimeError("boom"))),
    path("api/v1/fails/500/", _raises(RuntimeError("boom"))),
    *site_urls.urlpatterns,
]
handler400, handler403, handler404, handler500 = (
    site_urls.handler400,
    site_urls.handler403,
    site_urls.handler404,
    site_urls.handler500,
)

HOME = '<a href="/admin/">'
PAGES = {
    400: ("Permintaan tidak dapat dipahami", "The request could not be understood"),
    403: ("Anda tidak boleh melakukan ini", "You may not do this"),
    404: ("Halaman tidak ditemukan", "Page not found"),
    500: ("Terjadi kesalahan di pihak kami", "Something went wrong on our side"),
}


@pytest.fixture
def failing_client(signed_in, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__

    def sign_in(user):
        client = signed_in(user)
        client.raise_request_exception = False
        return client

    return sign_in


@pytest.mark.django_db
@pytest.mark.parametrize("status", sorted(PAGES))
def test_an_error_page_is_indonesian_for_an_indonesian_account_with_a_way_home(failing_client, member, status):
    client = failing_client(member(Role.DISTRICT_STAFF))

    response = client.get(f"/admin/fails/{status}/", headers={"accept-language": "en"})

    page = response.content.decode()
    assert response.status_code == status
    assert 'lang="id"' in page and PAGES[status][0] in page
    assert "Kembali ke beranda" in page and HOME in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", sorted(PAGES))
def test_an_error_page_is_english_for_an_english_account(failing_client, member, status):
    client = failing_client(member(Role.DISTRICT_STAFF, user=UserFactory(language="en")))

    page = client.get(f"/admin/fails/{status}/").content.decode()

    assert 'lang="en"' in page and PAGES[status][1] in page
    assert "Back to the home page" in page


@pytest.mark.django_db
def test_an_address_nobody_knows_answers_with_the_indonesian_404(client, settings):
    settings.DEBUG = False

    response = client.get("/nowhere/")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()


@pytest.mark.django_db
def test_the_api_keeps_its_problem_details(failing_client, member):
    client = failing_client(member(Role.DISTRICT_STAFF))

    response = client.get("/api/v1/fails/500/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Kesalahan server."


def test_the_500_page_is_drawn_without_a_request_and_without_the_database():
    # No django_db mark: any query here fails the test.
    with translation.override("id"):
        page = loader.get_template("500.html").render()

    assert "Terjadi kesalahan di pihak kami" in page and HOME in page
    assert "Server Error (500)" not in page
