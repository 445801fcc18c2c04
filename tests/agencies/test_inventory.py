"""The data inventory (issue 18 item 6, UU 27/2022): every stored field of every model of our apps is declared, as
personal data (category, subject, purpose and legal basis through its activity, retention class) or as not
personal; and the record of processing activities generated from it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from agencies import inventory, ropa
from agencies.inventory import Category, LegalBasis, Specific, Subject
from agencies.models import Role
from agencies.retention import RetentionClass
from cases.models import Assessment, Case, CaseNote, Person
from funding.models import Disbursement
from programs.models import Outcome


def test_every_field_of_every_model_of_our_apps_is_declared():
    """A new field fails here until its app's inventory.py says what it holds (agencies.inventory)."""
    assert inventory.undeclared() == []


def test_no_declaration_names_a_field_that_is_gone():
    assert inventory.stale() == []


def test_the_inventory_covers_the_user_model_and_each_of_our_apps():
    labels = {model._meta.label for model in inventory.covered_models()}

    assert {"agencies.User", "cases.Person", "programs.Outcome", "funding.Disbursement"} <= labels


def test_a_model_gaining_an_undeclared_field_is_reported(monkeypatch):
    """What the first test relies on: the walk sees a field added to a model (here one added to the Person's meta)."""
    extra = models.CharField("nickname at the site", max_length=20)
    extra.set_attributes_from_name("site_nickname")
    extra.concrete, extra.model = True, Person
    real = Person._meta.get_fields

    monkeypatch.setattr(Person._meta, "get_fields", lambda **kw: [*real(**kw), extra])

    assert inventory.undeclared() == ["cases.Person.site_nickname"]


def test_every_personal_field_names_its_subject_activity_legal_basis_and_retention():
    for d in inventory.personal_declarations():
        assert d.category in Category.values, d.key
        assert d.subject in Subject.values, d.key
        assert d.retention in RetentionClass.values, d.key
        assert d.legal_basis in LegalBasis.values, d.key
        assert isinstance(d.purpose, Promise), d.key  # translatable text


@pytest.mark.parametrize(
    ("model", "field", "kinds"),
    [
        (Person, "target_groups", {Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD}),
        (Person, "current_site", {Specific.SEX_WORK_HISTORY}),
        (Case, "target_group", {Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD}),
        (Assessment, "needs", {Specific.HEALTH, Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD}),
        (CaseNote, "body", {Specific.HEALTH, Specific.SEX_WORK_HISTORY, Specific.CRIMINAL_RECORD}),
        (Outcome, "income_band", {Specific.FINANCIAL}),
        (Disbursement, "amount", {Specific.FINANCIAL}),
    ],
)
def test_sex_work_history_criminal_records_health_and_money_are_specific(model, field, kinds):
    declared = inventory.declaration(model, field)

    assert declared.category == Category.SPECIFIC
    assert declared.specific == kinds


@pytest.mark.parametrize("field", ["full_name", "nik", "phone", "address", "birth_date"])
def test_a_persons_identity_is_general_personal_data_of_the_client_kept_as_the_case_record(field):
    declared = inventory.declaration(Person, field)

    assert (declared.category, declared.subject, declared.retention) == (
        Category.GENERAL,
        Subject.CLIENT,
        RetentionClass.CASE_RECORD,
    )


def test_who_recorded_something_is_staff_data():
    assert inventory.declaration(CaseNote, "author").subject == Subject.STAFF
    assert inventory.declaration(Disbursement, "decided_by").subject == Subject.STAFF


def test_every_personal_field_has_a_translatable_name_in_the_record():
    """The RoPA names fields in Indonesian: a field without a translatable verbose name needs its label."""
    unnamed = [".".join(d.key) for d in inventory.personal_declarations() if not isinstance(d.field_label(), Promise)]

    assert unnamed == []


def test_every_record_with_personal_data_has_a_translatable_name_in_the_record():
    models_with_data = {d.model for d in inventory.personal_declarations()}

    assert [m._meta.label for m in models_with_data if not isinstance(inventory.record_name(m), Promise)] == []


def test_a_personal_field_without_its_retention_is_refused():
    with pytest.raises(ImproperlyConfigured):
        inventory.declare(
            Person,
            "full_name",
            category=Category.GENERAL,
            subject=Subject.CLIENT,
            activity=inventory.activities()[0],
        )


def test_declaring_a_field_twice_differently_is_refused():
    with pytest.raises(ImproperlyConfigured):
        inventory.declare(Person, "full_name")  # it is personal, not "not personal"


# The record of processing activities


@pytest.fixture
def record_id():
    with translation.override("id"):
        yield ropa.processing_record()


def test_the_record_has_a_chapter_for_every_activity_with_personal_data(record_id):
    with_data = {d.activity.code for d in inventory.personal_declarations()}

    assert {chapter.code for chapter in record_id.chapters} == with_data
    assert record_id.chapters[0].code == "cases.case_management"  # the work with people first


def test_each_chapter_says_purpose_basis_subjects_data_recipients_retention(record_id):
    for chapter in record_id.chapters:
        assert chapter.purpose and chapter.legal_basis and chapter.subjects and chapter.general, chapter.code
        assert chapter.recipients or chapter.recipients_note, chapter.code
        assert chapter.retention, chapter.code


def test_the_case_chapter_reads_in_indonesian_with_its_specific_data_and_recipients(record_id):
    chapter = next(c for c in record_id.chapters if c.code == "cases.case_management")

    assert chapter.name == "Pendataan dan penanganan kasus rehabilitasi sosial"
    assert chapter.legal_basis.startswith("Pelayanan publik")
    assert any(group.record == "Penerima layanan" and "nama lengkap" in group.items for group in chapter.general)
    assert any(
        item.item == "kelompok sasaran (PPKS)" and "catatan kejahatan" in item.kinds for item in chapter.specific
    )
    # derived from the access rule: the offices read cases, leadership and the officer never do
    assert any(r.startswith("Staf kabupaten/kota") for r in chapter.recipients)
    assert not any(r.startswith(("Pimpinan", "Pejabat pelindungan data")) for r in chapter.recipients)
    assert chapter.retention == ["Catatan kasus: dipseudonimkan setelah masa retensi sejak penutupan — 5 tahun"]


def test_recipients_come_from_the_roles_the_access_rule_lets_read():
    assert ropa.roles_seeing(Person) == {
        Role.PROVINCE_STAFF,
        Role.DISTRICT_STAFF,
        Role.FINANCE_APPROVER,
        Role.NGO_CASEWORKER,
        Role.PARTNER_TRAINER,
        Role.AUDITOR,
    }
    assert Role.PARTNER_TRAINER not in ropa.roles_seeing(Disbursement)  # partners see no money


def test_the_record_describes_fields_never_rows(record_id, db):
    """Nothing in it is read from the database: it is the same with or without people in it."""
    from tests.cases.factories import CaseFactory

    case = CaseFactory()
    with translation.override("id"):
        again = ropa.processing_record(today=record_id.made_on)

    assert again == record_id
    assert case.person.full_name not in str(again)


def test_every_field_the_retention_job_removes_is_declared_personal_in_the_inventory():
    """The retention job's plan (agencies.retention) and the inventory describe the same fields: a field the job
    pseudonymizes that the inventory calls not personal (or does not know) means one of the two is wrong."""
    from django.apps import apps

    from agencies.retention import retention_plan

    wrong = [
        f"{label}.{name}"
        for label, names, _treatment in retention_plan()
        for name in names.split(", ")
        if not inventory.declaration(apps.get_model(label), name).personal
    ]

    assert wrong == []
