"""`manage.py explain_access MODEL` prints the combined rule of a model per role, clauses from every app."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.agencies.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _explain(*args) -> str:
    out = io.StringIO()
    call_command("explain_access", *args, stdout=out)
    return out.getvalue()


def test_the_case_rule_lists_each_roles_clauses_from_every_app():
    text = _explain("cases.Case")

    assert (
        "  district_staff:\n    sees: owned_or_referred (cases.access_rules)\n    changes: owner is the own agency"
        in text
    )
    assert "_cases_with_pending_money (funding.access_rules)" in text  # widened by the funding app
    assert "  leadership_viewer: nothing" in text


def test_a_following_rule_says_whose_rows_it_follows():
    text = _explain("CaseNote")

    assert "follows cases.Case through case: seen and changed" in text
    assert "    sees what it sees of cases.Case" in text


def test_with_an_agency_each_of_its_roles_gets_its_sql_condition():
    semarang = AgencyFactory(name="Dinas Sosial Kota Semarang")

    text = _explain("cases.Case", "--agency", str(semarang.pk))

    assert f'district_staff changes where "cases_case"."owner_id" = {semarang.pk}' in text


def test_an_unknown_model_is_refused_naming_the_known_ones():
    with pytest.raises(CommandError, match="cases.Case"):
        _explain("Nope")
