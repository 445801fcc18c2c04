"""One answer to "for which agency does this person act on this row" (agencies.access.acting_grant): the service,
the audit trail and the reminder emails give the same one."""

import datetime

import pytest
from django.utils import timezone

from agencies.models import AuditEvent, Notification, Role
from cases import services
from cases.models import Consent, Referral
from cases.reminders import REFERRAL_RECEIVED
from tests.agencies.factories import MembershipFactory, RegionFactory
from tests.cases.factories import DistrictOfficeFactory, IntakeFactory, NgoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(staff):
    return IntakeFactory(actor=staff, caseworker=staff).case


def _refer(actor, case, to_agency) -> Referral:
    services.consent_give(
        actor=actor,
        person=case.person,
        purpose=Consent.Purpose.SHARING,
        agency=to_agency,
        given_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    return services.referral_create(
        actor=actor, case=case, to_agency=to_agency, kind=Referral.Kind.NGO_MENTORING, reason="Pendampingan usaha"
    )


def _told_of(referral) -> set:
    told = Notification.objects.filter(kind=REFERRAL_RECEIVED.code, subject=f"cases.referral:{referral.pk}")
    return {n.recipient for n in told}


def test_a_referral_to_an_ngo_is_emailed_to_its_caseworkers_who_may_answer_it(staff, case, member):
    lentera = NgoFactory(name="Yayasan Lentera Semarang")
    caseworker = member(Role.NGO_CASEWORKER, agency=lentera)

    assert _told_of(_refer(staff, case, lentera)) == {caseworker}


def test_province_staff_are_not_emailed_a_referral_they_may_not_answer(staff, case, jateng, province_staff):
    # Province staff see referrals in their province, but answering one is for the case workers it is sent to.
    referral = _refer(staff, case, jateng)

    assert province_staff not in _told_of(referral)


def test_the_audit_trail_names_the_office_a_person_of_two_offices_acted_for(semarang, case, member):
    # Banyuwangi's membership is the older one, and its name sorts first: the old derivation picked it.
    banyuwangi = DistrictOfficeFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=RegionFactory(code="35.10"))
    both = member(Role.DISTRICT_STAFF, agency=banyuwangi)
    MembershipFactory(user=both, role=Role.DISTRICT_STAFF, agency=semarang)

    note = services.case_note_add(actor=both, case=case, body="Kunjungan rumah")

    event = AuditEvent.objects.get(action="cases.case_note.added", target_id=str(note.pk))
    assert note.agency == semarang
    assert event.actor_agency_id == semarang.pk
