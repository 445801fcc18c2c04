"""A restriction of processing (issue 18 item 8) stops sharing, reminders and exports about the person in every
service that shares, reminds or exports; the owning office still holds and reads the record."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from agencies import access, notifications
from agencies.models import Agency, AuditEvent, Notification, Role
from cases import refusals, services
from cases.models import Case, Consent, Referral, Restriction
from funding import services as funding_services
from programs.models import Enrollment
from tests.agencies.export_files import csv_rows, queued
from tests.agencies.factories import AgencyFactory
from tests.cases.factories import CaseFactory, ConsentFactory, IntakeFactory, NgoFactory
from tests.funding.factories import AllocationFactory, BenefitFactory, EntitlementFactory, FundingSourceFactory
from tests.programs.factories import BatchFactory, FollowUpFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SAFETY = Restriction.Reason.SAFETY


@pytest.fixture
def case(staff):
    return IntakeFactory(actor=staff, caseworker=staff).case


def _restrict(dpo, case, reason=SAFETY):
    return services.person_restrict(actor=dpo, case=case, reason=reason, note="Diminta lewat telepon")


def _share(case, agency):
    ConsentFactory(person=case.person, agency=agency, purpose=Consent.Purpose.SHARING)


def _refer(actor, case, agency):
    return services.referral_create(
        actor=actor, case=case, to_agency=agency, kind=Referral.Kind.NGO_MENTORING, reason="Pendampingan usaha"
    )


# The restriction itself


def test_the_officer_restricts_and_the_trail_names_the_reason_category_only(dpo, case):
    restriction = _restrict(dpo, case)

    assert restriction.in_force and restriction.restricted_by == dpo
    event = AuditEvent.objects.get(action="cases.person.restricted")
    assert event.data == {"reason": "safety"}
    assert "telepon" not in str(event.data)


def test_only_the_officer_of_the_jurisdiction_restricts(staff, other_dpo, case):
    for actor in (staff, other_dpo):
        with pytest.raises(PermissionDenied):
            _restrict(actor, case)
    assert not Restriction.objects.exists()


def test_a_person_is_restricted_once_at_a_time(dpo, case):
    _restrict(dpo, case)
    with pytest.raises(ValidationError) as refused:
        _restrict(dpo, case)
    assert refused.value.message_dict == {"person": [refusals.RESTRICTION_IN_FORCE_ALREADY]}


def test_lifting_is_a_service_and_sharing_resumes(dpo, staff, case, lentera):
    restriction = _restrict(dpo, case)
    _share(case, lentera)

    services.person_restriction_lift(actor=dpo, restriction=restriction, reason=Restriction.LiftReason.WITHDRAWN)

    assert _refer(staff, case, lentera).status == Referral.Status.PENDING
    assert AuditEvent.objects.filter(action="cases.person.restriction_lifted").exists()


# Sharing


def test_a_referral_to_another_agency_is_refused_in_indonesian(dpo, staff, case, lentera):
    _share(case, lentera)
    _restrict(dpo, case)

    with pytest.raises(ValidationError) as refused:
        _refer(staff, case, lentera)

    assert refused.value.message_dict == {"case": [refusals.RESTRICTED_NO_SHARING]}
    with translation.override("id"):
        assert "dibatasi" in str(refusals.RESTRICTED_NO_SHARING)
    assert not Referral.objects.exists()


def test_a_repatriation_waiting_leaves_the_receivers_inbox_and_is_not_accepted(
    dpo, staff, case, banyuwangi_staff, banyuwangi
):
    from cases import due

    _share(case, banyuwangi)
    referral = services.referral_create(
        actor=staff, case=case, to_agency=banyuwangi, kind=Referral.Kind.REPATRIATION, reason="Pulang kampung"
    )
    assert list(due.referrals_waiting(banyuwangi_staff)) == [referral]

    _restrict(dpo, case)

    # The receiving office no longer reads it (existence not revealed); the referring office still does.
    assert not due.referrals_waiting(banyuwangi_staff).exists()
    with pytest.raises(Http404):
        services.referral_accept(actor=banyuwangi_staff, referral=referral)
    assert access.visible_to(staff, Referral).filter(pk=referral.pk).exists()
    assert Case.objects.get(pk=case.pk).owner_id == case.owner_id


def test_an_agency_that_accepted_a_referral_no_longer_sees_the_case(dpo, staff, case, lentera, ngo_caseworker):
    _share(case, lentera)
    referral = _refer(staff, case, lentera)
    services.referral_accept(actor=ngo_caseworker, referral=referral)
    assert access.visible_to(ngo_caseworker, Case).filter(pk=case.pk).exists()

    _restrict(dpo, case)

    assert not access.visible_to(ngo_caseworker, Case).filter(pk=case.pk).exists()
    with pytest.raises(Http404):
        access.require_change(ngo_caseworker, case)


def test_the_owning_office_and_its_province_still_read_the_record(dpo, staff, province_staff, case):
    _restrict(dpo, case)

    assert access.visible_to(staff, Case).filter(pk=case.pk).exists()
    assert access.visible_to(province_staff, Case).filter(pk=case.pk).exists()


def test_a_partner_delivering_a_session_no_longer_reads_her_name_on_the_roster(dpo, staff, semarang, member, case):
    police = AgencyFactory(kind=Agency.Kind.POLICE)
    trainer = member(Role.PARTNER_TRAINER, agency=police)
    batch = BatchFactory(program=ProgramFactory(organizer=semarang))
    SessionFactory(batch=batch, delivering_agency=police)
    enrollment = Enrollment.objects.create(batch=batch, case=case, starts_on=batch.starts_on, ends_on=batch.ends_on)
    assert access.visible_to(trainer, Enrollment).filter(pk=enrollment.pk).exists()

    _restrict(dpo, case)

    assert not access.visible_to(trainer, Enrollment).filter(pk=enrollment.pk).exists()
    assert access.visible_to(staff, Enrollment).filter(pk=enrollment.pk).exists()


def test_waiting_referrals_and_transfer_requests_are_withdrawn_with_a_recorded_reason(
    dpo, staff, case, lentera, banyuwangi, member
):
    mentor = NgoFactory(name="Yayasan Mitra Usaha")
    _share(case, lentera)
    _share(case, banyuwangi)
    mentoring = _refer(staff, case, lentera)
    repatriation = services.referral_create(
        actor=staff, case=case, to_agency=banyuwangi, kind=Referral.Kind.REPATRIATION, reason="Pulang kampung"
    )
    _share(case, mentor)
    accepted = _refer(staff, case, mentor)
    services.referral_accept(actor=member(Role.NGO_CASEWORKER, agency=mentor), referral=accepted)

    _restrict(dpo, case)

    for referral in (mentoring, repatriation):
        referral.refresh_from_db()
        assert referral.status == Referral.Status.WITHDRAWN
        assert referral.withdraw_reason == Referral.WithdrawReason.RESTRICTED
        # The receiver answered nothing: no decision is recorded, and the referral figures do not count it.
        assert referral.decided_at is None and referral.decided_by is None
    with translation.override("id"):
        assert str(mentoring.get_withdraw_reason_display()) == "Pemrosesan data orang ini dibatasi"
    # An accepted referral is not waiting: the access rule already closes it to the receiver.
    accepted.refresh_from_db()
    assert accepted.status == Referral.Status.ACCEPTED
    # The referring office reads each as withdrawn; the repatriation moved nothing.
    assert set(access.visible_to(staff, Referral).filter(status=Referral.Status.WITHDRAWN)) == {mentoring, repatriation}
    assert Case.objects.get(pk=case.pk).owner_id == case.owner_id and not case.transfers.exists()
    events = AuditEvent.objects.filter(action="cases.referral.withdrawn")
    assert sorted(e.data["kind"] for e in events) == sorted([mentoring.kind, repatriation.kind])
    assert all(e.data["withdraw_reason"] == "restricted" and e.actor_user_id == dpo.pk for e in events)


def test_the_receiving_agency_is_told_of_the_withdrawal_by_case_number_only(
    dpo, staff, case, lentera, ngo_caseworker, mailoutbox
):
    _share(case, lentera)
    referral = _refer(staff, case, lentera)

    _restrict(dpo, case)

    told = _of("referral_withdrawn").get()
    assert told.recipient == ngo_caseworker and told.subject == f"cases.referral:{referral.pk}"
    assert case.number in told.email_subject and case.number in told.body
    text = (told.email_subject + told.body).lower()
    for secret in (case.person.full_name.lower(), "restrict", "dibatasi", "/admin/"):
        assert secret not in text
    # Written about her on purpose: delivery sends it although she is restricted now.
    notifications.notifications_deliver([told.pk])
    told.refresh_from_db()
    assert told.status == Notification.Status.SENT
    assert [m.to for m in mailoutbox] == [[ngo_caseworker.email]]


def test_lifting_the_restriction_does_not_reopen_a_withdrawn_referral(dpo, staff, case, lentera):
    _share(case, lentera)
    referral = _refer(staff, case, lentera)
    restriction = _restrict(dpo, case)

    services.person_restriction_lift(actor=dpo, restriction=restriction, reason=Restriction.LiftReason.WITHDRAWN)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    # The office refers her again if it still means to: the withdrawn one does not hold the agency's open place.
    assert _refer(staff, case, lentera).status == Referral.Status.PENDING


# Reminders


def _of(kind):
    return Notification.objects.filter(kind=kind)


def test_no_referral_email_is_composed_about_her(dpo, staff, case, lentera, ngo_caseworker):
    from cases import reminders

    _share(case, lentera)
    referral = _refer(staff, case, lentera)
    Notification.objects.all().delete()  # the arrival email, composed before the restriction
    _restrict(dpo, case)

    # The receiver may no longer answer it (they do not read it); an answer that raced the restriction tells nobody.
    with pytest.raises(Http404):
        services.referral_decline(actor=ngo_caseworker, referral=referral, reason="Tidak ada kapasitas")
    referral.status = Referral.Status.DECLINED
    reminders.referral_answered_notify(referral)

    # The one email about her is the withdrawal the restriction itself sends (case number only, tested above).
    assert list(Notification.objects.values_list("kind", flat=True)) == ["referral_withdrawn"]


def test_an_email_queued_before_the_restriction_is_skipped_at_sending_not_failed(
    dpo, staff, case, lentera, ngo_caseworker, mailoutbox
):
    _share(case, lentera)
    _refer(staff, case, lentera)
    arrival = _of("referral_received").get()  # in the outbox, not sent yet

    _restrict(dpo, case)
    result = notifications.notifications_deliver(notifications.due_for_sending())

    arrival.refresh_from_db()
    assert arrival.status == Notification.Status.SKIPPED
    assert (arrival.last_error, arrival.attempts, arrival.next_attempt_at) == (notifications.WITHHELD, 0, None)
    assert arrival.pk not in notifications.due_for_sending()  # not retried by the sweep
    assert result.skipped == 1 and result.failed == 0
    # Only the withdrawal went out.
    assert [m.subject for m in mailoutbox] == [_of("referral_withdrawn").get().email_subject]
    with translation.override("id"):
        assert "dibatasi" in notifications.error_label(arrival.last_error)


def test_a_queued_follow_up_escalation_about_her_is_skipped_and_others_are_sent(dpo, staff, semarang, case, mailoutbox):
    other = CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE)
    mine = FollowUpFactory(case=case, caseworker=staff, due_on=days_from_today(-20))
    FollowUpFactory(case=other, caseworker=staff, due_on=days_from_today(-20))
    notifications.notifications_compose()
    queued_about_her = _of("follow_up_escalated").filter(subject=f"programs.followup:{mine.pk}")
    assert queued_about_her.exists()

    _restrict(dpo, case)
    notifications.notifications_deliver(notifications.due_for_sending())

    assert set(queued_about_her.values_list("status", flat=True)) == {Notification.Status.SKIPPED}
    assert (
        _of("follow_up_escalated")
        .exclude(subject=f"programs.followup:{mine.pk}")
        .filter(status=Notification.Status.SENT)
        .exists()
    )
    escalations = set(_of("follow_up_escalated").values_list("email_subject", flat=True))
    sent = [m for m in mailoutbox if m.subject in escalations]
    assert sent and all(case.number not in m.subject + m.body for m in sent)


def test_delivery_asks_about_restrictions_once_per_batch_whatever_its_size(
    dpo, staff, semarang, case, lentera, banyuwangi, ngo_caseworker, banyuwangi_staff
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _share(case, lentera)
    _share(case, banyuwangi)
    _refer(staff, case, lentera)
    services.referral_create(
        actor=staff, case=case, to_agency=banyuwangi, kind=Referral.Kind.REPATRIATION, reason="Pulang kampung"
    )
    for _n in range(3):
        FollowUpFactory(case=CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE), due_on=days_from_today(-20))
    notifications.notifications_compose()
    ids = notifications.due_for_sending()
    assert len({n.split(":")[0] for n in Notification.objects.values_list("subject", flat=True) if n}) >= 2

    with CaptureQueriesContext(connection) as queries:
        notifications.notifications_deliver(ids)

    asked = [q["sql"] for q in queries.captured_queries if "cases_restriction" in q["sql"]]
    assert len(asked) == 1, f"{len(ids)} emails asked {len(asked)} times"


def test_no_follow_up_digest_or_escalation_names_her_case(dpo, staff, semarang, case, jateng):
    semarang.parent = jateng
    semarang.save(update_fields=["parent"])
    other = CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE)
    FollowUpFactory(case=case, caseworker=staff, due_on=days_from_today(-20))
    FollowUpFactory(case=other, caseworker=staff, due_on=days_from_today(-20))
    _restrict(dpo, case)

    notifications.notifications_compose()

    digest = _of("follow_ups_due").get()
    assert other.number in digest.body and case.number not in digest.body
    escalations = _of("follow_up_escalated")
    assert escalations.exists()
    assert all(case.number not in row.email_subject + row.body for row in escalations)


def _requested(staff, semarang, case):
    allocation = AllocationFactory(
        source=FundingSourceFactory(agency=semarang), program=ProgramFactory(organizer=semarang), ceiling=50_000_000
    )
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)
    entitlement = EntitlementFactory(actor=staff, case=case, benefit=benefit)
    disbursement = funding_services.disbursement_request(
        actor=staff, installment=entitlement.installments.get(number=1)
    )
    type(disbursement).objects.filter(pk=disbursement.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=30)
    )
    return disbursement


def test_no_approval_digest_or_rejection_email_names_her_case(dpo, staff, semarang, member, case):
    approver = member(Role.FINANCE_APPROVER, agency=semarang)
    disbursement = _requested(staff, semarang, case)
    _restrict(dpo, case)

    notifications.notifications_compose()
    funding_services.disbursement_reject(actor=approver, disbursement=disbursement, reason="Rekening salah")

    assert not _of("approvals_waiting").exists()
    assert not _of("disbursement_rejected").exists()


# Exports


@pytest.fixture
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = str(tmp_path / "exports")


@pytest.mark.usefixtures("_export_dir")
def test_the_case_list_export_skips_her_row_and_records_how_many_it_left_out(
    dpo, staff, semarang, case, django_capture_on_commit_callbacks
):
    other = CaseFactory(owner=semarang)
    _restrict(dpo, case)

    export = queued(django_capture_on_commit_callbacks, actor=staff, kind="cases.case_list", format="csv", filters={})
    rows = csv_rows(export)

    numbers = [row[0] for row in rows[1:]]
    assert numbers == [other.number]
    export.refresh_from_db()
    assert (export.row_count, export.excluded_count) == (1, 1)
    finished = AuditEvent.objects.get(action="agencies.export.finished")
    assert finished.data["excluded_count"] == 1


def test_aggregates_still_count_her(dpo, case):
    # The figures are anonymous and suppressed (agencies.suppression): what the indicators count keeps her case.
    from cases.indicators import counted_cases

    _restrict(dpo, case)

    assert counted_cases().filter(pk=case.pk).exists()
