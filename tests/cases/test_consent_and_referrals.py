"""Consent per purpose, and referrals that share a case only while the person agrees (DESIGN §4–§6, §8)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from agencies import access
from agencies.models import AuditEvent, Role
from cases import refusals, services
from cases.models import Assessment, Case, CaseNote, Consent, Referral, StageChange, Transfer
from tests.cases.factories import IntakeFactory, NgoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHARING = Consent.Purpose.SHARING
PROCESSING = Consent.Purpose.PROCESSING
MENTORING = Referral.Kind.NGO_MENTORING
REPATRIATION = Referral.Kind.REPATRIATION


@pytest.fixture
def home_staff(member, banyuwangi):
    return member(Role.DISTRICT_STAFF, agency=banyuwangi)


@pytest.fixture
def case(staff):
    """A case Semarang's office registered itself: the NGO does not see it."""
    return IntakeFactory(actor=staff, caseworker=staff).case


def _yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def _share(actor, case, agency) -> Consent:
    return services.consent_give(actor=actor, person=case.person, purpose=SHARING, agency=agency, given_on=_yesterday())


def _refer(actor, case, to_agency, kind=MENTORING, reason="Pendampingan usaha menjahit") -> Referral:
    return services.referral_create(actor=actor, case=case, to_agency=to_agency, kind=kind, reason=reason)


def _sees(actor, case) -> bool:
    return access.visible_to(actor, Case).filter(pk=case.pk).exists()


def _status(referral) -> str:
    return Referral.objects.get(pk=referral.pk).status


# Consent


def test_a_processing_consent_is_recorded_without_an_agency(staff, case, lentera):
    consent = services.consent_give(
        actor=staff, person=case.person, purpose=PROCESSING, agency=lentera, given_on=timezone.localdate()
    )

    assert (consent.person, consent.purpose, consent.agency, consent.recorded_by) == (
        case.person,
        PROCESSING,
        None,
        staff,
    )
    event = AuditEvent.objects.get(action="cases.consent.given")
    assert event.data == {"purpose": "processing", "agency": None}


def test_a_sharing_consent_names_the_agency_and_is_current_from_the_day_given(staff, case, lentera):
    consent = _share(staff, case, lentera)

    assert consent.agency == lentera
    assert Consent.objects.current_sharing(case.person_id, lentera.pk).get() == consent


def test_a_sharing_consent_without_an_agency_is_refused(staff, case):
    with pytest.raises(ValidationError) as refused:
        services.consent_give(actor=staff, person=case.person, purpose=SHARING, agency=None, given_on=_yesterday())

    assert refused.value.message_dict == {"agency": [refusals.SHARING_AGENCY_MISSING]}
    assert not Consent.objects.exists()


def test_a_consent_cannot_be_dated_in_the_future(staff, case, lentera):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        services.consent_give(actor=staff, person=case.person, purpose=SHARING, agency=lentera, given_on=tomorrow)

    assert refused.value.message_dict == {"given_on": [refusals.CONSENT_IN_FUTURE]}
    assert not Consent.objects.exists()


def test_an_outsider_gets_404_recording_a_consent(home_staff, case, lentera):
    with pytest.raises(Http404):
        _share(home_staff, case, lentera)

    assert not Consent.objects.exists()


def test_read_only_roles_may_not_record_a_consent(province_staff, case, lentera):
    with pytest.raises(PermissionDenied):
        _share(province_staff, case, lentera)

    assert not Consent.objects.exists()


def test_withdrawing_a_consent_ends_it_today(staff, case, lentera):
    consent = _share(staff, case, lentera)

    services.consent_withdraw(actor=staff, consent=consent)

    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert not Consent.objects.current_sharing(case.person_id, lentera.pk).exists()
    assert AuditEvent.objects.get(action="cases.consent.withdrawn").data == {"purpose": "sharing"}


def test_a_consent_cannot_be_withdrawn_twice(staff, case, lentera):
    consent = _share(staff, case, lentera)
    services.consent_withdraw(actor=staff, consent=consent, withdrawn_on=_yesterday())

    with pytest.raises(ValidationError) as refused:
        services.consent_withdraw(actor=staff, consent=consent)

    assert refused.value.message_dict == {"withdrawn_on": [refusals.CONSENT_ALREADY_WITHDRAWN]}
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == _yesterday()


def test_a_consent_cannot_be_withdrawn_before_it_was_given(staff, case, lentera):
    consent = _share(staff, case, lentera)

    with pytest.raises(ValidationError) as refused:
        services.consent_withdraw(actor=staff, consent=consent, withdrawn_on=_yesterday() - datetime.timedelta(days=1))

    assert refused.value.message_dict == {"withdrawn_on": [refusals.WITHDRAWAL_BEFORE_GIVEN]}
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


def test_a_withdrawal_cannot_be_dated_in_the_future(staff, case, lentera):
    consent = _share(staff, case, lentera)
    next_month = timezone.localdate() + datetime.timedelta(days=30)

    with pytest.raises(ValidationError) as refused:
        services.consent_withdraw(actor=staff, consent=consent, withdrawn_on=next_month)

    assert set(refused.value.message_dict) == {"withdrawn_on"}
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


def test_an_outsider_gets_404_withdrawing_a_consent(staff, home_staff, case, lentera):
    consent = _share(staff, case, lentera)

    with pytest.raises(Http404):
        services.consent_withdraw(actor=home_staff, consent=consent)

    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


# Referring


def test_a_referral_needs_the_persons_current_consent_to_share_with_the_receiving_agency(staff, case, lentera):
    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera)

    assert refused.value.message_dict == {"to_agency": [refusals.NO_SHARING_CONSENT]}
    assert not Referral.objects.exists()


def test_with_consent_a_referral_is_sent_from_the_referring_agency(staff, semarang, case, lentera):
    _share(staff, case, lentera)

    referral = _refer(staff, case, lentera)

    assert (referral.status, referral.from_agency, referral.to_agency, referral.created_by) == (
        Referral.Status.PENDING,
        semarang,
        lentera,
        staff,
    )
    event = AuditEvent.objects.get(action="cases.referral.created")
    assert (event.agency, event.data) == (semarang, {"kind": "ngo_mentoring", "to_agency": lentera.pk})


def test_consent_to_share_with_another_agency_does_not_count(staff, case, lentera):
    _share(staff, case, NgoFactory(name="Yayasan Lain"))

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera)

    assert set(refused.value.message_dict) == {"to_agency"}


def test_a_withdrawn_consent_does_not_count(staff, case, lentera):
    services.consent_withdraw(actor=staff, consent=_share(staff, case, lentera))

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera)

    assert set(refused.value.message_dict) == {"to_agency"}


def test_a_second_open_referral_to_the_same_agency_is_refused(staff, case, lentera):
    _share(staff, case, lentera)
    _refer(staff, case, lentera)

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera, reason="Lagi")

    assert refused.value.message_dict == {"to_agency": ["This case already has an open referral to this agency."]}
    assert Referral.objects.count() == 1


def test_after_a_decline_the_case_can_be_referred_to_that_agency_again(staff, ngo_caseworker, case, lentera):
    _share(staff, case, lentera)
    services.referral_decline(actor=ngo_caseworker, referral=_refer(staff, case, lentera), reason="Kuota penuh")

    again = _refer(staff, case, lentera, reason="Kuota sudah ada")

    assert again.status == Referral.Status.PENDING


def test_a_referral_needs_a_reason(staff, case, lentera):
    _share(staff, case, lentera)

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera, reason="  ")

    assert set(refused.value.message_dict) == {"reason"}
    assert not Referral.objects.exists()


def test_a_closed_case_cannot_be_referred(staff, case, lentera):
    _share(staff, case, lentera)
    services.case_transition(actor=staff, case=case, to=Case.Stage.CLOSED, close_reason="goals_met")

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera)

    assert set(refused.value.message_dict) == {"case"}


def test_a_case_cannot_be_referred_to_an_inactive_agency(staff, case, lentera):
    _share(staff, case, lentera)
    lentera.active = False
    lentera.save()

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera)

    assert set(refused.value.message_dict) == {"to_agency"}


def test_an_outsider_gets_404_referring_a_case(staff, home_staff, case, lentera):
    _share(staff, case, lentera)

    with pytest.raises(Http404):
        _refer(home_staff, case, lentera)

    assert not Referral.objects.exists()


# Answering a referral, and who sees the case because of it


@pytest.fixture
def referral(staff, case, lentera):
    """A pending referral of `case` to the NGO, with the person's consent to share with it."""
    _share(staff, case, lentera)
    return _refer(staff, case, lentera)


def test_a_pending_referral_does_not_show_the_case_to_the_receiving_agency(ngo_caseworker, case, referral):
    assert not _sees(ngo_caseworker, case)
    assert access.visible_to(ngo_caseworker, Referral).filter(pk=referral.pk).exists()


def test_accepting_a_referral_shows_the_case_to_the_receiving_agency(ngo_caseworker, semarang, case, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)

    accepted = Referral.objects.get(pk=referral.pk)
    assert (accepted.status, accepted.decided_by) == (Referral.Status.ACCEPTED, ngo_caseworker)
    assert accepted.decided_at is not None
    assert _sees(ngo_caseworker, case)
    assert Case.objects.get(pk=case.pk).owner == semarang
    assert AuditEvent.objects.filter(action="cases.referral.accepted").count() == 1


def test_a_declined_referral_does_not_show_the_case(ngo_caseworker, case, referral):
    services.referral_decline(actor=ngo_caseworker, referral=referral, reason="Kuota penuh")

    declined = Referral.objects.get(pk=referral.pk)
    assert (declined.status, declined.decline_reason, declined.decided_by) == (
        Referral.Status.DECLINED,
        "Kuota penuh",
        ngo_caseworker,
    )
    assert not _sees(ngo_caseworker, case)


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_needs_a_reason(ngo_caseworker, referral, reason):
    with pytest.raises(ValidationError) as refused:
        services.referral_decline(actor=ngo_caseworker, referral=referral, reason=reason)

    assert refused.value.message_dict == {"decline_reason": [refusals.DECLINE_REASON_MISSING]}
    assert _status(referral) == Referral.Status.PENDING


@pytest.mark.parametrize("answer", ["referral_accept", "referral_decline"])
def test_only_the_receiving_agency_answers_a_referral(staff, case, referral, answer):
    kwargs = {"reason": "Tidak perlu"} if answer == "referral_decline" else {}

    with pytest.raises(PermissionDenied):
        getattr(services, answer)(actor=staff, referral=referral, **kwargs)

    assert _status(referral) == Referral.Status.PENDING


def test_an_unrelated_agency_gets_404_answering_a_referral(member, case, referral):
    stranger = member(Role.NGO_CASEWORKER, agency=NgoFactory(name="Yayasan Lain"))

    with pytest.raises(Http404):
        services.referral_accept(actor=stranger, referral=referral)

    assert _status(referral) == Referral.Status.PENDING
    assert not _sees(stranger, case)


def test_a_referral_is_answered_once(ngo_caseworker, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)

    with pytest.raises(ValidationError) as refused:
        services.referral_decline(actor=ngo_caseworker, referral=referral, reason="Berubah pikiran")

    assert set(refused.value.message_dict) == {"status"}
    assert _status(referral) == Referral.Status.ACCEPTED


def test_a_referral_cannot_be_accepted_once_the_consent_is_withdrawn(staff, ngo_caseworker, case, lentera, referral):
    services.consent_withdraw(actor=staff, consent=Consent.objects.get(person=case.person, agency=lentera))

    with pytest.raises(ValidationError) as refused:
        services.referral_accept(actor=ngo_caseworker, referral=referral)

    assert set(refused.value.message_dict) == {"to_agency"}
    assert _status(referral) == Referral.Status.PENDING
    assert not _sees(ngo_caseworker, case)


def test_the_receiving_agency_works_on_an_accepted_case_in_its_own_name(staff, ngo_caseworker, lentera, case, referral):
    services.case_note_add(actor=staff, case=case, body="Catatan awal dari Dinsos.")
    services.referral_accept(actor=ngo_caseworker, referral=referral)

    note = services.case_note_add(actor=ngo_caseworker, case=case, body="Pendampingan minggu pertama.")

    assert note.agency == lentera
    assert access.visible_to(ngo_caseworker, CaseNote).filter(case=case).count() == 2


def test_withdrawing_consent_after_acceptance_hides_the_case_from_the_receiving_agency_at_once(
    staff, ngo_caseworker, case, lentera, referral
):
    services.referral_accept(actor=ngo_caseworker, referral=referral)
    assert _sees(ngo_caseworker, case)

    services.consent_withdraw(actor=staff, consent=Consent.objects.get(person=case.person, agency=lentera))

    assert _status(referral) == Referral.Status.ACCEPTED  # the referral stands; the consent is what is checked
    assert not _sees(ngo_caseworker, case)
    assert not access.visible_to(ngo_caseworker, CaseNote).filter(case=case).exists()
    with pytest.raises(Http404):
        services.case_note_add(actor=ngo_caseworker, case=case, body="Masih bisa?")


def test_consent_given_again_shows_the_case_again(staff, ngo_caseworker, case, lentera, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)
    services.consent_withdraw(actor=staff, consent=Consent.objects.get(person=case.person, agency=lentera))

    services.consent_give(
        actor=staff, person=case.person, purpose=SHARING, agency=lentera, given_on=timezone.localdate()
    )

    assert _sees(ngo_caseworker, case)


def test_completing_a_referral_ends_the_receiving_agencys_view_of_the_case(staff, ngo_caseworker, case, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)

    services.referral_complete(actor=staff, referral=referral)

    completed = Referral.objects.get(pk=referral.pk)
    assert (completed.status, completed.completed_at is not None) == (Referral.Status.COMPLETED, True)
    assert not _sees(ngo_caseworker, case)
    assert AuditEvent.objects.filter(action="cases.referral.completed").count() == 1


def test_the_receiving_agency_may_complete_the_referral(ngo_caseworker, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)

    services.referral_complete(actor=ngo_caseworker, referral=referral)

    assert _status(referral) == Referral.Status.COMPLETED


def test_only_an_accepted_referral_can_be_completed(staff, referral):
    with pytest.raises(ValidationError) as refused:
        services.referral_complete(actor=staff, referral=referral)

    assert refused.value.message_dict == {"status": [refusals.REFERRAL_NOT_ACCEPTED]}
    assert _status(referral) == Referral.Status.PENDING


def test_an_outsider_gets_404_completing_a_referral(home_staff, ngo_caseworker, referral):
    services.referral_accept(actor=ngo_caseworker, referral=referral)

    with pytest.raises(Http404):
        services.referral_complete(actor=home_staff, referral=referral)

    assert _status(referral) == Referral.Status.ACCEPTED


# Repatriation: the home district's office takes the case over


@pytest.fixture
def repatriation(staff, case, banyuwangi):
    """A pending repatriation of `case` to Banyuwangi, with history written by Semarang's office."""
    services.assessment_record(
        actor=staff, case=case, assessed_on=timezone.localdate(), needs="Ingin pulang", wants_to_go_home=True
    )
    services.case_note_add(actor=staff, case=case, body="Keluarga di Banyuwangi siap menerima.")
    _share(staff, case, banyuwangi)
    return _refer(staff, case, banyuwangi, kind=REPATRIATION, reason="Pulang ke kampung halaman")


def test_accepting_a_repatriation_transfers_the_case_to_the_home_district(
    home_staff, semarang, banyuwangi, case, repatriation
):
    services.referral_accept(actor=home_staff, referral=repatriation)

    transferred = Case.objects.get(pk=case.pk)
    assert transferred.owner == banyuwangi
    assert transferred.caseworker is None
    assert transferred.number == case.number
    transfer = Transfer.objects.get(case=case)
    assert (transfer.from_agency, transfer.to_agency, transfer.referral, transfer.transferred_by) == (
        semarang,
        banyuwangi,
        repatriation,
        home_staff,
    )
    done = Referral.objects.get(pk=repatriation.pk)
    assert (done.status, done.completed_at) == (Referral.Status.COMPLETED, done.decided_at)
    event = AuditEvent.objects.get(action="cases.case.transferred")
    assert (event.agency, event.data) == (banyuwangi, {"from_agency": semarang.pk, "to_agency": banyuwangi.pk})


def test_the_new_owner_sees_and_changes_the_case_and_reads_its_history(home_staff, case, repatriation):
    assert not _sees(home_staff, case)

    services.referral_accept(actor=home_staff, referral=repatriation)

    assert _sees(home_staff, case)
    assert access.visible_to(home_staff, CaseNote).filter(case=case).count() == 1
    assert access.visible_to(home_staff, Assessment).filter(case=case).count() == 1
    assert access.visible_to(home_staff, StageChange).filter(case=case).count() == 2
    services.case_transition(actor=home_staff, case=case, to=Case.Stage.PLANNED)
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.PLANNED


def test_the_old_owner_no_longer_sees_a_transferred_case(staff, home_staff, case, repatriation):
    services.referral_accept(actor=home_staff, referral=repatriation)

    assert not _sees(staff, case)
    assert not access.visible_to(staff, CaseNote).filter(case=case).exists()
    with pytest.raises(Http404):
        services.case_note_add(actor=staff, case=case, body="Masih di sini?")


def test_a_repatriation_goes_to_a_district_office_not_an_ngo(staff, case, lentera):
    _share(staff, case, lentera)

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera, kind=REPATRIATION)

    assert set(refused.value.message_dict) == {"to_agency"}
    assert not Referral.objects.exists()


def test_a_repatriation_goes_to_another_district_office_than_the_owner(staff, semarang, case):
    _share(staff, case, semarang)

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, semarang, kind=REPATRIATION)

    assert set(refused.value.message_dict) == {"to_agency"}
    assert not Referral.objects.exists()


def test_a_declined_repatriation_leaves_the_case_where_it_was(staff, home_staff, semarang, case, repatriation):
    services.referral_decline(actor=home_staff, referral=repatriation, reason="Keluarga tidak ditemukan")

    assert Case.objects.get(pk=case.pk).owner == semarang
    assert not Transfer.objects.exists()
    assert _sees(staff, case) and not _sees(home_staff, case)
