"""A process remembers the API tokens it has looked up, and forgets them as soon as PostgreSQL says a client or an
agency changed (agencies.fastpath.token_cache): another process revoking, rotating or deactivating takes effect on
the next request here. The other process is a thread with its own database connection, on committed transactions."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import services as agency_services
from agencies.fastpath import token_cache
from agencies.models import Agency, ApiClient
from tests.agencies.factories import AgencyFactory, RegionFactory, UserFactory

from .helpers import bearer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def kept_connections(monkeypatch):
    # The cache serves connections kept between requests, as gunicorn's are in production (CONN_MAX_AGE).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)


@pytest.fixture
def root():
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def ngo():
    return AgencyFactory(name="Yayasan Lentera", kind=Agency.Kind.NGO, region=RegionFactory(code="33.74"))


@pytest.fixture
def issued(root, ngo) -> tuple[ApiClient, str]:
    return agency_services.api_client_create(actor=root, agency=ngo, name="App", scope="read_write")


def _lookups(client) -> tuple[int, list[str]]:
    """The status of a read and the token lookups it made."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get("/api/v1/regions/").status_code
    return status, [q["sql"] for q in captured.captured_queries if "agencies_apiclient" in q["sql"]]


def _elsewhere(change) -> None:
    """Run `change` as another process would: in another thread, on its own connection, committed when it returns,
    and emptying only its own process's cache (so here only PostgreSQL's notification can tell)."""
    failures = []

    def run():
        try:
            with mock.patch.object(token_cache, "forget", lambda: None):
                change()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not failures, failures


def _requests_until(client, expected: int, within: float = 1.0) -> int:
    """How many reads it takes until one answers `expected` (PostgreSQL delivers a notification to an idle
    connection asynchronously); fails after `within` seconds."""
    started, attempts = time.perf_counter(), 1
    while client.get("/api/v1/regions/").status_code != expected:
        assert time.perf_counter() - started < within, f"still not {expected} after {within} s"
        time.sleep(0.001)
        attempts += 1
    return attempts


def test_a_token_is_looked_up_once_while_nothing_changes(issued):
    client = bearer(issued[1])

    first, looked_up = _lookups(client)
    again, looked_up_again = _lookups(client)

    assert (first, again) == (200, 200)
    assert len([sql for sql in looked_up if sql.startswith(("EXECUTE", "PREPARE"))]) == 1
    assert looked_up_again == []


def test_a_token_revoked_by_another_process_stops_working_on_the_next_request(root, issued):
    api_client, token = issued
    client = bearer(token)
    client.get("/api/v1/regions/")
    assert _lookups(client) == (200, [])  # the token is kept: no lookup

    _elsewhere(lambda: agency_services.api_client_revoke(actor=root, client=api_client))

    _requests_until(client, 401)  # in practice the very first request after the revoking commit
    assert client.get("/api/v1/regions/").status_code == 401


def test_a_token_rotated_by_another_process_is_replaced_on_the_next_request(root, issued):
    api_client, old_token = issued
    old = bearer(old_token)
    assert old.get("/api/v1/regions/").status_code == 200
    rotated = []

    _elsewhere(lambda: rotated.append(agency_services.api_client_rotate(actor=root, client=api_client)[1]))

    _requests_until(old, 401)
    assert bearer(rotated[0]).get("/api/v1/regions/").status_code == 200


def test_an_agency_deactivated_by_another_process_stops_its_tokens(root, ngo, issued):
    client = bearer(issued[1])
    assert client.get("/api/v1/regions/").status_code == 200

    _elsewhere(lambda: agency_services.agency_update(actor=root, agency=ngo, active=False))

    _requests_until(client, 401)


def test_noting_a_tokens_use_elsewhere_keeps_it_known_here(issued):
    api_client, token = issued
    client = bearer(token)
    client.get("/api/v1/regions/")

    # Another process notes the token's use (once a minute per client): not a change anyone must hear of.
    _elsewhere(lambda: ApiClient.objects.filter(pk=api_client.pk).update(last_used_at=timezone.now()))
    time.sleep(0.05)

    assert _lookups(client) == (200, [])


def test_a_new_connection_forgets_what_the_old_one_knew(root, issued):
    api_client, token = issued
    client = bearer(token)
    client.get("/api/v1/regions/")
    connection.close()  # e.g. CONN_MAX_AGE ran out: while no one listened, the client was revoked
    _elsewhere(lambda: agency_services.api_client_revoke(actor=root, client=api_client))

    assert client.get("/api/v1/regions/").status_code == 401


def test_inside_a_transaction_every_request_looks_the_token_up(issued):
    # A LISTEN in a transaction that rolls back is undone: there the cache is not trusted.
    client = bearer(issued[1])
    client.get("/api/v1/regions/")

    with transaction.atomic():
        status, looked_up = _lookups(client)

    assert status == 200 and len(looked_up) == 1


def test_a_token_revoked_in_this_process_stops_working_without_waiting(root, issued):
    api_client, token = issued
    client = bearer(token)
    client.get("/api/v1/regions/")

    agency_services.api_client_revoke(actor=root, client=api_client)

    assert client.get("/api/v1/regions/").status_code == 401
