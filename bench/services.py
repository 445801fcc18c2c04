"""The `services` section (issue 15): each write service people use, called as the admin and the API call it, against
a raw-SQL floor doing the same locks and writes (SELECT … FOR UPDATE on the same rows, the same INSERTs and UPDATEs,
the audit row included) and reading who the actor acts for on every call (their active membership, as the service
reads the actor's grants: folded into the floor's first statement), in random case order (ascending ids would let
PostgreSQL's synchronized scans hide a scan of the caseload behind the cache):

- enroll (programs.services.enrollment_create; a planned case also enters intervention), stage move
  (cases.services.case_transition), referral (cases.services.referral_create), disbursement request and approve
  (funding.services): ms per call and SQL statements, ours and the floor alternating;
- enrolling with 1, 2, 4 and 8 processes at once (multiprocessing, each with its own connection, each calling the
  real service), into one batch (every call waits on the batch's row lock) and spread over 20 batches: calls per
  second, ours and the floor, both curves.

Its rows (a program with its batches, a receiving NGO with every person's consent to share with it, an allocation,
entitlements with installments, a finance approver) are seeded once by `seed`; each run makes batches of its own,
on dates no earlier run used, so it can be run again with --reuse.

    BENCH_DB=rehab_bench_h2 .venv/bin/python bench/api.py --sections services --cases 100000 --enrollments 300000
"""

import datetime
import json
import multiprocessing
import random
import time

from bench.common import Result, paired_medians, statements
from bench.seeding import SEEDED_EXTERNAL_ID

PROGRAM = "Bench layanan: pelatihan keterampilan"
RECEIVER = "LKS Bench Penerima Rujukan"
APPROVER = "bench-approver"
ENTITLED_CASES = 20_000
INSTALLMENTS = 3
BATCH_DAYS = 5


def add_arguments(parser) -> None:
    parser.add_argument(
        "--services-seconds", type=float, default=8.0, help="seconds of each concurrent enroll run (3 s swung ±50%%)"
    )
    parser.add_argument("--services-repeat", type=int, default=100, help="calls of each service, ours and floor")


def _program():
    from programs.models import Program

    return Program.objects.filter(name=PROGRAM).first()


def seed(seeded: dict, args) -> bool:
    """The rows the services need, once: False when an earlier run seeded them."""
    from django.db import connection
    from django.utils import timezone

    from agencies.models import Agency, Membership, Role, User
    from funding.models import Allocation, Benefit, FundingSource
    from programs.models import Program

    if _program() is not None:
        return False
    office = seeded["office"]
    year = timezone.localdate().year
    program = Program.objects.create(
        name=PROGRAM, kind="skills_training", organizer=office, region=office.region, fiscal_year=year
    )
    receiver = Agency.objects.create(name=RECEIVER, kind="ngo", region=office.region)
    approver, _ = User.objects.get_or_create(username=APPROVER)
    Membership.objects.get_or_create(user=approver, agency=office, role=Role.FINANCE_APPROVER)
    source = FundingSource.objects.create(
        name="APBD Banyuwangi (bench)", kind="apbd_district", agency=office, fiscal_year=year
    )
    rng = random.Random(15)  # noqa: S311 (a benchmark's order, nothing secret)
    n_cases = max(1, _cases())
    entitled = rng.sample(range(1, n_cases + 1), min(ENTITLED_CASES, n_cases))
    per_case = 600_000 * INSTALLMENTS
    allocation = Allocation.objects.create(
        source=source,
        name="Jaminan hidup (bench)",
        fiscal_year=year,
        district=office,
        program=program,
        ceiling=per_case * len(entitled) * 10,
    )
    benefit = Benefit.objects.create(
        program=program, kind="living_allowance", amount=600_000, installments=INSTALLMENTS, allocation=allocation
    )
    now = timezone.now().isoformat()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        from bench import seeding

        # Every person agreed to share with the receiving NGO (a referral needs it), given a year ago.
        seeding.copy(
            cursor.cursor,
            "cases_consent",
            ["person_id", "purpose", "given_on", "agency_id", "created_at", "updated_at"],
            (f"{i},sharing,{today.replace(year=year - 1)},{receiver.pk},{now},{now}\n" for i in range(1, n_cases + 1)),
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM funding_entitlement")
        first = cursor.fetchone()[0] + 1
        ids = range(first, first + len(entitled))
        seeding.copy(
            cursor.cursor,
            "funding_entitlement",
            ["id", "total", "status", "created_at", "updated_at", "allocation_id", "benefit_id", "case_id"],
            (
                f"{e},{per_case},active,{now},{now},{allocation.pk},{benefit.pk},{c}\n"
                for e, c in zip(ids, entitled, strict=True)
            ),
        )
        seeding.copy(
            cursor.cursor,
            "funding_installment",
            ["number", "amount", "due_on", "entitlement_id"],
            (
                f"{n + 1},600000,{today + datetime.timedelta(days=30 * n)},{e}\n"
                for e in ids
                for n in range(INSTALLMENTS)
            ),
        )
        # The ledger is the proof of the allocation's totals: one commitment per entitlement, as _entitle writes.
        seeding.copy(
            cursor.cursor,
            "funding_ledgerentry",
            ["kind", "committed_delta", "paid_delta", "created_at", "allocation_id", "entitlement_id"],
            (f"commit,{per_case},0,{now},{allocation.pk},{e}\n" for e in ids),
        )
        cursor.execute(
            "UPDATE funding_allocation SET committed = %s WHERE id = %s", [per_case * len(entitled), allocation.pk]
        )
        for table in ("funding_entitlement", "funding_installment", "funding_ledgerentry", "cases_consent"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    print(
        f"Seeded the services' rows: {n_cases:,} consents, "
        f"{len(entitled):,} entitlements of {INSTALLMENTS} installments"
    )
    return True


def _cases() -> int:
    from cases.models import Case

    return Case.objects.count()


# The floors: one transaction each, raw SQL, the same row locks and writes as the service.


class Floor:
    def __init__(self, seeded: dict):
        from django.contrib.contenttypes.models import ContentType

        from agencies.models import User
        from cases.models import Case, Referral
        from funding.models import Disbursement
        from programs.models import Enrollment

        self.office = seeded["office"].pk
        self.staff = seeded["staff"].pk
        self.approver = User.objects.get(username=APPROVER).pk
        self.types = {
            model: ContentType.objects.get_for_model(model).pk for model in (Case, Enrollment, Referral, Disbursement)
        }

    # The agencies a user acts for: their active memberships of active agencies, read by every call's first
    # statement as the service reads the actor's grants on every call (a membership may end between two calls).
    ACTING_FOR = (
        "SELECT m.agency_id FROM agencies_membership m JOIN agencies_agency a ON a.id = m.agency_id"
        " WHERE m.user_id = %s AND m.active AND a.active"
    )

    def _audit(self, cursor, actor, agency, action, model, target, data) -> None:
        cursor.execute(
            "INSERT INTO agencies_auditevent (created_at, actor_user_id, actor_agency_id, action, agency_id,"
            " target_type_id, target_id, data) VALUES (now(), %s, %s, %s, %s, %s, %s, %s)",
            [actor, agency, action, self.office, self.types[model], str(target), json.dumps(data)],
        )

    def _stage(self, cursor, case_id, agency, old, new, reason) -> None:
        from cases.models import Case

        cursor.execute(
            "UPDATE cases_case SET stage = %s, close_reason = '', stage_changed_at = now(), updated_at = now()"
            " WHERE id = %s",
            [new, case_id],
        )
        cursor.execute(
            "INSERT INTO cases_stagechange (case_id, from_stage, to_stage, reason, changed_by_id, changed_at)"
            " VALUES (%s, %s, %s, %s, %s, now())",
            [case_id, old, new, reason, self.staff],
        )
        self._audit(
            cursor,
            self.staff,
            agency,
            "cases.case.stage_changed",
            Case,
            case_id,
            {"from": old, "to": new, "close_reason": "", "with_reason": bool(reason)},
        )

    def _case(self, cursor, case_id) -> tuple[str, int]:
        # Locked, changeable by an agency the actor acts for (its owner), and open; or the call is refused.
        cursor.execute(
            f"SELECT stage, owner_id FROM cases_case WHERE id = %s AND owner_id IN ({self.ACTING_FOR}) FOR UPDATE",
            [case_id, self.staff],
        )
        stage, agency = cursor.fetchone()
        assert stage != "closed"
        return stage, agency

    def enroll(self, batch_id: int, case_id: int) -> None:
        from django.db import connection, transaction

        from programs.models import Enrollment

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT starts_on, ends_on, enrolled_count, capacity, status FROM programs_batch WHERE id = %s"
                " FOR UPDATE",
                [batch_id],
            )
            starts, ends, count, capacity, status = cursor.fetchone()
            assert status in ("planned", "open")
            stage, agency = self._case(cursor, case_id)
            # Enrolled here or on overlapping dates (refused), and whether anyone waits for a place (who would
            # take it before a newcomer): one look, as ours.
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM programs_enrollment WHERE case_id = %s AND status <> 'withdrawn'"
                " AND (batch_id = %s OR (starts_on <= %s AND ends_on >= %s))), EXISTS (SELECT 1 FROM"
                " programs_enrollment WHERE batch_id = %s AND status = 'waitlisted')",
                [case_id, batch_id, ends, starts, batch_id],
            )
            clashing, waiting = cursor.fetchone()
            assert not clashing
            status = "enrolled" if count < capacity and not waiting else "waitlisted"
            cursor.execute(
                "INSERT INTO programs_enrollment (batch_id, case_id, status, starts_on, ends_on, enrolled_by_id,"
                " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, now(), now()) RETURNING id",
                [batch_id, case_id, status, starts, ends, self.staff],
            )
            enrollment = cursor.fetchone()[0]
            if status == "enrolled":
                cursor.execute(
                    "UPDATE programs_batch SET enrolled_count = enrolled_count + 1, updated_at = now() WHERE id = %s",
                    [batch_id],
                )
                if stage == "planned":
                    self._stage(cursor, case_id, agency, stage, "in_intervention", "")
            self._audit(
                cursor, self.staff, agency, "programs.enrollment.created", Enrollment, enrollment, {"status": status}
            )

    def move(self, case_id: int, to: str) -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            stage, agency = self._case(cursor, case_id)
            self._stage(cursor, case_id, agency, stage, to, "Catatan bench")

    def refer(self, case_id: int, receiver: int) -> None:
        from django.db import connection, transaction

        from cases.models import Referral

        with transaction.atomic(), connection.cursor() as cursor:
            _stage, agency = self._case(cursor, case_id)
            cursor.execute(
                "SELECT 1 FROM cases_consent c JOIN cases_case k ON k.person_id = c.person_id WHERE k.id = %s"
                " AND c.agency_id = %s AND c.purpose = 'sharing' AND c.given_on <= current_date"
                " AND (c.withdrawn_on IS NULL OR c.withdrawn_on > current_date) LIMIT 1",
                [case_id, receiver],
            )
            assert cursor.fetchone() is not None
            cursor.execute(
                "INSERT INTO cases_referral (case_id, kind, reason, status, decline_reason, from_agency_id,"
                " to_agency_id, created_by_id, created_at, updated_at) VALUES (%s, 'ngo_mentoring',"
                " 'Pendampingan usaha', 'pending', '', %s, %s, %s, now(), now()) RETURNING id",
                [case_id, agency, receiver, self.staff],
            )
            referral = cursor.fetchone()[0]
            # Who at the receiving agency is told (nobody works there in the bench, as in ours).
            cursor.execute(
                "SELECT user_id FROM agencies_membership WHERE agency_id = %s AND active"
                " AND role IN ('ngo_caseworker', 'district_staff', 'partner_trainer')",
                [receiver],
            )
            cursor.fetchall()
            self._audit(
                cursor,
                self.staff,
                agency,
                "cases.referral.created",
                Referral,
                referral,
                {"kind": "ngo_mentoring", "to_agency": receiver},
            )

    def request(self, installment_id: int) -> int:
        from django.db import connection, transaction

        from funding.models import Disbursement

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.amount, e.allocation_id, c.owner_id FROM funding_installment i"
                " JOIN funding_entitlement e ON e.id = i.entitlement_id JOIN cases_case c ON c.id = e.case_id"
                f" WHERE i.id = %s AND c.owner_id IN ({self.ACTING_FOR}) AND e.status = 'active'",
                [installment_id, self.staff],
            )
            amount, allocation, agency = cursor.fetchone()
            cursor.execute("SELECT id FROM funding_allocation WHERE id = %s FOR UPDATE", [allocation])
            cursor.execute(
                "SELECT id FROM funding_disbursement WHERE installment_id = %s"
                " AND status IN ('requested', 'approved', 'paid') LIMIT 1 FOR UPDATE",
                [installment_id],
            )
            assert cursor.fetchone() is None
            cursor.execute(
                "INSERT INTO funding_disbursement (installment_id, amount, status, requested_by_id, requested_at,"
                " reject_reason, method, reference, reversed_reason, updated_at)"
                " VALUES (%s, %s, 'requested', %s, now(), '', '', '', '', now()) RETURNING id",
                [installment_id, amount, self.staff],
            )
            disbursement = cursor.fetchone()[0]
            self._audit(
                cursor,
                self.staff,
                agency,
                "funding.disbursement.requested",
                Disbursement,
                disbursement,
                {"amount": amount},
            )
            return disbursement

    def approve(self, disbursement_id: int) -> None:
        from django.db import connection, transaction

        from funding.models import Disbursement

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.allocation_id FROM funding_disbursement d"
                " JOIN funding_installment i ON i.id = d.installment_id"
                " JOIN funding_entitlement e ON e.id = i.entitlement_id WHERE d.id = %s",
                [disbursement_id],
            )
            allocation = cursor.fetchone()[0]
            cursor.execute("SELECT id FROM funding_allocation WHERE id = %s FOR UPDATE", [allocation])
            # Locked with its installment, entitlement and case, as ours; decided by an approver of the case's
            # jurisdiction (its owner's region or one inside it), never its requester.
            cursor.execute(
                "SELECT d.amount, d.status, d.requested_by_id, r.id FROM funding_disbursement d"
                " JOIN funding_installment i ON i.id = d.installment_id"
                " JOIN funding_entitlement e ON e.id = i.entitlement_id"
                " JOIN cases_case c ON c.id = e.case_id JOIN agencies_agency o ON o.id = c.owner_id"
                f" JOIN agencies_agency r ON r.id IN ({self.ACTING_FOR})"
                " WHERE d.id = %s AND (o.region_id = r.region_id OR o.region_id LIKE r.region_id || '.%%')"
                " FOR UPDATE OF d, i, e, c",
                [self.approver, disbursement_id],
            )
            amount, status, requester, agency = cursor.fetchone()
            assert status == "requested" and requester != self.approver
            cursor.execute(
                "UPDATE funding_disbursement SET status = 'approved', decided_by_id = %s, decided_at = now(),"
                " updated_at = now() WHERE id = %s",
                [self.approver, disbursement_id],
            )
            self._audit(
                cursor,
                self.approver,
                agency,
                "funding.disbursement.approved",
                Disbursement,
                disbursement_id,
                {"amount": amount},
            )


def _new_batches(count: int, capacity: int = 30_000) -> list[int]:
    """`count` open batches of the bench program, each on days of its own after every batch made before: a case
    may be enrolled into any of them without overlapping another enrollment."""
    from django.db.models import Max
    from django.utils import timezone

    from programs.models import Batch

    program = _program()
    last = Batch.objects.filter(program=program).aggregate(last=Max("ends_on"), number=Max("number"))
    start = max(last["last"] or timezone.localdate(), timezone.localdate()) + datetime.timedelta(days=2)
    number = last["number"] or 0
    made = []
    for n in range(count):
        starts = start + datetime.timedelta(days=n * (BATCH_DAYS + 1))
        made.append(
            Batch(
                program=program,
                number=number + n + 1,
                starts_on=starts,
                ends_on=starts + datetime.timedelta(days=BATCH_DAYS - 1),
                capacity=capacity,
                status=Batch.Status.OPEN,
            )
        )
    return [b.pk for b in Batch.objects.bulk_create(made)]


def _shuffled_cases(rng: random.Random, stage: str | None = None, not_referred_to: int | None = None) -> list[int]:
    """The seeded open cases (in `stage` when given; without an open referral to `not_referred_to` when given: a
    case has one open referral per agency), in random order."""
    from django.db import connection

    sql = "SELECT id FROM cases_case k WHERE external_id LIKE %s AND stage <> 'closed'"
    params = [f"{SEEDED_EXTERNAL_ID}%"]
    if stage:
        sql += " AND stage = %s"
        params.append(stage)
    if not_referred_to:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM cases_referral r WHERE r.case_id = k.id AND r.to_agency_id = %s"
            " AND r.status IN ('pending', 'accepted'))"
        )
        params.append(not_referred_to)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    rng.shuffle(ids)
    return ids


def _single_calls(seeded: dict, args, floor: Floor, rng: random.Random) -> list[Result]:
    from agencies.models import Agency, User
    from cases import services as case_services
    from cases.models import Case
    from funding import services as funding_services
    from funding.models import Disbursement, Installment
    from programs import services as program_services
    from programs.models import Batch

    staff = User.objects.get(pk=seeded["staff"].pk)
    approver = User.objects.get(username=APPROVER)
    receiver = Agency.objects.get(name=RECEIVER)
    repeat = args.services_repeat
    results = []

    def timed(name, ours, theirs, count_call):
        queries = statements(count_call)
        ours_ms, floor_ms = paired_medians(ours, theirs, repeat)
        results.append(Result(f"services: {name} (ms)", ours_ms, floor_ms, "≤ 3×", queries))

    # Enroll: planned cases in random order, ours and the floor into two batches of their own.
    ours_batch, floor_batch = (Batch.objects.get(pk=pk) for pk in _new_batches(2))
    planned = iter(_shuffled_cases(rng, "planned"))

    def enroll():
        program_services.enrollment_create(actor=staff, batch=ours_batch, case=Case(pk=next(planned)))

    timed("enroll a planned case", enroll, lambda: floor.enroll(floor_batch.pk, next(planned)), enroll)

    # Stage move: back and forth between planned and assessed, with a reason (so either way is allowed).
    movable = iter(_shuffled_cases(rng))

    def move_ours():
        case = Case.objects.only("stage").get(pk=next(movable))
        to = Case.Stage.ASSESSED if case.stage != Case.Stage.ASSESSED else Case.Stage.PLANNED
        case_services.case_transition(actor=staff, case=case, to=to, reason="Catatan bench")

    def move_floor():
        case = Case.objects.only("stage").get(pk=next(movable))
        floor.move(case.pk, "assessed" if case.stage != "assessed" else "planned")

    timed("move a case's stage", move_ours, move_floor, move_ours)

    referred = iter(_shuffled_cases(rng, not_referred_to=receiver.pk))

    def refer():
        case_services.referral_create(
            actor=staff, case=Case(pk=next(referred)), to_agency=receiver, kind="ngo_mentoring", reason="Pendampingan"
        )

    timed("refer a case to an NGO", refer, lambda: floor.refer(next(referred), receiver.pk), refer)

    # Disbursements: installments nobody asked for yet, in random order; then approve what was asked.
    open_installments = list(
        Installment.objects.exclude(disbursements__status__in=Disbursement.LIVE).values_list("pk", flat=True)
    )
    rng.shuffle(open_installments)
    installments = iter(open_installments)
    requested_ours, requested_floor = [], []

    def request_ours():
        requested_ours.append(
            funding_services.disbursement_request(actor=staff, installment=Installment(pk=next(installments))).pk
        )

    timed(
        "request a disbursement",
        request_ours,
        lambda: requested_floor.append(floor.request(next(installments))),
        request_ours,
    )
    # The approver decides on requests in random order, ours on the service's, the floor on its own.
    rng.shuffle(requested_ours)
    rng.shuffle(requested_floor)
    to_approve, to_approve_floor = iter(requested_ours), iter(requested_floor)

    def approve():
        funding_services.disbursement_approve(actor=approver, disbursement=Disbursement(pk=next(to_approve)))

    timed("approve a disbursement", approve, lambda: floor.approve(next(to_approve_floor)), approve)
    return results


# Concurrent enrollment: each process its own connection, calling the real service (or the floor) until time is up.


def _worker(kind, seeded_pks, batch_ids, cases, start_at, seconds, out):
    from django.db import connections

    connections.close_all()  # a connection of its own, never the parent's socket
    from agencies.models import User
    from cases.models import Case
    from programs import services as program_services
    from programs.models import Batch

    staff = User.objects.get(pk=seeded_pks["staff"])
    floor = Floor({"office": _Pk(seeded_pks["office"]), "staff": staff})
    batches = [Batch(pk=pk) for pk in batch_ids]
    rng = random.Random(hash((kind, cases[0] if cases else 0)))  # noqa: S311
    done = 0
    cases = list(cases)
    if cases:  # one call before the clock starts: a process's first call reads its grants and builds its rules
        warm = cases.pop()
        if kind == "ours":
            program_services.enrollment_create(actor=staff, batch=batches[0], case=Case(pk=warm))
        else:
            floor.enroll(batches[0].pk, warm)
    time.sleep(max(0.0, start_at - time.time()))
    stop = start_at + seconds
    for case_id in cases:
        if time.time() >= stop:
            break
        batch = batches[rng.randrange(len(batches))]
        if kind == "ours":
            program_services.enrollment_create(actor=staff, batch=batch, case=Case(pk=case_id))
        else:
            floor.enroll(batch.pk, case_id)
        done += 1
    out.put(done)
    connections.close_all()


class _Pk:
    def __init__(self, pk):
        self.pk = pk


def _throughput(seeded: dict, args, rng: random.Random) -> list[Result]:
    from django.db import connections

    context = multiprocessing.get_context("fork")
    pool = _shuffled_cases(rng)
    seeded_pks = {"staff": seeded["staff"].pk, "office": seeded["office"].pk}
    results, curves = [], {}
    for spread in (1, 20):
        for processes in (1, 2, 4, 8):
            for kind in ("ours", "floor"):
                batch_ids = _new_batches(spread)
                # Each process its own random cases: no two calls of a run enroll one case into one batch.
                share = len(pool) // processes
                connections.close_all()
                out = context.Queue()
                start_at = time.time() + 2.5  # every process connected and warm before the clock starts
                workers = [
                    context.Process(
                        target=_worker,
                        args=(
                            kind,
                            seeded_pks,
                            batch_ids,
                            pool[p * share : (p + 1) * share],
                            start_at,
                            args.services_seconds,
                            out,
                        ),
                    )
                    for p in range(processes)
                ]
                for w in workers:
                    w.start()
                done = sum(out.get() for _ in workers)
                for w in workers:
                    w.join()
                curves[(spread, processes, kind)] = done / args.services_seconds
                rng.shuffle(pool)
    print("\nEnrolling at once (calls/s): processes → ours | floor | ours/floor")
    for spread in (1, 20):
        label = "into 1 batch" if spread == 1 else "into 20 batches"
        for processes in (1, 2, 4, 8):
            ours, floor = curves[(spread, processes, "ours")], curves[(spread, processes, "floor")]
            print(f"  {label:<16} {processes} → {ours:8.1f} | {floor:8.1f} | {ours / floor:5.2f}")
            results.append(
                Result(
                    f"services: enroll {label}, {processes} process{'es' if processes > 1 else ''} (calls/s)",
                    ours,
                    floor,
                    "grows as the floor; ≥ 1 process's",
                )
            )
        single = curves[(spread, 1, "ours")]
        worst = min(curves[(spread, p, "ours")] for p in (2, 4, 8))
        print(f"  {label}: ours never below one process's: {worst >= single * 0.95} ({worst:.1f} vs {single:.1f})")
    return results


def measure(seeded: dict, args) -> list[Result]:
    rng = random.Random()  # noqa: S311 (random case order, nothing secret)
    floor = Floor(seeded)
    results = _single_calls(seeded, args, floor, rng)
    results += _throughput(seeded, args, rng)
    return results
