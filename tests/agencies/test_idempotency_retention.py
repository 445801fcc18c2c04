"""Stored Idempotency-Key answers may carry personal data, so they are kept for a day only."""

import datetime

import pytest
from django.utils import timezone

from agencies import services
from agencies.api import idempotency
from agencies.models import Agency, ApiClient, IdempotencyRecord
from tests.agencies.factories import AgencyFactory, RegionFactory, UserFactory
from tests.conftest import APIClient

pytestmark = pytest.mark.django_db

ROW = {"full_name": "Ani Lestari", "sex": "F", "target_group": 10}


@pytest.fixture
def api():
    region = RegionFactory(code="35.10")
    AgencyFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=region)
    ngo = AgencyFactory(name="Bina Sehat", kind=Agency.Kind.NGO, region=region)
    root = UserFactory(username="root", is_superuser=True)
    _client, token = services.api_client_create(actor=root, agency=ngo, name="App", scope=ApiClient.Scope.READ_WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="sheet-1")
    return client


def test_a_key_is_answered_from_storage_within_a_day(api):
    first = api.post("/api/v1/intake/", ROW, format="json")
    again = api.post("/api/v1/intake/", {**ROW, "full_name": "Someone else"}, format="json")

    assert first.status_code == 201
    assert again.status_code == 422
    assert IdempotencyRecord.objects.count() == 1


def test_a_key_older_than_a_day_is_forgotten_with_its_stored_answer(api):
    api.post("/api/v1/intake/", ROW, format="json")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))

    again = api.post("/api/v1/intake/", {**ROW, "full_name": "Someone else"}, format="json")

    assert again.status_code == 201
    assert IdempotencyRecord.objects.count() == 1
    assert idempotency.Stored(IdempotencyRecord.objects.get()).data["case"]["person"]["full_name"] == "Someone else"


def test_the_hourly_purge_forgets_every_callers_answers_past_their_day_and_keeps_the_rest(api):
    from agencies.tasks import idempotency_records_purge_task

    api.post("/api/v1/intake/", ROW, format="json")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    IdempotencyRecord.objects.create(caller="client:999", key="sheet-2", request_hash="-", status_code=201, reply="-")

    assert idempotency_records_purge_task() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["sheet-2"]
