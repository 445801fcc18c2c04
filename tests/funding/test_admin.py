"""The money pages: budget realization with its exports, maker-checker from the admin, and the printed receipt."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import AuditEvent, Role
from funding import services
from funding.models import Benefit, Disbursement, FundingSource
from programs.models import Program
from tests.agencies.factories import AgencyFactory, MembershipFactory, RegionFactory
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def banyuwangi_approver(banyuwangi):
    return MembershipFactory(role=Role.FINANCE_APPROVER, agency=banyuwangi).user


@pytest.fixture
def entitlement(banyuwangi_staff, banyuwangi):
    """A Rp1.850.000 repatriation ticket against a Rp500.000.000 budget."""
    source = services.funding_source_create(
        actor=banyuwangi_staff, name="APBD Banyuwangi", kind=FundingSource.Kind.APBD_DISTRICT, fiscal_year=YEAR
    )
    allocation = services.allocation_create(
        actor=banyuwangi_staff, source=source, name="Pemulangan", ceiling=500_000_000, district=banyuwangi
    )
    program = Program.objects.create(
        name="Pemulangan",
        kind=Program.Kind.REPATRIATION,
        organizer=banyuwangi,
        region=banyuwangi.region,
        fiscal_year=YEAR,
    )
    transport = services.benefit_add(
        actor=banyuwangi_staff, program=program, kind=Benefit.Kind.TRANSPORT, amount=2_500_000, allocation=allocation
    )
    return services.entitlement_create(
        actor=banyuwangi_staff, case=CaseFactory(owner=banyuwangi), benefit=transport, amount=1_850_000
    )


@pytest.fixture
def paid(entitlement, banyuwangi_staff, banyuwangi_approver):
    request = services.disbursement_request(actor=banyuwangi_staff, installment=entitlement.installments.get())
    services.disbursement_approve(actor=banyuwangi_approver, disbursement=request)
    return services.disbursement_pay(
        actor=banyuwangi_staff,
        disbursement=request,
        method=Disbursement.Method.CASH,
        reference="KW-001",
        paid_on=timezone.localdate(),
    )


def test_the_realization_report_sums_the_ledger(client, paid, banyuwangi_approver):
    client.force_login(banyuwangi_approver)

    rows = [shown["row"] for shown in client.get("/admin/funding/allocation/realization/").context["rows"]]

    assert [(r.labels[0], r.ceiling, r.committed, r.paid, r.remaining, r.realized) for r in rows] == [
        ("Pemulangan", 500_000_000, 1_850_000, 1_850_000, 498_150_000, Decimal("0.4"))
    ]


def test_the_realization_page_shows_rupiah_the_indonesian_way(client, paid, banyuwangi_approver):
    client.force_login(banyuwangi_approver)

    page = client.get("/admin/funding/allocation/realization/").content.decode()

    assert "Rp500.000.000" in page and "Rp1.850.000" in page


@pytest.mark.parametrize("by", ["source", "program", "district", "month"])
def test_the_realization_report_groups_every_way(client, paid, banyuwangi_approver, by):
    client.force_login(banyuwangi_approver)

    rows = [shown["row"] for shown in client.get("/admin/funding/allocation/realization/", {"by": by}).context["rows"]]

    assert [(r.committed, r.paid) for r in rows] == [(1_850_000, 1_850_000)]


def test_the_realization_exports_as_csv_and_xlsx_and_each_export_is_logged(client, paid, banyuwangi_approver):
    client.force_login(banyuwangi_approver)

    as_csv = client.get("/admin/funding/allocation/realization/", {"format": "csv"})
    as_xlsx = client.get("/admin/funding/allocation/realization/", {"format": "xlsx"})

    lines = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert lines[0][:3] == ["Alokasi anggaran", "Sumber dana", "Pagu (Rp)"] and lines[1][2:5] == [
        "500000000",
        "1850000",
        "1850000",
    ]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [cell.value for cell in sheet[2]][2:5] == [500_000_000, 1_850_000, 1_850_000]
    assert AuditEvent.objects.filter(action="funding.realization.exported").count() == 2


def test_another_districts_budget_is_not_in_the_report(client, paid):
    elsewhere = MembershipFactory(
        role=Role.FINANCE_APPROVER, agency=AgencyFactory(region=RegionFactory(code="33.74"))
    ).user
    client.force_login(elsewhere)

    assert client.get("/admin/funding/allocation/realization/").context["rows"] == []


def test_the_receipt_gives_the_amount_in_words(client, paid, banyuwangi_approver):
    client.force_login(banyuwangi_approver)

    page = client.get(f"/admin/funding/disbursement/{paid.pk}/receipt/").content.decode()

    assert "Rp1.850.000" in page
    assert "Satu juta delapan ratus lima puluh ribu rupiah" in page
    assert AuditEvent.objects.filter(action="funding.disbursement.receipt_viewed").exists()


def test_the_requester_cannot_approve_from_the_admin(client, entitlement, banyuwangi_staff):
    MembershipFactory(user=banyuwangi_staff, role=Role.FINANCE_APPROVER, agency=AgencyFactory(province_office=True))
    request = services.disbursement_request(actor=banyuwangi_staff, installment=entitlement.installments.get())
    client.force_login(banyuwangi_staff)

    client.post("/admin/funding/disbursement/", {"action": "approve", "_selected_action": [request.pk], "post": "yes"})

    request.refresh_from_db()
    assert request.status == Disbursement.Status.REQUESTED


def test_a_finance_approver_approves_from_the_admin(client, entitlement, banyuwangi_staff, banyuwangi_approver):
    request = services.disbursement_request(actor=banyuwangi_staff, installment=entitlement.installments.get())
    client.force_login(banyuwangi_approver)

    client.post("/admin/funding/disbursement/", {"action": "approve", "_selected_action": [request.pk], "post": "yes"})

    request.refresh_from_db()
    assert request.status == Disbursement.Status.APPROVED


def test_paying_without_a_reference_is_refused_on_the_form(client, entitlement, banyuwangi_staff, banyuwangi_approver):
    request = services.disbursement_request(actor=banyuwangi_staff, installment=entitlement.installments.get())
    services.disbursement_approve(actor=banyuwangi_approver, disbursement=request)
    client.force_login(banyuwangi_staff)

    response = client.post(
        f"/admin/funding/disbursement/{request.pk}/pay/",
        {"method": "bank_transfer", "reference": "", "paid_on": datetime.date.today().isoformat()},
    )

    assert "reference" in response.context["form"].errors
    request.refresh_from_db()
    assert request.status == Disbursement.Status.APPROVED
