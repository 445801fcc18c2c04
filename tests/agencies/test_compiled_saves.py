"""The services' one-row statements compiled once (agencies.fastpath.saves) do what the ORM's own do: the same row
locked and read (related rows included), the same row inserted or columns updated (timestamps stamped, the key
given back), the same rows read by a compiled `.values()` or queryset; with SERVICES_COMPILED on and off. A model
whose save sends signals is saved by the ORM, so its receivers still hear of it."""

import datetime

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import access, audit
from agencies.fastpath import checks, saves
from agencies.models import AuditEvent, Role
from cases.models import Case, Consent, Referral, StageChange
from tests.cases.factories import CaseFactory, ConsentFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["compiled", "through the orm"])
def compiled(request, settings):
    settings.SERVICES_COMPILED = request.param
    return request.param


def _columns(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_a_locked_row_is_the_row_the_orm_reads_with_its_related_rows(compiled, semarang, lentera):
    referral = ReferralFactory(case=CaseFactory(owner=semarang), to_agency=lentera)

    got = saves.locked(Referral, referral.pk, related=("to_agency",))

    assert _columns(got) == _columns(Referral.objects.get(pk=referral.pk))
    assert _columns(got.to_agency) == _columns(lentera)
    with CaptureQueriesContext(connection) as asked:
        assert got.to_agency.name == lentera.name  # read with the row, not after
    assert len(asked) == 0
    with pytest.raises(Referral.DoesNotExist):
        saves.locked(Referral, referral.pk + 10_000)


def test_a_row_inserted_is_stored_and_stamped_as_save_stores_it(compiled, staff, semarang):
    case = CaseFactory(owner=semarang)
    change = StageChange(case=case, from_stage="registered", to_stage="assessed", reason="", changed_by=staff)

    saves.insert(change)

    assert change.pk is not None and not change._state.adding
    assert _columns(StageChange.objects.get(pk=change.pk)) == _columns(change)
    assert change.changed_at is not None  # auto_now_add, stamped on the instance as save() does


def test_an_update_writes_the_named_columns_only_and_stamps_updated_at(compiled, semarang):
    case = CaseFactory(owner=semarang, stage=Case.Stage.ASSESSED)
    before = Case.objects.get(pk=case.pk)
    stale = Case.objects.get(pk=case.pk)
    stale.stage, stale.external_id = Case.Stage.PLANNED, "never written"

    saves.update(stale, ["stage", "updated_at"])

    after = Case.objects.get(pk=case.pk)
    assert (after.stage, after.external_id) == (Case.Stage.PLANNED, before.external_id)
    assert after.updated_at == stale.updated_at > before.updated_at


def test_updating_a_row_that_is_gone_fails_as_save_does(compiled, semarang):
    case = CaseFactory(owner=semarang)
    gone = Case.objects.get(pk=case.pk)
    gone.pk = case.pk + 10_000

    with pytest.raises(DatabaseError, match="did not affect any rows"):
        saves.update(gone, ["stage", "updated_at"])


def test_the_audit_row_is_written_whole(compiled, staff, semarang):
    case = CaseFactory(owner=semarang)

    event = audit.record(staff, "cases.case.assigned", case, {"caseworker": None}, agency_id=semarang.pk)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.target_id, stored.data, stored.actor_user_id, stored.agency_id) == (
        "cases.case.assigned",
        str(case.pk),
        {"caseworker": None},
        staff.pk,
        semarang.pk,
    )


def _sharing(*, person, agency, on):
    current = Consent.objects.current_sharing(person, agency, on=on)
    return Case.objects.filter(person=person).order_by("pk").values("pk", shared=Exists(current))


def test_a_compiled_read_gives_the_orms_rows_for_each_call_s_values(compiled, semarang, lentera):
    case = CaseFactory(owner=semarang)
    ConsentFactory(person=case.person, agency=lentera, purpose="sharing", given_on=datetime.date(2026, 1, 10))
    days = [datetime.date(2026, 1, 9), datetime.date(2026, 1, 10), datetime.date(2026, 6, 1)]

    shared = []
    for day in days:  # the same statement, asked about another day each time (a value given twice: `on`)
        got = saves.values("test.sharing", _sharing, person=case.person_id, agency=lentera.pk, on=day)
        assert got == list(_sharing(person=case.person_id, agency=lentera.pk, on=day))
        shared += [row["shared"] for row in got]

    assert shared == [False, True, True]


def test_a_compiled_queryset_gives_the_orms_instances(compiled, semarang):
    cases = [CaseFactory(owner=semarang) for _ in range(3)]

    def build(*, owner):
        return Case.objects.filter(owner=owner).select_related("person").order_by("pk")

    got = saves.instances("test.cases_of", build, owner=semarang.pk)

    assert [_columns(c) for c in got] == [_columns(c) for c in build(owner=semarang.pk)]
    assert [c.person.pk for c in got] == [c.person_id for c in cases]


def test_a_model_whose_save_has_receivers_is_saved_by_the_orm(compiled, staff, semarang):
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance.to_stage)

    signals.post_save.connect(receiver, sender=StageChange)
    try:
        saves.insert(
            StageChange(case=CaseFactory(owner=semarang), from_stage="", to_stage="assessed", changed_by=staff)
        )
    finally:
        signals.post_save.disconnect(receiver, sender=StageChange)

    assert heard == ["assessed"]


@pytest.mark.parametrize("memo", [True, False], ids=["memo on", "memo off"])
def test_the_compiled_members_are_the_memberships_the_orm_reads(memo, settings, member, lentera):
    settings.ACCESS_MEMO = memo
    caseworker = member(Role.NGO_CASEWORKER, lentera)
    member(Role.PARTNER_TRAINER, lentera)
    roles = (Role.NGO_CASEWORKER, Role.DISTRICT_STAFF)

    got = checks.read_members(lentera.pk, roles)

    assert [(m.pk, m.user.username, m.agency.region_id) for m in got] == [
        (m.pk, m.user.username, m.agency.region_id) for m in access._members_read(lentera.pk, roles)
    ]
    assert [m.user_id for m in got] == [caseworker.pk]


def test_today_is_a_value_of_the_call_never_of_the_compiled_statement(settings, semarang, lentera):
    settings.SERVICES_COMPILED = True
    case = CaseFactory(owner=semarang)
    ConsentFactory(person=case.person, agency=lentera, purpose="sharing", given_on=timezone.localdate())
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    saves.values("test.sharing", _sharing, person=case.person_id, agency=lentera.pk, on=timezone.localdate())

    assert saves.values("test.sharing", _sharing, person=case.person_id, agency=lentera.pk, on=yesterday) == [
        {"pk": case.pk, "shared": False}
    ]


def test_a_refused_write_rolls_back_to_its_own_savepoint_and_the_transaction_goes_on(compiled, staff, semarang):
    case = CaseFactory(owner=semarang, stage=Case.Stage.ASSESSED)
    moved = Case.objects.get(pk=case.pk)
    moved.stage = Case.Stage.PLANNED

    with transaction.atomic():
        saves.save_guarded(moved, ["stage", "updated_at"])
        refused = Case.objects.get(pk=case.pk)
        refused.stage = Case.Stage.CLOSED  # closed without a reason: the database's check refuses it
        with pytest.raises(IntegrityError):
            saves.save_guarded(refused, ["stage", "updated_at"])
        change = StageChange(case=case, from_stage="assessed", to_stage="planned", reason="", changed_by=staff)
        saves.save_guarded(change)

    assert Case.objects.get(pk=case.pk).stage == Case.Stage.PLANNED  # written before the refusal, kept
    assert StageChange.objects.filter(pk=change.pk).exists()  # written after it
