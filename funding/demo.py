"""Demo money from the field reports: Banyuwangi's UEP Rp5.000.000 and jaminan hidup 3 × Rp600.000 from the
ministry, Kupang's Rp500.000.000 repatriation budget and the ministry's Rp797.500.000, Purbalingga's livestock.

Written as it happened (agencies.demo.on): budgets set months before they are drawn on, Banyuwangi's graduates
entitled the day after their batch's last day, each installment requested, approved and paid in the days after it
fell due, so the ledger (which PostgreSQL keeps append-only) books commitments and payments in their own months.
"""

import datetime

from django.utils import timezone

from agencies.demo import Demo, on
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


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _source(demo, key, name, kind, year):
    return services.funding_source_create(
        actor=demo.admin, name=name, kind=kind, fiscal_year=year, agency=demo.agencies[key]
    )


def _banyuwangi(demo: Demo, year: int) -> None:
    staff = demo.users["kabupaten"]
    program = Program.objects.get(name__contains="Gelombang II")
    with on(_day(-120)):
        allocation = _banyuwangi_package(demo, staff, program, year)
    # The first batch finished before the package was set: completing it again the next day entitles its
    # graduates, once; their installments fall due that day and a month and two months on.
    first = program.batches.get(number=1)
    with on(first.ends_on + datetime.timedelta(days=2)):
        program_services.batch_complete(actor=staff, batch=first)
    for i, entitlement in enumerate(allocation.entitlements.select_related("benefit").order_by("pk")):
        due = [one for one in entitlement.installments.order_by("number") if one.due_on <= _day(-7)]
        for installment in due[:-1]:
            _paid(demo, entitlement, installment, paid_on=installment.due_on + datetime.timedelta(days=6))
        # The latest installment due: one in seven waits for the finance approver (log in as `keuangan`), one in
        # seven is approved, to be paid; the rest paid, half the business grants a month later than the others.
        if i % 7 == 6:
            with on(_day(-2)):
                _requested(demo, entitlement, due[-1])
        elif i % 7 == 5:
            with on(_day(-2)):
                _approved(demo, _requested(demo, entitlement, due[-1]))
        else:
            late = entitlement.benefit.kind == B.BUSINESS_GRANT and i % 2
            _paid(demo, entitlement, due[-1], paid_on=due[-1].due_on + datetime.timedelta(days=36 if late else 6))


def _banyuwangi_package(demo: Demo, staff, program: Program, year: int):
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
    return allocation


def _requested(demo: Demo, entitlement, installment) -> Disbursement:
    return services.disbursement_request(
        actor=demo.users["kabupaten"],
        installment=installment,
        idempotency_key=f"demo-{entitlement.pk}-{installment.number}",
    )


def _approved(demo: Demo, request: Disbursement) -> Disbursement:
    return services.disbursement_approve(actor=demo.users["keuangan"], disbursement=request)


def _paid(demo: Demo, entitlement, installment, *, paid_on: datetime.date) -> None:
    """Requested the day after the installment fell due, approved two days later, paid by transfer on `paid_on`."""
    with on(installment.due_on + datetime.timedelta(days=1)):
        request = _requested(demo, entitlement, installment)
    with on(installment.due_on + datetime.timedelta(days=3)):
        _approved(demo, request)
    with on(paid_on, hour=13):
        services.disbursement_pay(
            actor=demo.users["kabupaten"],
            disbursement=request,
            method=Disbursement.Method.BANK_TRANSFER,
            reference=f"BRI-{paid_on:%Y%m%d}-{request.pk:05d}",
            paid_on=paid_on,
        )


def _kupang(demo: Demo, year: int) -> None:
    """The city's repatriation budget and the ministry's allocation, set early in the year; the transport of the
    case waiting to go home entitled today."""
    staff = demo.users["kupang"]
    with on(_day(-200)):
        transport = _kupang_budgets(demo, staff, year)
    case = Case.objects.filter(owner=demo.agencies["kupang"], stage=Case.Stage.PLANNED).order_by("number").first()
    if case is not None:
        services.entitlement_create(actor=staff, case=case, benefit=transport, amount=1_850_000)


def _kupang_budgets(demo: Demo, staff, year: int):
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
    return services.benefit_add(
        actor=staff,
        program=program,
        kind=B.TRANSPORT,
        amount=2_500_000,
        allocation=repatriation,
        description="Tiket kapal dan bus ke kampung halaman",
    )


def _purbalingga(demo: Demo, year: int) -> None:
    """The province's livestock for Purbalingga's graduates, set before the event; the finished batch completed
    again the day after it to entitle them (two goats each)."""
    province = demo.users["provinsi"]
    program = Program.objects.get(name__contains="Purbalingga")
    with on(_day(-95)):
        _purbalingga_package(demo, province, program, year)
    batch = program.batches.get(status=Batch.Status.FINISHED)
    with on(batch.ends_on + datetime.timedelta(days=2)):
        program_services.batch_complete(actor=province, batch=batch)


def _purbalingga_package(demo: Demo, province, program: Program, year: int) -> None:
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
