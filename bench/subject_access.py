"""The `subject` section of bench/api.py: a subject-access bundle (issue 18 item 7) for a person with a full history
at 1,000,000 cases, end to end, against a floor that reads the same rows by raw SQL.

Seeded on top of the base seed, the admin section's access log (10 rows a case: 10,000,000) and the casefile
section's long histories (two years of notes, assessments, consents, referrals, four batches with attendance,
follow-up visits, a living allowance and a grant with their payments), all of which this section seeds when they
are missing. Her own trail is then made long: SUBJECT_LOG_ROWS more access-log rows about her case, her person and
her notes (reads by the office, the NGO's app and the province, over two years), so the bundle's trail has
thousands of rows to find among ten million.

Ours: cases.services.subject_access_bundle_build as the province's data-protection officer would press "Susun
berkas": every section read (the bundle's own reads and the programs' and funding's sources), her trail, the
black-out of other persons' names, the PDF (reportlab) and the JSON written, both encrypted to disk, the export rows
and the audit rows. Target: within one minute (the issue).

Floor: the same rows by raw SQL, the reads alone (no formatting, no PDF, no files): the person, her cases, each
section's rows, and her trail's events with the names they show. The ratio says what the bundle costs over reading.
"""

import datetime
import statistics
import time

from bench.common import Result, statements

SUBJECT_LOG_ROWS = 5_000
SUBJECT_MARK = "bench-subject"
REPEAT = 3
OFFICER = "bench-dpo"


def add_arguments(parser) -> None:
    parser.add_argument("--subject-repeat", type=int, default=REPEAT, help="timed bundles (subject section)")


def seed(seeded: dict, args) -> bool:
    """The admin section's access log, the casefile section's long histories, then her long trail."""
    from bench import admin, casefile

    wrote = admin.seed(seeded, args)
    wrote = casefile.seed(seeded, args) or wrote
    return _seed_her_trail(seeded) or wrote


def _her_case():
    from django.db.models import Count

    from cases.models import Case

    return (
        Case.objects.filter(external_id__startswith="BL-")
        .annotate(n=Count("notes"))
        .order_by("-n", "pk")
        .select_related("person")
        .first()
    )


def _seed_her_trail(seeded: dict) -> bool:
    import random

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from agencies.models import Agency, AuditEvent, User
    from bench import seeding
    from cases.models import Case, CaseNote, Person

    if AuditEvent.objects.filter(data__bench=SUBJECT_MARK).exists():
        return False
    case = _her_case()
    office, ngo = seeded["office"], seeded["ngo"]
    province = Agency.objects.get(name="Dinas Sosial Provinsi Jawa Timur")
    users = dict(User.objects.filter(username__startswith="bench-").values_list("username", "pk"))
    notes = list(CaseNote.objects.filter(case=case).values_list("pk", flat=True))
    ct = {m: ContentType.objects.get_for_model(m).pk for m in (Case, Person, CaseNote)}
    rng = random.Random(18)  # noqa: S311 (seeding, not secrets)
    start = timezone.now() - datetime.timedelta(days=730)
    kinds = [
        ("cases.case.viewed", users["bench-staff"], office.pk, Case, case.pk),
        ("cases.person.viewed", users["bench-staff"], office.pk, Person, case.person_id),
        ("cases.case.viewed", users["bench-cw-1"], ngo.pk, Case, case.pk),
        ("cases.case.viewed", users["bench-province"], province.pk, Case, case.pk),
        ("cases.case.stage_changed", users["bench-staff"], office.pk, Case, case.pk),
    ]
    lines = []
    for i in range(SUBJECT_LOG_ROWS):
        action, user, acting, model, target = rng.choice(kinds)
        if rng.random() < 0.2 and notes:
            action, model, target = "cases.case_note.added", CaseNote, rng.choice(notes)
        when = (start + datetime.timedelta(days=730) * (i / SUBJECT_LOG_ROWS)).isoformat()
        data = f'{{"bench": "{SUBJECT_MARK}"}}'.replace('"', '""')
        lines.append(f'{when},{user},,{acting},{action},{office.pk},{ct[model]},{target},"{data}"\n')
    columns = ["created_at", "actor_user_id", "actor_api_client_id", "actor_agency_id", "action", "agency_id"]
    with connection.cursor() as cursor:
        seeding.copy(cursor.cursor, "agencies_auditevent", [*columns, "target_type_id", "target_id", "data"], lines)
    print(f"Seeded {SUBJECT_LOG_ROWS:,} access-log rows about one person (case {case.number})")
    return True


def _request(case):
    """Her open request, its identity checked, held by the province's data-protection officer."""
    from django.utils import timezone

    from agencies.models import Agency, Membership, Role, User
    from cases import services
    from cases.models import SubjectAccessRequest

    province = Agency.objects.get(name="Dinas Sosial Provinsi Jawa Timur")
    officer, _ = User.objects.get_or_create(username=OFFICER, defaults={"first_name": "Bench DPO"})
    Membership.objects.get_or_create(user=officer, agency=province, defaults={"role": Role.DATA_PROTECTION_OFFICER})
    request = services.subject_access_request_record(
        actor=officer,
        subject=case.number,
        channel=SubjectAccessRequest.Channel.IN_PERSON,
        received_at=timezone.now(),
    )
    request = services.subject_access_identity_check(
        actor=officer, request=request, method=SubjectAccessRequest.IdentityMethod.CASEWORKER, note="bench"
    )
    return officer, request


# The floor: the same rows by raw SQL, reads only.

FLOOR_SQL = [
    "SELECT * FROM cases_person WHERE id = %(person)s",
    "SELECT g.* FROM cases_person_target_groups pg JOIN cases_targetgroup g ON g.code = pg.targetgroup_id"
    " WHERE pg.person_id = %(person)s",
    "SELECT c.*, o.name, r.name, u.first_name, u.last_name, u.username FROM cases_case c"
    " JOIN agencies_agency o ON o.id = c.owner_id JOIN agencies_agency r ON r.id = c.registered_by_id"
    " LEFT JOIN agencies_user u ON u.id = c.caseworker_id WHERE c.person_id = %(person)s",
    "SELECT s.*, u.username FROM cases_stagechange s LEFT JOIN agencies_user u ON u.id = s.changed_by_id"
    " WHERE s.case_id = ANY(%(cases)s)",
    "SELECT * FROM cases_consent WHERE person_id = %(person)s",
    "SELECT * FROM cases_assessment WHERE case_id = ANY(%(cases)s)",
    "SELECT n.*, u.username, a.name FROM cases_casenote n LEFT JOIN agencies_user u ON u.id = n.author_id"
    " JOIN agencies_agency a ON a.id = n.agency_id WHERE n.case_id = ANY(%(cases)s)",
    "SELECT * FROM cases_referral WHERE case_id = ANY(%(cases)s)",
    "SELECT * FROM cases_transfer WHERE case_id = ANY(%(cases)s)",
    "SELECT e.*, b.number, p.name FROM programs_enrollment e JOIN programs_batch b ON b.id = e.batch_id"
    " JOIN programs_program p ON p.id = b.program_id WHERE e.case_id = ANY(%(cases)s)",
    "SELECT a.*, s.date, s.topic FROM programs_attendance a JOIN programs_session s ON s.id = a.session_id"
    " WHERE a.enrollment_id IN (SELECT id FROM programs_enrollment WHERE case_id = ANY(%(cases)s))",
    "SELECT * FROM programs_followup WHERE case_id = ANY(%(cases)s)",
    "SELECT * FROM programs_outcome WHERE case_id = ANY(%(cases)s)",
    "SELECT * FROM funding_entitlement WHERE case_id = ANY(%(cases)s)",
    "SELECT d.* FROM funding_disbursement d JOIN funding_installment i ON i.id = d.installment_id"
    " JOIN funding_entitlement e ON e.id = i.entitlement_id WHERE e.case_id = ANY(%(cases)s)",
]


def _floor(case, targets) -> None:
    from django.db import connection

    params = {"person": case.person_id, "cases": [case.pk]}
    trail = " OR ".join("(e.target_type_id = %s AND e.target_id = ANY(%s))" for _ in targets)
    trail_params = [value for pair in targets for value in pair]
    with connection.cursor() as cursor:
        for sql in FLOOR_SQL:
            cursor.execute(sql, params)
            cursor.fetchall()
        cursor.execute(
            "SELECT e.created_at, e.action, u.first_name, u.last_name, u.username, c.name, a.name, o.name"  # noqa: S608
            " FROM agencies_auditevent e LEFT JOIN agencies_user u ON u.id = e.actor_user_id"
            " LEFT JOIN agencies_apiclient c ON c.id = e.actor_api_client_id"
            " LEFT JOIN agencies_agency a ON a.id = e.actor_agency_id LEFT JOIN agencies_agency o ON o.id = e.agency_id"
            f" WHERE {trail} ORDER BY e.created_at, e.id",
            trail_params,
        )
        cursor.fetchall()


def _targets(case) -> list[tuple[int, list[str]]]:
    """The (content type, ids) of her rows, as the bundle looks them up in the log."""
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Assessment, Case, CaseNote, Consent, Person, Referral, StageChange
    from funding.models import Disbursement, Entitlement
    from programs.models import Attendance, Enrollment, FollowUp, Outcome

    rows = {
        Person: [case.person_id],
        Case: [case.pk],
        StageChange: StageChange.objects.filter(case=case),
        Consent: Consent.objects.filter(person_id=case.person_id),
        Assessment: Assessment.objects.filter(case=case),
        CaseNote: CaseNote.objects.filter(case=case),
        Referral: Referral.objects.filter(case=case),
        Enrollment: Enrollment.objects.filter(case=case),
        Attendance: Attendance.objects.filter(enrollment__case=case),
        FollowUp: FollowUp.objects.filter(case=case),
        Outcome: Outcome.objects.filter(case=case),
        Entitlement: Entitlement.objects.filter(case=case),
        Disbursement: Disbursement.objects.filter(installment__entitlement__case=case),
    }
    found = []
    for model, ids in rows.items():
        if not isinstance(ids, list):
            ids = list(ids.values_list("pk", flat=True))
        found.append((ContentType.objects.get_for_model(model).pk, [str(pk) for pk in ids]))
    return found


def measure(seeded: dict, args) -> list[Result]:
    import tempfile

    from django.test.utils import override_settings

    from agencies import exports
    from cases import services
    from cases.subject_access import bundle_for

    case = _her_case()
    officer, request = _request(case)
    targets = _targets(case)
    with tempfile.TemporaryDirectory() as directory, override_settings(EXPORT_DIR=directory):
        bundle = bundle_for(officer, request)
        trail_rows = len(bundle.trail.rows)
        data_rows = sum(len(s.rows) for s in bundle.sections)
        ours, floors, gathered = [], [], []
        for _ in range(args.subject_repeat):
            started = time.perf_counter()
            bundle_for(officer, request)
            gathered.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            request = services.subject_access_bundle_build(actor=officer, request=request)
            ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            _floor(case, targets)
            floors.append((time.perf_counter() - started) * 1000)
        pdf_size = (exports.export_dir() / request.bundle_pdf.file_name).stat().st_size
    print(
        f"Subject-access bundle of case {case.number}: {data_rows:,} rows of her data, {trail_rows:,} trail rows "
        f"(among the log's ten million), PDF {pdf_size / 1024:.0f} KiB encrypted"
    )
    return [
        Result(
            f"subject-access bundle, PDF + JSON ({trail_rows:,} trail rows)",
            statistics.median(ours),
            statistics.median(floors),
            target="< 60 s",
        ),
        # The same without the files: what reading and wording her rows and trail costs over reading them.
        Result(
            "subject-access bundle, rows and trail gathered (no files)",
            statistics.median(gathered),
            statistics.median(floors),
            queries=statements(lambda: bundle_for(officer, request)),
        ),
    ]
