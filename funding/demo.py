"""Demo money from the field reports: Banyuwangi's UEP Rp5.000.000 and jaminan hidup 3 × Rp600.000 from the
ministry, Kupang's Rp500.000.000 repatriation budget and the ministry's Rp797.500.000, Purbalingga's livestock.
"""

import datetime

from django.utils import timezone

from agencies.demo import Demo
from cases.models import Case
from programs import services as program_services
from programs.models import Batch, Program

from . import services
from .models import Benefit, Disbursement, FundingSource

B = Benefit.Kind


def load(demo: Demo) -> None:
    if FundingSource.objects.exists():
        return
    year = timezone.localdate().year
    _banyuwangi(demo, year)
    _kupang(demo, year)
    _purbalingga(demo, year)
    demo.lines.append("Demo funding: Banyuwangi UEP and jadup, Kupang repatriation, Purbalingga livestock.")


def _source(demo, key, name, kind, year):
    return services.funding_source_create(
        actor=demo.admin, name=name, kind=kind, fiscal_year=year, agency=demo.agencies[key]
    )


def _banyuwangi(demo: Demo, year: int) -> None:
    staff, approver = demo.users["kabupaten"], demo.users["keuangan"]
    program = Program.objects.get(name__contains="Gelombang II")
    apbn = _source(
        demo, "kemensos", "APBN Kemensos, Rehabilitasi Sosial Tuna Susila", FundingSource.Kind.APBN_KEMENSOS, year
    )
    allocation = services.allocation_create(
        actor=demo.admin,
        source=apbn,
        name="UEP dan jaminan hidup eks PSK Banyuwangi",
        ceiling=52 * (5_000_000 + 3 * 600_000),
        program=program,
        district=demo.agencies["banyuwangi"],
    )
    services.benefit_add(
        actor=staff,
        program=program,
        kind=B.BUSINESS_GRANT,
        amount=5_000_000,
        allocation=allocation,
        description="Bantuan usaha ekonomi produktif (UEP)",
    )
    services.benefit_add(
        actor=staff,
        program=program,
        kind=B.LIVING_ALLOWANCE,
        amount=600_000,
        installments=3,
        allocation=allocation,
        description="Jaminan hidup (jadup)",
    )
    # The first batch finished before the package was set: completing it again entitles its graduates, once.
    program_services.batch_complete(actor=staff, batch=program.batches.get(number=1))
    paid_on = timezone.localdate() - datetime.timedelta(days=40)
    for i, entitlement in enumerate(allocation.entitlements.select_related("benefit").order_by("pk")):
        first = entitlement.installments.order_by("number").first()
        request = services.disbursement_request(
            actor=staff, installment=first, idempotency_key=f"demo-{entitlement.pk}-1"
        )
        if i % 7 == 6:
            continue  # waiting for the finance approver: log in as `keuangan`
        services.disbursement_approve(actor=approver, disbursement=request)
        if i % 7 == 5:
            continue  # approved, to be paid
        services.disbursement_pay(
            actor=staff,
            disbursement=request,
            method=Disbursement.Method.BANK_TRANSFER,
            reference=f"BRI-{paid_on:%Y%m%d}-{request.pk:05d}",
            paid_on=paid_on,
        )


def _kupang(demo: Demo, year: int) -> None:
    staff = demo.users["kupang"]
    apbd = _source(demo, "kupang", "APBD Kota Kupang, Dinas Sosial", FundingSource.Kind.APBD_DISTRICT, year)
    repatriation = services.allocation_create(
        actor=staff,
        source=apbd,
        name="Biaya pemulangan eks penghuni Karang Dempel",
        ceiling=500_000_000,
        district=demo.agencies["kupang"],
    )
    apbn = _source(demo, "kemensos", "APBN Kemensos, Pembinaan eks PSK", FundingSource.Kind.APBN_KEMENSOS, year)
    services.allocation_create(
        actor=demo.admin,
        source=apbn,
        name="Pembinaan eks PSK Karang Dempel",
        ceiling=797_500_000,
        district=demo.agencies["kupang"],
    )
    program = program_services.program_create(
        actor=staff,
        name="Pemulangan Eks Penghuni Karang Dempel",
        kind=Program.Kind.REPATRIATION,
        region=demo.agencies["kupang"].region,
        fiscal_year=year,
    )
    transport = services.benefit_add(
        actor=staff,
        program=program,
        kind=B.TRANSPORT,
        amount=2_500_000,
        allocation=repatriation,
        description="Tiket kapal dan bus ke kampung halaman",
    )
    case = Case.objects.filter(owner=demo.agencies["kupang"], stage=Case.Stage.PLANNED).order_by("number").first()
    if case is not None:
        services.entitlement_create(actor=staff, case=case, benefit=transport, amount=1_850_000)


def _purbalingga(demo: Demo, year: int) -> None:
    province = demo.users["provinsi"]
    program = Program.objects.get(name__contains="Purbalingga")
    apbd = _source(
        demo, "jateng", "APBD Provinsi Jawa Tengah, Rehabilitasi Sosial", FundingSource.Kind.APBD_PROVINCE, year
    )
    allocation = services.allocation_create(
        actor=province,
        source=apbd,
        name="Bantuan stimulan PMKS Purbalingga",
        ceiling=50_000_000,
        program=program,
        district=demo.agencies["purbalingga"],
    )
    services.benefit_add(
        actor=province,
        program=program,
        kind=B.IN_KIND,
        amount=1_750_000,
        quantity=2,
        allocation=allocation,
        description="Kambing (2 ekor) untuk usaha peternakan",
    )
    program_services.batch_complete(actor=province, batch=program.batches.get(status=Batch.Status.FINISHED))
