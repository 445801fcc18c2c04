"""The write path of issue 6, the `intake` section of bench/api.py (which seeds the database and calls `measure`):

- one intake POST (with an Idempotency-Key, and without): its SQL statements, each listed when BENCH_VERBOSE=1.
  Issue 6 allowed 12. A key adds its lock and lookup, the stored reply's INSERT and, since both now commit with
  the intake (issue 13), the SAVEPOINT and RELEASE of the intake's transaction nested in the request's: 4 more;
- bulk intake of --bulk-rows rows in calls of 1,000 through the API in-process, with everything a pendataan sheet
  carries (NIK, phone, birth date, home region) so that every check runs: NIK shape and known NIKs by nik_hash,
  external-id replay, look-alikes by name, home region and birth year;
- its floor: COPY of the same rows (already rendered, NIK and phone already encrypted) into the same tables
  (persons, their target groups, cases, first stages), one transaction per 1,000 rows as the API calls are;
- what Fernet costs for those rows on its own, since every NIK and phone is encrypted per row.

    BENCH_DB=rehab_bench_w .venv/bin/python bench/api.py --sections intake --cases 100000 --enrollments 0
"""

import csv
import datetime
import io
import itertools
import os
import time
import uuid

from bench.common import Result

FIRST = ["Siti", "Sri", "Dewi", "Ani", "Rina", "Wati", "Endang", "Yuni", "Lilis", "Nur", "Ratna", "Tri", "Eka", "Ayu"]
MIDDLE = ["", "Ayu", "Dwi", "Nur", "Puji", "Tutik", "Indah", "Sari", "Rahayu", "Wulan", "Kartika", "Lestari"]
LAST = ["Aminah", "Lestari", "Wahyuni", "Handayani", "Susanti", "Rahmawati", "Purwanti", "Safitri", "Yuliana"]
CALL_ROWS = 1000


def _sheet(count: int, regions: list[str]) -> list[dict]:
    """Rows as an NGO's pendataan sheet has them; names repeat the way real ones do, so look-alikes are found."""
    names = [" ".join(filter(None, parts)) for parts in itertools.product(FIRST, MIDDLE, LAST)]
    tag = uuid.uuid4().int % 90 + 10  # NIKs of this run differ from an earlier run's on the same database
    rows = []
    for i in range(count):
        born = datetime.date(1965, 1, 1) + datetime.timedelta(days=(i * 7919) % 14600)
        # 35.10 (Banyuwangi), a kecamatan, the birth date (day + 40 for a woman), a serial: a NIK that checks out.
        nik = f"3510{tag:02d}{born.day + 40:02d}{born.month:02d}{born.year % 100:02d}{i % 10000:04d}"
        rows.append(
            {
                "external_id": f"bench-{uuid.uuid4().hex[:16]}",
                "full_name": names[(i * 31) % len(names)],
                "sex": "F",
                "nik": nik if i < 90_000 else "",
                "birth_date": born.isoformat(),
                "phone": f"0812{i:08d}",
                "home_region": regions[i % len(regions)],
                "target_group": 10,
            }
        )
    return rows


def _single_intake(client, connection, verbose: bool) -> list:
    from django.test.utils import CaptureQueriesContext

    results = []
    body = {"full_name": "Sri Rahayu", "sex": "F", "target_group": 10, "home_region": "35.10"}
    client.post("/api/v1/intake/", body, content_type="application/json")  # warm up
    keyed = {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}
    for label, headers, target in (("", {}, "≤ 12"), (", Idempotency-Key", keyed, "≤ 13 (plain + 4)")):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/intake/", {**body, "full_name": "Dewi"}, content_type="application/json", **headers
            )
        assert response.status_code == 201, response.content
        results.append(Result(f"single intake POST{label} (SQL statements)", len(queries), None, target))
        if verbose:
            print(f"\nSingle intake{label}:")
            for n, query in enumerate(queries.captured_queries, 1):
                print(f"  {n:2d}. {query['sql'][:150]}")
    return results


def _floor(rows: list[dict], ngo, owner) -> tuple[float, float]:
    """Seconds to COPY `rows` as stored into persons, target groups, cases and first stages; and seconds that
    encrypting their NIKs and phones took (done before the timed part, as an upload would arrive)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.encryption import cipher, keyed_hash

    now = timezone.now().isoformat()
    started = time.perf_counter()
    # The same rows, but NIKs of their own (a province code no NIK has) so that the unique index accepts them.
    niks = ["99" + r["nik"][2:] for r in rows]
    secret = [
        (cipher().encrypt(nik.encode()).decode(), cipher().encrypt(r["phone"].encode()).decode())
        for nik, r in zip(niks, rows, strict=True)
    ]
    fernet = time.perf_counter() - started
    hashes = [keyed_hash("nik", nik) for nik in niks]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('cases_person', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        person_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('cases_case', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        case_ids = [row[0] for row in cursor.fetchall()]

    def rendered(lines) -> io.StringIO:
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(lines)  # quoted: "" is an empty string, not NULL
        buffer.seek(0)
        return buffer

    chunks = []
    for start in range(0, len(rows), CALL_ROWS):
        part = range(start, min(start + CALL_ROWS, len(rows)))
        chunks.append(
            (
                rendered(
                    [
                        person_ids[i],
                        rows[i]["full_name"],
                        "",
                        secret[i][0],
                        hashes[i],
                        rows[i]["birth_date"],
                        rows[i]["birth_date"][:4],
                        "F",
                        secret[i][1],
                        rows[i]["home_region"],
                        "",
                        now,
                        now,
                    ]
                    for i in part
                ),
                rendered([person_ids[i], 10] for i in part),
                rendered(
                    [
                        case_ids[i],
                        f"FLOOR-{uuid.uuid4().hex[:14]}",
                        rows[i]["external_id"] + "-f",
                        person_ids[i],
                        owner.pk,
                        ngo.pk,
                        10,
                        "registered",
                        "",
                        now,
                        now,
                        now,
                    ]
                    for i in part
                ),
                rendered([case_ids[i], "", "registered", "", now] for i in part),
            )
        )
    copies = [
        "COPY cases_person (id, full_name, known_as, nik, nik_hash, birth_date, birth_year, sex, phone,"
        " home_region_id, address, created_at, updated_at) FROM STDIN WITH (FORMAT csv)",
        "COPY cases_person_target_groups (person_id, targetgroup_id) FROM STDIN WITH (FORMAT csv)",
        "COPY cases_case (id, number, external_id, person_id, owner_id, registered_by_id, target_group_id, stage,"
        " close_reason, stage_changed_at, created_at, updated_at) FROM STDIN WITH (FORMAT csv)",
        "COPY cases_stagechange (case_id, from_stage, to_stage, reason, changed_at) FROM STDIN WITH (FORMAT csv)",
    ]
    started = time.perf_counter()
    for chunk in chunks:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, buffer in zip(copies, chunk, strict=True):
                cursor.cursor.copy_expert(sql, buffer)
    return time.perf_counter() - started, fernet


def measure(seeded: dict, args) -> list:
    from django.db import connection
    from django.test import Client

    from agencies.models import Region
    from cases.models import Case, PossibleDuplicate

    client = Client(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    results = _single_intake(client, connection, bool(os.environ.get("BENCH_VERBOSE")))

    regions = list(Region.objects.filter(code__regex=r"^35\.\d\d$").values_list("code", flat=True)) or ["35.10"]
    rows = _sheet(args.bulk_rows, regions)
    before, flagged = Case.objects.count(), PossibleDuplicate.objects.count()
    started = time.perf_counter()
    for start in range(0, len(rows), CALL_ROWS):
        response = client.post(
            "/api/v1/intake/batch/", {"rows": rows[start : start + CALL_ROWS]}, content_type="application/json"
        )
        assert response.status_code == 200, response.content[:500]
    ours = time.perf_counter() - started
    created = Case.objects.count() - before
    assert created == len(rows), f"{created} of {len(rows)} rows created"
    flagged = PossibleDuplicate.objects.count() - flagged

    replay_started = time.perf_counter()
    response = client.post("/api/v1/intake/batch/", {"rows": rows[:CALL_ROWS]}, content_type="application/json")
    replay = time.perf_counter() - replay_started
    assert response.json()["duplicates"] == min(CALL_ROWS, len(rows))

    floor, fernet = _floor(rows, seeded["ngo"], seeded["office"])
    print(
        f"\nBulk intake: {created:,} rows created in {ours:.2f} s, {flagged:,} look-alikes flagged; resending "
        f"{min(CALL_ROWS, len(rows)):,} rows took {replay:.2f} s (all duplicates). COPY floor {floor:.2f} s. "
        f"Fernet alone for {2 * len(rows):,} NIKs and phones: {fernet:.2f} s ({fernet / ours:.0%} of ours)."
    )
    results.append(Result("bulk intake (rows/s)", len(rows) / ours, None, "≥ 2,000 rows/s"))
    results.append(Result("bulk intake vs COPY of the same rows (s)", ours, floor, "≤ 5×"))
    return results
