"""The `home` section of bench/api.py: the admin home's "Pekerjaan saya" of a district officer (issue 16), in-process
through the whole middleware stack, against a raw-SQL floor that shows the same counts.

Seeded on top of the base seed, as a district's working day leaves it: the officer is the caseworker of a few
hundred open cases; follow-up visits of a fifth of all enrollments nationally (30, 90 and 180 days after their
end, visited or not, some overdue), referrals waiting for the office and answers to its own, possible duplicates to
review, a running batch whose sessions the office delivers this week, batches about to start and a waiting list.

The floor (`floor_home`, under /floor/admin/home/) counts the same lines in one hand-written statement — each a
bounded `count(*)` over at most 101 rows, as ours — with the district officer's scope written out by hand (cases the
office owns or accepted on referral; referrals it sent or received), lists the week's sessions, and draws the same
text: section titles, labels, counts ("100+" above 100), totals, and the menu. Before timing, `measure` checks that
the floor's text equals ours.
"""

import datetime
import functools
import html
import random
import re
import time
import zoneinfo

from django.urls import path

MARK = "Bench: pekerjaan kantor"
CASELOAD = 400
STAGES = ("registered", "assessed", "planned", "in_intervention", "reintegration", "aftercare")


def seed(seeded: dict, args) -> bool:
    """The officer's caseload and the office's due work, unless an earlier run seeded them."""
    from django.db import connection, transaction

    from cases.models import Referral

    if Referral.objects.filter(reason=MARK).exists():
        return False
    started = time.perf_counter()
    office, ngo, staff = seeded["office"].pk, seeded["ngo"].pk, seeded["staff"].pk
    rng = random.Random(16)  # noqa: S311 (seeding, not secrets)
    with transaction.atomic(), connection.cursor() as cursor:
        # The officer works CASELOAD open cases of the office, in every stage but closed.
        cursor.execute(
            "UPDATE cases_case SET caseworker_id = %s, stage = (%s::text[])[1 + floor(random() * 6)::int]"
            " WHERE id IN (SELECT id FROM cases_case WHERE owner_id = %s AND stage <> 'closed'"
            " ORDER BY random() LIMIT %s)",
            [staff, list(STAGES), office, CASELOAD],
        )
        # Follow-up visits of a fifth of all enrollments, due from half a year ago to half a year on; those due
        # before today mostly visited (four in five), a few left undone: the overdue.
        cursor.execute(
            "INSERT INTO programs_followup (case_id, enrollment_id, offset_days, due_on, done_on, created_at,"
            " updated_at) SELECT e.case_id, e.id, o.days, d.due_on,"
            " CASE WHEN d.due_on < current_date AND random() < 0.8 THEN d.due_on + floor(random() * 10)::int END,"
            " now(), now()"
            " FROM programs_enrollment e CROSS JOIN (VALUES (30), (90), (180)) o(days)"
            " CROSS JOIN LATERAL (SELECT current_date + floor(random() * 360 - 180)::int + 0 * o.days AS due_on) d"
            " WHERE random() < 0.2 ON CONFLICT DO NOTHING",
        )
        # Referrals: waiting for the office (a quarter of them repatriations), answered to it this week, and a
        # national history of answered ones.
        kinds = ["repatriation" if n % 4 == 0 else "ngo_mentoring" for n in range(60)]
        # They come from a neighbouring district, which owns a few thousand cases of its own.
        neighbour = _neighbour(seeded).pk
        cursor.execute(
            "UPDATE cases_case SET owner_id = %s WHERE id IN (SELECT id FROM cases_case WHERE owner_id = %s"
            " AND caseworker_id IS DISTINCT FROM %s AND stage <> 'closed' ORDER BY random() LIMIT 6000)",
            [neighbour, office, staff],
        )
        cases = _some_cases(cursor, "owner_id = %s", [neighbour], 60 + 5000, rng)
        for case, kind in zip(cases[:60], kinds, strict=True):
            cursor.execute(
                "INSERT INTO cases_referral (case_id, kind, reason, status, decline_reason, from_agency_id,"
                " to_agency_id, created_at, updated_at) VALUES (%s, %s, %s, 'pending', '',"
                " (SELECT owner_id FROM cases_case WHERE id = %s), %s, now() - interval '2 days', now())",
                [case, kind, MARK, case, office],
            )
        cursor.execute(
            "INSERT INTO cases_referral (case_id, kind, reason, status, decline_reason, from_agency_id,"
            " to_agency_id, decided_at, created_at, updated_at)"
            " SELECT c.id, 'ngo_mentoring', %s, CASE WHEN c.id %% 10 < 7 THEN 'accepted' ELSE 'declined' END,"
            " CASE WHEN c.id %% 10 < 7 THEN '' ELSE 'Kuota penuh' END,"
            " c.owner_id, %s, now() - interval '200 days', now() - interval '210 days', now()"
            " FROM cases_case c WHERE c.id = ANY(%s)",
            [MARK, ngo, cases[60:]],
        )
        for case in _some_cases(cursor, "owner_id = %s", [office], 25, rng):
            cursor.execute(
                "INSERT INTO cases_referral (case_id, kind, reason, status, decline_reason, from_agency_id,"
                " to_agency_id, decided_at, created_at, updated_at) VALUES (%s, 'ngo_mentoring', %s, %s, %s, %s,"
                " %s, now() - interval '3 days', now() - interval '9 days', now())",
                [case, MARK, *rng.choice([("accepted", ""), ("declined", "Kuota penuh")]), office, ngo],
            )
        # Possible duplicates: forty waiting for review among the office's people, two thousand reviewed.
        for status, count in (("open", 40), ("dismissed", 2000)):
            people = _some_people(cursor, office, count * 2, rng)
            for person, similar in zip(people[::2], people[1::2], strict=False):
                cursor.execute(
                    "INSERT INTO cases_possibleduplicate (score, status, created_at, person_id, similar_to_id)"
                    " VALUES (%s, %s, now(), %s, %s) ON CONFLICT DO NOTHING",
                    [rng.randint(70, 99), status, person, similar],
                )
    _seed_batches(seeded, rng)
    from bench import seeding

    seeding.vacuum_analyze()
    print(f"Seeded the district's due work (home) in {time.perf_counter() - started:.1f} s")
    return True


def _neighbour(seeded: dict):
    from agencies.models import Agency, Region

    from .admin import JEMBER

    return Agency.objects.get_or_create(
        name=JEMBER, defaults={"kind": "social_service_district", "region": Region.objects.get(code="35.09")}
    )[0]


def _some_cases(cursor, where: str, params: list, count: int, rng) -> list[int]:
    cursor.execute(f"SELECT max(id) FROM cases_case WHERE {where}", params)  # noqa: S608 (our own condition)
    (top,) = cursor.fetchone()
    cursor.execute(
        f"SELECT id FROM cases_case WHERE {where} AND stage <> 'closed' AND id >= %s ORDER BY id LIMIT %s",  # noqa: S608
        [*params, rng.randint(1, max(top - count * 50, 1)) if count * 50 < top else 1, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _some_people(cursor, office: int, count: int, rng) -> list[int]:
    return [
        row[0]
        for row in _rows(
            cursor,
            "SELECT person_id FROM cases_case WHERE owner_id = %s AND id >= %s ORDER BY id LIMIT %s",
            [office, rng.randint(1, 500_000), count],
        )
    ]


def _rows(cursor, sql, params):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _seed_batches(seeded: dict, rng) -> None:
    """A program of the office with a batch running this week (sessions the office and the police deliver), two
    batches starting within the notice days and a waiting list."""
    from django.db import connection

    from agencies.models import Agency, Region
    from programs.models import Batch, Program, Session

    office = seeded["office"]
    police, _ = Agency.objects.get_or_create(
        name="Polres Bench", defaults={"kind": Agency.Kind.POLICE, "region": office.region}
    )
    program = Program.objects.create(
        name="Pelatihan Keterampilan Kantor",
        kind=Program.Kind.SKILLS_TRAINING,
        fiscal_year=datetime.date.today().year,
        organizer=office,
        region=Region.objects.get(code=office.region_id),
    )
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    running = Batch.objects.create(
        program=program,
        number=1,
        starts_on=monday,
        ends_on=monday + datetime.timedelta(days=4),
        venue="Aula Dinsos",
        capacity=30,
        enrolled_count=30,
        status=Batch.Status.RUNNING,
    )
    topics = ["sewing", "cooking_baking", "entrepreneurship", "spiritual_guidance", "public_order"]
    for day, topic in enumerate(topics):
        Session.objects.create(
            batch=running,
            date=monday + datetime.timedelta(days=day),
            topic=topic,
            delivering_agency=police if topic == "public_order" else office,
        )
    for number, days in ((2, 3), (3, 6)):
        Batch.objects.create(
            program=program,
            number=number,
            starts_on=today + datetime.timedelta(days=days),
            ends_on=today + datetime.timedelta(days=days + 4),
            venue="Aula Dinsos",
            capacity=30,
            status=Batch.Status.PLANNED,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO programs_enrollment (status, starts_on, ends_on, created_at, updated_at, batch_id, case_id)"
            " SELECT CASE WHEN n <= 30 THEN 'enrolled' ELSE 'waitlisted' END, %s, %s, now(), now(), %s, id"
            " FROM (SELECT id, row_number() OVER () AS n FROM cases_case WHERE owner_id = %s AND id >= %s"
            " ORDER BY id LIMIT 42) c",
            [running.starts_on, running.ends_on, running.pk, office.pk, rng.randint(1, 400_000)],
        )


# The floor: the same lines counted in one hand-written statement, drawn as the same text


def _visible_case(alias: str) -> str:
    """District staff's cases (cases.access_rules.owned_or_referred): the office's own, and those referred to it,
    accepted, while the person's consent to share with it holds."""
    return (
        f"({alias}.owner_id = %(office)s OR {alias}.id IN (SELECT r.case_id FROM cases_referral r"
        " JOIN cases_case k ON k.id = r.case_id WHERE r.to_agency_id = %(office)s AND r.status = 'accepted'"
        " AND EXISTS (SELECT 1 FROM cases_consent s WHERE s.person_id = k.person_id AND s.agency_id = r.to_agency_id"
        " AND s.purpose = 'sharing' AND s.given_on <= current_date"
        " AND (s.withdrawn_on IS NULL OR s.withdrawn_on > current_date))))"
    )


def _bounded(rows: str) -> str:
    return f"(SELECT count(*) FROM ({rows} LIMIT 101) x)"


_OPEN_VISITS = (
    "SELECT 1 FROM programs_followup f JOIN cases_case c ON c.id = f.case_id"
    f" WHERE f.done_on IS NULL AND c.stage <> 'closed' AND {_visible_case('c')}"
)
_MINE = (
    " AND (f.caseworker_id = %(user)s OR (f.caseworker_id IS NULL"
    " AND f.case_id = ANY(ARRAY(SELECT k.id FROM cases_case k WHERE k.caseworker_id = %(user)s))))"
)
_COUNTS = [
    ("visits", "overdue", _OPEN_VISITS + _MINE + " AND f.due_on < %(today)s"),
    ("visits", "due", _OPEN_VISITS + _MINE + " AND f.due_on >= %(today)s AND f.due_on <= %(due_until)s"),
    ("visits", "escalated", _OPEN_VISITS + " AND f.due_on < %(escalated_before)s AND c.owner_id = %(office)s"),
    (
        "waiting",
        "referrals",
        "SELECT 1 FROM cases_referral r WHERE r.status = 'pending' AND r.to_agency_id = %(office)s",
    ),
    (
        "waiting",
        "repatriations",
        "SELECT 1 FROM cases_referral r WHERE r.status = 'pending' AND r.to_agency_id = %(office)s"
        " AND r.kind = 'repatriation'",
    ),
    (
        "waiting",
        "answers",
        "SELECT 1 FROM cases_referral r WHERE r.from_agency_id = %(office)s AND r.decided_at >= %(answers_since)s",
    ),
    (
        "waiting",
        "duplicates",
        "SELECT 1 FROM cases_possibleduplicate d WHERE d.status = 'open'"
        f" AND d.person_id IN (SELECT c.person_id FROM cases_case c WHERE {_visible_case('c')})",
    ),
    (
        "sessions",
        "starting",
        "SELECT 1 FROM programs_batch b JOIN programs_program p ON p.id = b.program_id"
        " WHERE b.status NOT IN ('cancelled', 'finished') AND b.starts_on > %(today)s"
        " AND b.starts_on <= %(notice_until)s AND (p.organizer_id = %(office)s"
        " OR b.id IN (SELECT s.batch_id FROM programs_session s WHERE s.delivering_agency_id = %(office)s))",
    ),
    (
        "sessions",
        "waitlisted",
        "SELECT 1 FROM programs_enrollment e JOIN programs_batch b ON b.id = e.batch_id"
        " JOIN programs_program p ON p.id = b.program_id WHERE e.status = 'waitlisted'"
        " AND (p.organizer_id = %(office)s"
        f" OR e.case_id IN (SELECT c.id FROM cases_case c WHERE {_visible_case('c')}))",
    ),
    *(
        (
            "mine",
            stage,
            f"SELECT 1 FROM cases_case c WHERE c.caseworker_id = %(user)s AND c.stage = '{stage}'"
            f" AND {_visible_case('c')}",
        )
        for stage in STAGES
    ),
]
_COUNT_SQL = "SELECT " + ", ".join(_bounded(rows) for _section, _line, rows in _COUNTS)
_SESSIONS_SQL = (
    "SELECT s.date, s.topic, p.name, b.number, s.id, b.id FROM programs_session s"
    " JOIN programs_batch b ON b.id = s.batch_id JOIN programs_program p ON p.id = b.program_id"
    " WHERE s.delivering_agency_id = %(office)s AND s.date >= %(monday)s AND s.date <= %(sunday)s"
    " AND b.status <> 'cancelled' ORDER BY s.date, s.id LIMIT 13"
)
# The menu beside the work is the same words for every district officer: the floor writes the one it was given.
MENU = {"html": ""}


@functools.cache
def _home_words() -> dict:
    """The labels the home shows, in the installation's language, made once per process."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR

    from cases import work as case_work
    from cases.models import Case
    from programs import due as program_due
    from programs import work as program_work
    from programs.models import Session

    with translation.override(settings.LANGUAGE_CODE):
        t = translation.gettext
        return {
            "sections": {
                "visits": str(program_work.VISITS),
                "waiting": str(case_work.WAITING),
                "sessions": str(program_work.SESSIONS),
                "mine": str(case_work.MY_CASES),
            },
            "labels": {
                "overdue": t("Overdue"),
                "due": t("Due within %(days)d days") % {"days": program_due.due_within()},
                "escalated": t("Escalated to me: overdue more than %(days)d days")
                % {"days": program_due.escalation_after()},
                "referrals": t("Referrals waiting for my office"),
                "repatriations": t("Repatriations to accept"),
                "answers": t("Answers to my office's referrals, past 7 days"),
                "duplicates": t("Possible duplicates to review"),
                "starting": t("Batches starting within %(days)d days") % {"days": program_due.batch_notice_days()},
                "waitlisted": t("People on a waiting list"),
                **{stage: str(label) for stage, label in Case.Stage.choices},
                "today": t("My agency's sessions today"),
                "week": t("My agency's other sessions this week"),
            },
            # "today" is always shown to partner trainers only.
            "always": {"overdue", "due", "referrals", "repatriations"},
            "topics": {value: str(label) for value, label in Session.Topic.choices},
            "session": t("%(topic)s · %(program)s, batch %(number)s"),
            "record": t("Record attendance"),
            "title": t("My work"),
            "days": [str(WEEKDAYS_ABBR[day]) for day in range(7)],
            "months": ["", *(str(MONTHS_3[month]).title() for month in range(1, 13))],
        }


def floor_home(request):
    """The district officer's home: `?office=&user=` (their office and account)."""
    from django.conf import settings
    from django.db import connection
    from django.http import HttpResponse
    from django.utils import timezone

    w = _home_words()
    office, user = int(request.GET["office"]), int(request.GET["user"])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.time_zone FROM agencies_agency a JOIN agencies_region r ON r.code = a.region_id WHERE a.id = %s",
            [office],
        )
        today = now.astimezone(zoneinfo.ZoneInfo(cursor.fetchone()[0] or settings.TIME_ZONE)).date()
        monday = today - datetime.timedelta(days=today.weekday())
        params = {
            "office": office,
            "user": user,
            "today": today,
            "due_until": today + datetime.timedelta(days=7),
            "escalated_before": today - datetime.timedelta(days=14),
            "notice_until": today + datetime.timedelta(days=3),
            "answers_since": now - datetime.timedelta(days=7),
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
        }
        cursor.execute(_COUNT_SQL, params)
        counts = dict(zip((line for _section, line, _rows in _COUNTS), cursor.fetchone(), strict=True))
        cursor.execute(_SESSIONS_SQL, params)
        sessions = cursor.fetchall()
    shown, more = sessions[:12], len(sessions) > 12
    todays = [s for s in shown if s[0] == today]
    others = [s for s in shown if s[0] != today]
    sections: dict[str, list[str]] = {}

    def line(section, key, count, shown_count, rows=(), url="#"):
        if not (count or rows or key in w["always"]):
            return
        items = "".join(
            f'<li><span class="when">{w["days"][day.weekday()]} {day.day} {w["months"][day.month]}</span>'
            f' <span class="text">{html.escape(w["session"] % {"topic": w["topics"][topic], "program": name, "number": number})}</span>'  # noqa: E501
            f' <a class="button" href="/admin/programs/batch/{batch}/attendance/?session={pk}">{w["record"]}</a></li>'
            for day, topic, name, number, pk, batch in rows
        )
        sections.setdefault(section, []).append(
            f'<li><a class="work-count" href="{url}"><span class="number">{shown_count}</span>'
            f' <span class="label">{html.escape(w["labels"][key])}</span></a>'
            + (f'<ul class="work-rows">{items}</ul>' if items else "")
            + "</li>"
        )

    def counted(key) -> str:
        return "100+" if counts[key] > 100 else str(counts[key])

    for section, key, _rows in _COUNTS[:7]:
        line(section, key, counts[key], counted(key))
    line("sessions", "today", len(todays), f"{len(todays)}+" if more and len(todays) == 12 else len(todays), todays)
    line("sessions", "week", len(others), f"{len(others)}+" if more else len(others), others)
    for section, key, _rows in _COUNTS[7:]:
        line(section, key, counts[key], counted(key))
    body = "".join(
        f'<div class="module"><h2>{html.escape(w["sections"][section])}</h2>'
        f'<ul class="work-lines">{"".join(lines)}</ul></div>'
        for section, lines in sections.items()
    )
    return HttpResponse(
        f'<!doctype html><html><body><section id="my-work"><h2>{html.escape(w["title"])}</h2>{body}</section>'
        f"{MENU['html']}</body></html>"
    )


def home_text(page: bytes) -> str:
    """What a person reads in the home's work (section titles, counts, labels, sessions): tags dropped."""
    found = re.search(r'<section id="my-work".*?</section>', page.decode(), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split()) if found else ""


def menu_of(page: bytes) -> str:
    found = re.search(r'<div id="content-main">.*?</div>\s*</div>', page.decode(), re.S)
    return found.group(0) if found else ""


urlpatterns = [path("home/", floor_home)]


def measure(seeded: dict, args) -> list:
    from django.test import Client

    from bench.common import Result, paired_medians, sign_in, statements

    office, staff = seeded["office"], seeded["staff"]
    ours_client, floor = Client(), Client()
    sign_in(ours_client, staff)
    floor_url = f"/floor/admin/home/?office={office.pk}&user={staff.pk}"

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    ours_page = ours_client.get("/admin/").content
    MENU["html"] = menu_of(ours_page)
    ours_text, floor_text = home_text(ours_page), home_text(floor.get(floor_url).content)
    if not ours_text or ours_text != floor_text:
        raise SystemExit(f"The home's floor does not show what our home shows:\n{ours_text}\n{floor_text}")
    print(f"The district officer's home reads: {ours_text}")
    ours, floor_ms = paired_medians(get(ours_client, "/admin/"), get(floor, floor_url), args.admin_repeat)
    return [Result("admin: home, district staff (ms)", ours, floor_ms, "≤ 3×", statements(get(ours_client, "/admin/")))]
