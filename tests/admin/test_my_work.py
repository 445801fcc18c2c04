"""The home's "Pekerjaan saya" (issue 16 item 1): per role, each count is what that person's reminder email
computes (one definition, programs/cases/funding due.py), through the access rule; each count's link lands on the
admin list showing exactly those rows; and the home's statements do not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import audit, work
from agencies.models import Role
from cases import services as case_services
from cases.models import Case, Consent, PossibleDuplicate, Referral
from funding import reminders as funding_reminders
from funding import services as funding_services
from funding.models import Disbursement
from programs import reminders as program_reminders
from programs.models import Enrollment
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import CaseFactory, ConsentFactory, NgoFactory, PossibleDuplicateFactory
from tests.funding.factories import AllocationFactory, BenefitFactory, EntitlementFactory, FundingSourceFactory
from tests.programs.factories import (
    BatchFactory,
    EnrollmentFactory,
    FollowUpFactory,
    ProgramFactory,
    SessionFactory,
    days_from_today,
)

pytestmark = pytest.mark.django_db


def lines_of(user) -> dict[str, work.Line]:
    """The home's lines by the path and query of their link (what stays the same in every language)."""
    return {line.url: line for section in work.my_work(user) for line in section["lines"] if line.url}


def line(user, start: str) -> work.Line:
    """The line linking to `start` exactly, else the one line whose link begins with it."""
    lines = lines_of(user)
    if start in lines:
        return lines[start]
    found = [found for url, found in lines.items() if url.startswith(start)]
    assert len(found) == 1, f"one line links to {start}: {list(lines_of(user))}"
    return found[0]


def rows_listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return len(response.context["cl"].result_list)


def drafts_for(composer, user) -> list:
    return [d for d in composer(timezone.now()) if d.recipient.pk == user.pk]


# Caseworkers and district staff: follow-up visits


@pytest.fixture
def caseworker(member):
    return member(Role.NGO_CASEWORKER, agency=NgoFactory(name="Yayasan Lentera"))


def _follow_up(worker, owner, days, **kwargs):
    """A follow-up of `worker`'s on a case they see: owned by `owner`, registered by the worker's agency."""
    registered_by = worker.memberships.get().agency
    case = CaseFactory(owner=owner, registered_by=registered_by, **{"stage": Case.Stage.AFTERCARE, **kwargs})
    return FollowUpFactory(case=case, caseworker=worker, due_on=days_from_today(days))


@pytest.fixture
def visits(caseworker, semarang, outsider, banyuwangi):
    """The caseworker's: two overdue (one theirs through the case), one due, one too late to be due, one visited,
    one of a closed case; and an outsider's overdue one, which is not theirs."""
    _follow_up(caseworker, semarang, -3)
    case = CaseFactory(
        owner=semarang,
        registered_by=caseworker.memberships.get().agency,
        stage=Case.Stage.AFTERCARE,
        caseworker=caseworker,
    )
    FollowUpFactory(case=case, caseworker=None, due_on=days_from_today(-40))
    _follow_up(caseworker, semarang, 2)
    _follow_up(caseworker, semarang, 12)
    visited = _follow_up(caseworker, semarang, -1)
    visited.done_on = timezone.localdate()
    visited.save(update_fields=["done_on"])
    _follow_up(caseworker, semarang, -2, stage=Case.Stage.CLOSED, close_reason=Case.CloseReason.LOST_CONTACT)
    _follow_up(outsider, banyuwangi, -5)


def test_a_caseworkers_overdue_and_due_visits_are_what_their_digest_counts(caseworker, visits, signed_in):
    (digest,) = drafts_for(program_reminders.follow_ups_due_digests, caseworker)
    overdue = line(caseworker, "/admin/programs/followup/?due=overdue&worker=me")
    soon = line(caseworker, "/admin/programs/followup/?due=week&worker=me")

    assert (overdue.count, soon.count) == (digest.context["overdue_count"], digest.context["due_count"]) == (2, 1)
    client = signed_in(caseworker)
    assert rows_listed(client, overdue.url) == 2
    assert rows_listed(client, soon.url) == 1


def test_a_supervisor_sees_the_escalations_sent_to_them_and_the_province_the_second_level(
    caseworker, visits, member, semarang, jateng, signed_in
):
    semarang.parent = jateng
    semarang.save(update_fields=["parent"])
    supervisor = member(Role.DISTRICT_STAFF, agency=semarang)
    province = member(Role.PROVINCE_STAFF, agency=jateng)
    escalated = drafts_for(program_reminders.follow_up_escalations, supervisor)
    to_province = drafts_for(program_reminders.follow_up_escalations, province)

    mine = line(supervisor, "/admin/programs/followup/?due=escalated")
    theirs = line(province, "/admin/programs/followup/?due=escalated")

    assert mine.count == len({d.subject for d in escalated}) == 1  # 40 days late; the 3-day one is not escalated
    assert theirs.count == len({d.subject for d in to_province}) == 1  # more than 28 days: level 2
    assert rows_listed(signed_in(supervisor), mine.url) == 1


def test_an_outsiders_visits_are_not_counted(caseworker, visits, outsider):
    overdue = line(outsider, "/admin/programs/followup/?due=overdue&worker=me")

    assert overdue.count == 1  # their own only


# District staff: referrals, repatriations, batches starting, waiting lists


def _refer(actor, case, to_agency, kind=Referral.Kind.NGO_MENTORING):
    ConsentFactory(person=case.person, agency=to_agency, purpose=Consent.Purpose.SHARING)
    return case_services.referral_create(actor=actor, case=case, to_agency=to_agency, kind=kind, reason="Pendampingan")


def test_referrals_waiting_are_those_whose_arrival_email_the_person_got_until_answered(
    member, semarang, banyuwangi, staff, signed_in, django_capture_on_commit_callbacks
):
    receiver = member(Role.DISTRICT_STAFF, agency=banyuwangi)
    kupang = AgencyFactory(kind="social_service_district", name="Dinsos Kupang", region=RegionFactory(code="53.71"))
    kupang_staff = member(Role.DISTRICT_STAFF, agency=kupang)
    home = _refer(staff, CaseFactory(owner=semarang), banyuwangi, Referral.Kind.REPATRIATION)
    _refer(staff, CaseFactory(owner=semarang), banyuwangi)
    answered = _refer(staff, CaseFactory(owner=semarang), banyuwangi)
    case_services.referral_decline(actor=receiver, referral=answered, reason="Penuh")
    _refer(kupang_staff, CaseFactory(owner=kupang), semarang)  # not to Banyuwangi

    told = Referral.objects.filter(
        pk__in=[int(s.partition(":")[2]) for s in receiver.notifications.values_list("subject", flat=True)],
        status=Referral.Status.PENDING,
    )
    waiting = line(receiver, "/admin/cases/referral/?inbox=mine")
    repatriations = line(receiver, "/admin/cases/referral/?inbox=mine&kind__exact=repatriation")

    assert waiting.count == told.count() == 2
    assert repatriations.count == 1
    client = signed_in(receiver)
    assert rows_listed(client, waiting.url) == 2
    assert rows_listed(client, repatriations.url) == 1
    assert home.pk in [r.pk for r in client.get(repatriations.url).context["cl"].result_list]


def test_province_staff_see_the_referrals_waiting_in_their_province_only(
    member, semarang, staff, jateng, province_staff, signed_in
):
    lentera = NgoFactory(name="Yayasan Lentera Semarang")
    _refer(staff, CaseFactory(owner=semarang), lentera)
    elsewhere = AgencyFactory(kind="ngo", name="LKS Kupang", region=RegionFactory(code="53.71"))
    _refer(staff, CaseFactory(owner=semarang), elsewhere)  # sent from Jateng, waiting outside it

    waiting = line(province_staff, "/admin/cases/referral/?inbox=area")

    assert waiting.count == 1
    assert rows_listed(signed_in(province_staff), waiting.url) == 1


def test_batches_starting_are_those_the_batch_notice_tells_the_person_of(member, semarang, signed_in):
    organizer = member(Role.DISTRICT_STAFF, agency=semarang)
    police = AgencyFactory(kind="police", name="Polrestabes Semarang", region=RegionFactory(code="33.74"))
    trainer = member(Role.PARTNER_TRAINER, agency=police)
    program = ProgramFactory(organizer=semarang)
    soon = BatchFactory(program=program, number=1, starts_on=days_from_today(2))
    SessionFactory(batch=soon, delivering_agency=police, date=days_from_today(2))
    BatchFactory(program=program, number=2, starts_on=days_from_today(3))
    BatchFactory(program=program, number=3, starts_on=days_from_today(4))  # not yet
    BatchFactory(program=ProgramFactory(), number=1, starts_on=days_from_today(1))  # another organizer's

    for person, expected in ((organizer, 2), (trainer, 1)):
        notices = drafts_for(program_reminders.batches_starting, person)
        starting = line(person, "/admin/programs/batch/?starting=soon")
        assert starting.count == len(notices) == expected
        assert rows_listed(signed_in(person), starting.url) == expected


def test_waiting_lists_and_possible_duplicates_link_to_their_rows(member, semarang, staff, outsider, signed_in):
    batch = BatchFactory(program=ProgramFactory(organizer=semarang), capacity=1)
    for case in [CaseFactory(owner=semarang, stage=Case.Stage.PLANNED) for _ in range(3)]:
        Enrollment.objects.create(
            batch=batch,
            case=case,
            status=Enrollment.Status.WAITLISTED,
            starts_on=batch.starts_on,
            ends_on=batch.ends_on,
        )
    for _ in range(2):
        PossibleDuplicateFactory(person=CaseFactory(owner=semarang).person)
    PossibleDuplicateFactory(person=CaseFactory(owner=semarang).person, status=PossibleDuplicate.Status.DISMISSED)

    waitlist = line(staff, "/admin/programs/enrollment/?status__exact=waitlisted")
    duplicates = line(staff, "/admin/cases/possibleduplicate/?status__exact=open")

    assert (waitlist.count, duplicates.count) == (3, 2)
    client = signed_in(staff)
    assert rows_listed(client, waitlist.url) == 3
    assert rows_listed(client, duplicates.url) == 2
    assert "/admin/cases/possibleduplicate/?status__exact=open" not in lines_of(outsider)  # nothing of theirs


def test_a_caseworkers_cases_by_stage(caseworker, semarang, signed_in):
    agency = caseworker.memberships.get().agency
    for stage in (Case.Stage.REGISTERED, Case.Stage.REGISTERED, Case.Stage.PLANNED):
        CaseFactory(owner=semarang, registered_by=agency, caseworker=caseworker, stage=stage)
    CaseFactory(
        owner=semarang,
        registered_by=agency,
        caseworker=caseworker,
        stage=Case.Stage.CLOSED,
        close_reason=Case.CloseReason.GOALS_MET,
    )
    CaseFactory(owner=semarang, registered_by=agency, stage=Case.Stage.PLANNED)  # nobody's yet

    registered = line(caseworker, "/admin/cases/case/?caseworker=me&stage__exact=registered")
    planned = line(caseworker, "/admin/cases/case/?caseworker=me&stage__exact=planned")

    assert (registered.count, planned.count) == (2, 1)
    assert not [url for url in lines_of(caseworker) if "closed" in url]
    assert rows_listed(signed_in(caseworker), registered.url) == 2


# Finance approvers


@pytest.fixture
def requests(member, semarang, staff):
    """Three requests of Semarang's office, waiting two days."""
    allocation = AllocationFactory(
        source=FundingSourceFactory(agency=semarang), program=ProgramFactory(organizer=semarang), ceiling=90_000_000
    )
    benefit = BenefitFactory(program=allocation.program, allocation=allocation, living_allowance=True)
    made = []
    for _ in range(3):
        entitlement = EntitlementFactory(actor=staff, case=CaseFactory(owner=semarang), benefit=benefit)
        made.append(
            funding_services.disbursement_request(actor=staff, installment=entitlement.installments.get(number=1))
        )
    Disbursement.objects.update(requested_at=timezone.now() - datetime.timedelta(days=2))
    return made


def test_a_finance_approver_sees_the_requests_and_total_their_digest_names_oldest_first(
    member, semarang, banyuwangi, requests, signed_in
):
    approver = member(Role.FINANCE_APPROVER, agency=semarang)
    (digest,) = drafts_for(funding_reminders.approvals_waiting_digests, approver)

    waiting = line(approver, "/admin/funding/disbursement/?waiting=me")

    assert (waiting.count, waiting.total) == (digest.context["count"], digest.context["total"]) == (3, 1_800_000)
    assert waiting.oldest is not None
    listed = signed_in(approver).get(waiting.url).context["cl"].result_list
    assert len(listed) == 3
    assert [d.requested_at for d in listed] == sorted(d.requested_at for d in listed)  # oldest first
    other = member(Role.FINANCE_APPROVER, agency=banyuwangi)
    assert line(other, "/admin/funding/disbursement/?waiting=me").count == 0


def test_an_approver_who_requested_is_not_asked_to_approve_their_own(member, semarang, requests):
    requester = requests[0].requested_by
    Disbursement.objects.filter(pk=requests[0].pk).update(requested_by=member(Role.FINANCE_APPROVER, agency=semarang))
    approver = Disbursement.objects.get(pk=requests[0].pk).requested_by

    assert line(approver, "/admin/funding/disbursement/?waiting=me").count == 2
    assert requester.pk != approver.pk


# Partner trainers


def test_a_partner_trainer_sees_todays_and_this_weeks_sessions_with_the_way_to_tick_them(member, semarang, client):
    police = AgencyFactory(kind="police", name="Polrestabes Semarang", region=RegionFactory(code="33.74"))
    trainer = member(Role.PARTNER_TRAINER, agency=police)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    batch = BatchFactory(
        program=ProgramFactory(organizer=semarang), starts_on=monday, ends_on=monday + datetime.timedelta(6)
    )
    SessionFactory(batch=batch, delivering_agency=police, date=today)
    other_day = monday if today != monday else monday + datetime.timedelta(days=1)
    SessionFactory(batch=batch, delivering_agency=police, date=other_day)
    SessionFactory(batch=batch, delivering_agency=AgencyFactory(kind="health"), date=today)  # another agency's
    EnrollmentFactory(actor=member(Role.DISTRICT_STAFF, agency=semarang), batch=batch)  # someone to tick

    lines = [line for section in work.my_work(trainer) for line in section["lines"] if line.listed]

    assert [len(line.listed) for line in lines] == [1, 1]
    assert all(
        row.url.startswith(f"/admin/programs/batch/{batch.pk}/attendance/?session=")
        for line in lines
        for row in line.listed
    )
    client.force_login(trainer)
    assert client.get(lines[0].listed[0].url).status_code == 200


# Auditors


def test_an_auditor_sees_the_nik_reveals_of_their_jurisdiction_this_week_and_the_list_shows_them(
    member, semarang, banyuwangi, staff, outsider, jateng, signed_in
):
    auditor = member(Role.AUDITOR, agency=jateng)
    case_services.person_nik_reveal(actor=staff, person=CaseFactory(owner=semarang).person)
    case_services.person_nik_reveal(actor=staff, person=CaseFactory(owner=semarang).person)
    case_services.person_nik_reveal(actor=outsider, person=CaseFactory(owner=banyuwangi).person)  # another province
    audit.record(staff, "cases.case.viewed", CaseFactory(owner=semarang))  # not a reveal

    reveals = line(auditor, "/admin/agencies/auditevent/?action=cases.person.nik_revealed")

    assert reveals.count == 2
    assert rows_listed(signed_in(auditor), reveals.url) == 2


# At scale: bounded and independent of rows


def test_a_count_above_the_cap_reads_cap_plus(caseworker, semarang, monkeypatch):
    monkeypatch.setattr(work, "CAP", 3)
    for _ in range(5):
        _follow_up(caseworker, semarang, -1)

    overdue = line(caseworker, "/admin/programs/followup/?due=overdue&worker=me")

    assert (overdue.count, overdue.more, overdue.shown_count) == (3, True, "3+")


@pytest.mark.parametrize(
    "role",
    [Role.DISTRICT_STAFF, Role.NGO_CASEWORKER, Role.FINANCE_APPROVER, Role.AUDITOR, Role.DATA_PROTECTION_OFFICER],
)
def test_the_homes_statements_do_not_grow_with_the_rows(role, member, semarang, jateng, staff, signed_in):
    person = member(role, agency=jateng if role in (Role.AUDITOR, Role.DATA_PROTECTION_OFFICER) else semarang)
    client = signed_in(person)

    def statements() -> int:
        client.get("/admin/")  # the menu and session kept, as on every later page
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    few = statements()
    for _ in range(5):
        case = CaseFactory(owner=semarang, stage=Case.Stage.AFTERCARE, caseworker=person)
        FollowUpFactory(case=case, caseworker=person, due_on=days_from_today(-1))
        case_services.person_nik_reveal(actor=staff, person=case.person)
    assert statements() == few
    assert few <= 7, "session, user, grants, office, one statement for every count (and the menu when not kept)"
