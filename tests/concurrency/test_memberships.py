"""Two staff adding the same person to the same agency at the same moment: one membership, one clear refusal."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from agencies import services
from agencies.models import Membership, Role
from tests.agencies.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_adds_of_one_person_to_one_agency_leave_one_active_membership():
    jateng = AgencyFactory(province_office=True)
    actors = [MembershipFactory(role=Role.PROVINCE_STAFF, agency=jateng).user for _ in range(2)]
    person = UserFactory()
    barrier = threading.Barrier(len(actors))
    outcomes = []

    def add(actor):
        try:
            barrier.wait()
            services.membership_create(actor=actor, agency=jateng, role=Role.AUDITOR, user=person)
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(map(str, outcomes)).count("created") == 1
    assert Membership.objects.filter(user=person, agency=jateng, active=True).count() == 1
