"""The data-protection officer on every admin page (issue 18 item 11, DESIGN §5): the registers and the trails, not
case content. Every route of every registered admin page is asked by GET as the officer of Jawa Tengah, filled with
a row of a world that holds one case with everything that hangs off it: case content answers 403 (a page the role
never opens) or 404 (a row it may not see), the trail of its jurisdiction opens, another province's event is not
found, and no page the officer may open shows the person's name, NIK, phone or address (the trail alone names the
case by its number)."""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver

from agencies import audit
from agencies.models import AuditEvent, Role
from cases import services as case_services
from cases.models import CaseNote, Consent, Referral
from funding import services as funding_services
from programs import services as program_services
from programs.models import Batch, Outcome
from tests.agencies.factories import AgencyFactory, RegionFactory
from tests.cases.factories import (
    CaseFactory,
    ConsentFactory,
    DistrictOfficeFactory,
    PossibleDuplicateFactory,
    ReferralFactory,
)
from tests.funding.factories import AllocationFactory, BenefitFactory
from tests.programs.factories import BatchFactory, FollowUpFactory, ProgramFactory, SessionFactory, days_from_today

pytestmark = pytest.mark.django_db

# Pages of case content: whatever their route, the officer never reads them (403 for the page, 404 for a row). A
# program's report is counts, small ones suppressed, as every member reads it; a batch's roster and attendance pages
# open with the batch (the calendar) and list the enrollments the reader may see, for the officer none: no content,
# and each checked like any page for the person's data.
CONTENT = re.compile(
    r"^(cases/(case|person|consent|referral|possibleduplicate)/"
    r"|programs/(enrollment|followup|outcome)/"
    r"|funding/(entitlement|installment|disbursement|ledgerentry)/)"
)
# What the officer opens: the trail (of its jurisdiction) and the record of processing.
OPENS = {
    "agencies/auditevent/": 200,
    "agencies/auditevent/{event}/change/": 200,
    "agencies/auditevent/{elsewhere_event}/change/": 404,
    "privacy/record/": 200,
    "privacy/record.pdf": 200,
}


@pytest.fixture
def world(member):
    jateng = AgencyFactory(
        name="Dinas Sosial Provinsi Jawa Tengah", province_office=True, region=RegionFactory(code="33")
    )
    semarang = DistrictOfficeFactory(name="Dinas Sosial Kota Semarang", region=RegionFactory(code="33.74"))
    banyuwangi = DistrictOfficeFactory(name="Dinas Sosial Kabupaten Banyuwangi", region=RegionFactory(code="35.10"))
    staff = member(Role.DISTRICT_STAFF, agency=semarang)
    approver = member(Role.FINANCE_APPROVER, agency=semarang)
    officer = member(Role.DATA_PROTECTION_OFFICER, agency=jateng)

    case = CaseFactory(
        owner=semarang, registered_by=semarang, person__phone="081234567890", person__address="Jl. Melati 4"
    )
    case_services.case_note_add(actor=staff, case=case, body="Kunjungan rumah")
    case_services.assessment_record(actor=staff, case=case, assessed_on=days_from_today(-5), needs="Modal usaha")
    ConsentFactory(person=case.person, agency=banyuwangi, purpose=Consent.Purpose.SHARING)
    ReferralFactory(case=case, from_agency=semarang, to_agency=banyuwangi, status=Referral.Status.ACCEPTED)
    PossibleDuplicateFactory(person=case.person, similar_to=CaseFactory(owner=semarang).person)

    program = ProgramFactory(organizer=semarang)
    batch = BatchFactory(program=program, starts_on=days_from_today(-10))
    SessionFactory(batch=batch, date=batch.starts_on)
    case.stage = "planned"
    case.save(update_fields=["stage"])
    program_services.enrollment_create(actor=staff, batch=batch, case=case)
    program_services.batch_set_status(actor=staff, batch=batch, status=Batch.Status.RUNNING)
    follow_up = FollowUpFactory(case=case, due_on=days_from_today(-1))
    Outcome.objects.create(follow_up=follow_up, case=case, recorded_on=days_from_today(-1), site_status="left_site")
    benefit = BenefitFactory(
        program=program, allocation=AllocationFactory(source__agency=semarang, program=program, district=semarang)
    )
    entitlement = funding_services.entitlement_create(actor=staff, case=case, benefit=benefit)
    disbursement = funding_services.disbursement_request(actor=staff, installment=entitlement.installments.get())
    funding_services.disbursement_approve(actor=approver, disbursement=disbursement)

    case_services.person_nik_reveal(actor=staff, person=case.person)
    event = AuditEvent.objects.filter(agency=semarang).latest("pk")
    elsewhere = CaseFactory(owner=banyuwangi)
    audit.record(None, "cases.case.viewed", elsewhere, agency=banyuwangi)
    elsewhere_event = AuditEvent.objects.filter(agency=banyuwangi).latest("pk")
    return {"officer": officer, "case": case, "event": event, "elsewhere_event": elsewhere_event}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), pattern.name


def _filled(route: str, world) -> str | None:
    """The route with a row of its model in place of its id (the world's row of that model, else an id none has)."""
    if "(?P<" in route or route.startswith(("r/", "logout/", "password_change/", "language/", "login/")):
        return None  # the app index regex, the site's own account pages: not about data
    if route in OPENS:
        return route
    model = next(
        (m for m in admin.site._registry if route.startswith(f"{m._meta.app_label}/{m._meta.model_name}/")), None
    )
    row = model._default_manager.order_by("pk").first() if model is not None else None
    pk = str(row.pk) if row is not None else "999999"
    filled = re.sub(r"<path:object_id>|<int:pk>|<id>", pk, route)
    filled = filled.replace("<str:token>", "not-a-token").replace("<str:month>", "2026-11")
    return filled


def _admin_gets(world):
    for route, name in _routes(admin.site.get_urls()):
        filled = _filled(route, world)
        if filled is None or name.endswith(("_delete", "_history")):
            continue
        yield filled.format(event=world["event"].pk, elsewhere_event=world["elsewhere_event"].pk), route


def test_the_officer_reads_no_case_content_on_any_admin_page(world, signed_in):
    client = signed_in(world["officer"])
    client.raise_request_exception = False
    case, person = world["case"], world["case"].person
    never = [person.full_name, person.nik, person.phone, person.address]

    wrong = []
    for url, route in _admin_gets(world):
        response = client.get(f"/admin/{url}", follow=True)  # the search box's page leads to the case list
        body = response.content.decode(errors="replace")
        if CONTENT.match(route) and response.status_code not in (403, 404):
            wrong.append(f"{url}: {response.status_code}, case content must be 403 or 404")
        if route in OPENS and response.status_code != OPENS[route]:
            wrong.append(f"{url}: {response.status_code}, expected {OPENS[route]}")
        if response.status_code >= 500:
            wrong.append(f"{url}: {response.status_code}")
        if any(value and value in body for value in never):
            wrong.append(f"{url}: shows the person's data")
        if case.number in body and not route.startswith("agencies/auditevent/"):
            wrong.append(f"{url}: names the case outside the trail")

    assert wrong == []


def test_the_officer_s_trail_holds_its_jurisdiction_only(world, signed_in):
    page = signed_in(world["officer"]).get("/admin/agencies/auditevent/").content.decode()

    assert f"/admin/agencies/auditevent/{world['event'].pk}/change/" in page
    assert f"/admin/agencies/auditevent/{world['elsewhere_event'].pk}/change/" not in page


def test_the_officer_changes_nothing_through_the_admin(world, signed_in):
    client = signed_in(world["officer"])
    case = world["case"]

    assert client.post(f"/admin/cases/case/{case.pk}/note/", {"body": "x"}).status_code in (403, 404)
    assert client.post(f"/admin/cases/case/{case.pk}/reveal-nik/").status_code in (403, 404)
    assert client.post("/admin/cases/case/add/", {}).status_code == 403
    assert not CaseNote.objects.filter(body="x").exists()
