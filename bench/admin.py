"""The `admin` section of bench/api.py: the staff's admin pages and the auditors' trail, in-process through the whole
middleware stack (Django's test Client, signed in with force_login), each against a raw-SQL floor for the same rows.

Measured: the case list of district staff and of province staff, the case list searched by a case number (exact and
a prefix), a case page, the auditor's trail, one case's history in the trail, and the trail searched by a user.
Each floor is a plain view (below, under /floor/admin/) running raw SQL for the same rows, behind the same
middleware: no access rule, no access log, no admin, no ORM, no template engine. The list and trail floors are
honest about output: their table's cells read what a person reads on our page for the same rows (dates in the
installation's time zone and the account's language as "4 Des 2026 13.05", stages and actions by their translated
labels, offices, sites, target groups and accounts by their names, each trail row's subject by its case number),
built by hand from the SQL's values and a few tables of words made once per process. Before timing, `measure`
checks that each floor's cells equal ours, row by row. The bare floors of the first bench (raw values in a table:
ISO datetimes, stage codes, ids) are measured too (`[bare floor]` lines), so the change of floor can be read.

It seeds what it needs on top of the base seed: Jawa Timur's province office (35) with a province staff member and
an auditor, a second district office (Jember, 35.09) so that the province spans more than one office, a few
caseworkers, and --log-rows-per-case access-log rows per case by COPY (a realistic mix of actions, actors,
agencies and dates, in time order as a real log is written).

    BENCH_DB=rehab_bench_h3 .venv/bin/python bench/api.py --sections admin --cases 100000 --enrollments 300000
"""

import datetime
import functools
import html
import random
import re
import time
import zoneinfo
from urllib.parse import urlencode

from django.urls import path

from agencies.regions import time_zone_of
from bench import seeding
from bench.common import Result, paired_medians, sign_in, statements
from cases.names import name_key

PROVINCE = "Dinas Sosial Provinsi Jawa Timur"
JEMBER = "Dinas Sosial Kabupaten Jember"
CASEWORKERS = 5


def add_arguments(parser) -> None:
    parser.add_argument("--log-rows-per-case", type=int, default=10, help="access-log rows seeded per case (admin)")
    parser.add_argument("--admin-repeat", type=int, default=40, help="calls of each admin page (admin section)")


# Seeding


def seed(seeded: dict, args) -> bool:
    """The section's agencies, people and access-log rows, unless an earlier run seeded them."""
    from agencies.models import Agency, AuditEvent, Membership, Region, Role, User

    office, ngo = seeded["office"], seeded["ngo"]
    province, _ = Agency.objects.get_or_create(
        name=PROVINCE, defaults={"kind": "social_service_province", "region": Region.objects.get(code="35")}
    )
    jember, _ = Agency.objects.get_or_create(
        name=JEMBER, defaults={"kind": "social_service_district", "region": Region.objects.get(code="35.09")}
    )
    people = {
        "bench-province": (province, Role.PROVINCE_STAFF),
        "bench-auditor": (province, Role.AUDITOR),
        "bench-jember": (jember, Role.DISTRICT_STAFF),
        **{f"bench-cw-{n}": (ngo, Role.NGO_CASEWORKER) for n in range(1, CASEWORKERS + 1)},
    }
    for username, (agency, role) in people.items():
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": username.title()})
        Membership.objects.get_or_create(user=user, agency=agency, defaults={"role": role})
    if AuditEvent.objects.filter(actor_user__username="bench-jember").exists():  # only the seed acts as Jember
        return False
    _seed_log(seeded, args, office, ngo, province, jember)
    return True


def _seed_log(seeded, args, office, ngo, province, jember) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from agencies.models import ApiClient, User
    from cases.models import Case, Person
    from programs.models import Enrollment

    rng = random.Random(15)  # noqa: S311 (seeding, not secrets)
    n_cases = args.cases
    n_enrollments = max(Enrollment.objects.count(), 1)
    total = n_cases * args.log_rows_per_case
    ct = {model: ContentType.objects.get_for_model(model).pk for model in (Case, Person, Enrollment)}
    client = ApiClient.objects.filter(agency=ngo).order_by("id").first()
    users = {u.username: u.pk for u in User.objects.filter(username__startswith="bench-")}
    caseworkers = [users[f"bench-cw-{n}"] for n in range(1, CASEWORKERS + 1)]
    staff, province_staff, jember_staff = users["bench-staff"], users["bench-province"], users["bench-jember"]
    # (share, action, actor kind, target kind): what a working day of a district with an NGO partner leaves.
    mix = [
        (30, "cases.case.read_by_api", "client", "case"),
        (5, "programs.enrollment.read_by_api", "client", "enrollment"),
        (20, "cases.case.viewed", "user", "case"),
        (10, "cases.person.viewed", "user", "person"),
        (12, "cases.case.listed", "user", "list"),
        (5, "cases.case.listed", "client", "list"),
        (8, "cases.case.stage_changed", "user", "case"),
        (5, "cases.case.assigned", "user", "case"),
        (3, "cases.case.viewed", "province", "case"),
        (2, "cases.case.listed", "jember", "list"),
    ]
    weights = [m[0] for m in mix]
    start = timezone.now() - datetime.timedelta(days=730)
    step = datetime.timedelta(days=730) / max(total, 1)

    def rows(first: int, last: int):
        for i in range(first, last):
            _share, action, actor, target = rng.choices(mix, weights)[0]
            case_id = rng.randint(1, n_cases)
            when = (start + step * i).isoformat()
            user, client_id, actor_agency, agency = "", "", office.pk, office.pk
            if actor == "client":
                client_id, actor_agency = client.pk, ngo.pk
            elif actor == "user":
                user = rng.choice([staff, staff, *caseworkers])
                actor_agency = office.pk if user == staff else ngo.pk
            elif actor == "province":
                user, actor_agency = province_staff, province.pk
            else:
                user, actor_agency, agency = jember_staff, jember.pk, jember.pk
            data = '{"bench": true}'
            if target == "list":
                target_type, target_id = ct[Case], '""'  # an empty string, not NULL, in CSV
                agency = actor_agency
                data = '{"bench": true, "count": 100}'
            elif target == "enrollment":
                target_type, target_id = ct[Enrollment], rng.randint(1, n_enrollments)
            else:
                target_type, target_id = ct[Person if target == "person" else Case], case_id
                if action == "cases.case.stage_changed":
                    data = '{"bench": true, "from": "planned", "to": "in_intervention"}'
            data = data.replace('"', '""')
            yield f'{when},{user},{client_id},{actor_agency},{action},{agency},{target_type},{target_id},"{data}"\n'

    columns = [
        "created_at",
        "actor_user_id",
        "actor_api_client_id",
        "actor_agency_id",
        "action",
        "agency_id",
        "target_type_id",
        "target_id",
        "data",
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        chunk = 500_000
        for first in range(0, total, chunk):
            seeding.copy(cursor.cursor, "agencies_auditevent", columns, rows(first, min(first + chunk, total)))
    print(f"Seeded {total:,} access-log rows by COPY in {time.perf_counter() - started:.1f} s")


# The floors: raw SQL for the same rows, a minimal HTML table of the same columns


def _table(rows) -> str:
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<!doctype html><html><body><table>{cells}</table></body></html>"


def _page(sql: str, params) -> "HttpResponse":  # noqa: F821 (imported when called)
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return HttpResponse(_table(cursor.fetchall()))


_CASE_COLUMNS = (
    "SELECT c.id, c.number, p.full_name, p.known_as, c.stage, o.name, r.name, tg.code, tg.name, s.name,"
    " u.username, u.first_name, u.last_name"
    " FROM cases_case c JOIN cases_person p ON p.id = c.person_id JOIN agencies_agency o ON o.id = c.owner_id"
    " JOIN agencies_agency r ON r.id = c.registered_by_id JOIN cases_targetgroup tg ON tg.code = c.target_group_id"
    " LEFT JOIN cases_site s ON s.id = c.site_id LEFT JOIN agencies_user u ON u.id = c.caseworker_id"
)
_IN_REGION = "(SELECT a.id FROM agencies_agency a WHERE a.region_id = %s OR a.region_id LIKE %s)"


def _case_where(request) -> tuple[str, list]:
    """`?owner=<id>` (district) or `?region=<code>` (province); `?number=` exact, `?prefix=` a prefix; `?name=` a
    name as typed (each word like a word of the names, by pg_trgm; the app's own spelling key, cases.names)."""
    where, params = [], []
    if "owner" in request.GET:
        where.append("c.owner_id = %s")
        params.append(int(request.GET["owner"]))
    if "region" in request.GET:
        where.append(f"c.owner_id IN {_IN_REGION}")
        params += [request.GET["region"], request.GET["region"] + ".%"]
    if "number" in request.GET:
        where.append("c.number = %s")
        params.append(request.GET["number"])
    if "prefix" in request.GET:
        where.append("c.number LIKE %s")
        params.append(request.GET["prefix"] + "%")
    if "name" in request.GET:
        for word in name_key(request.GET["name"]).split():
            if len(word) > 1:
                where.append("%s <%% p.name_key")
                params.append(word)
    return " AND ".join(where), params


def _case_order(request) -> tuple[str, list]:
    """Newest first; a name's best matches before them."""
    if "name" in request.GET:
        return "ORDER BY word_similarity(%s, p.name_key) DESC, c.created_at DESC, c.id DESC", [
            name_key(request.GET["name"])
        ]
    return "ORDER BY c.created_at DESC, c.id DESC", []


def floor_case_list_bare(request):
    """The first bench's floor: the rows' raw values (stage codes, separate name parts) in a bare table."""
    where, params = _case_where(request)
    order, ordered_by = _case_order(request)
    return _page(f"{_CASE_COLUMNS} WHERE {where} {order} LIMIT 101", params + ordered_by)


# Each name by a scalar subquery rather than a join: a seven-table join cost PostgreSQL 15-18 ms to plan (for 1 ms of
# work), five subqueries on primary keys 1-2 ms (what ours does instead: the person joined, the names in one UNION).
_CASE_SHOWN = (
    "SELECT c.id, c.number, p.full_name, p.known_as, c.stage,"
    " (SELECT a.name FROM agencies_agency a WHERE a.id = c.owner_id),"
    " (SELECT a.name FROM agencies_agency a WHERE a.id = c.registered_by_id), c.target_group_id,"
    " (SELECT t.name FROM cases_targetgroup t WHERE t.code = c.target_group_id),"
    " (SELECT s.name FROM cases_site s WHERE s.id = c.site_id),"
    " (SELECT u.username FROM agencies_user u WHERE u.id = c.caseworker_id)"
    " FROM cases_case c JOIN cases_person p ON p.id = c.person_id"
)


def floor_case_list(request):
    """The case list's rows as our page shows them: a tick box (to act on several), number (a link to the case),
    the person's name and nickname, the stage's label, owning and registering offices, target group, site and
    caseworker ("-" for none)."""
    from django.db import connection
    from django.http import HttpResponse

    where, params = _case_where(request)
    order, ordered_by = _case_order(request)
    with connection.cursor() as cursor:
        cursor.execute(f"{_CASE_SHOWN} WHERE {where} {order} LIMIT 101", params + ordered_by)
        rows = cursor.fetchall()[:100]
    stages, esc = _words()["stages"], html.escape
    # The district office works its cases (enrolls several at once): its rows have a tick box; the province's not.
    tick = '<td><input type="checkbox" name="_selected_action" value="{pk}"></td>' if "owner" in request.GET else ""
    body = "".join(
        f"<tr>{tick.format(pk=pk)}"
        f'<th><a href="/admin/cases/case/{pk}/change/">{esc(number)}</a></th>'
        f"<td>{esc(f'{full_name} ({known_as})' if known_as else full_name)}</td><td>{esc(stages.get(stage, '-'))}</td>"
        f"<td>{esc(owner)}</td><td>{esc(registered_by)}</td><td>{esc(f'{tg_code}. {tg_name}')}</td>"
        f"<td>{esc(site) if site is not None else '-'}</td>"
        f"<td>{esc(caseworker) if caseworker is not None else '-'}</td></tr>"
        for pk, number, full_name, known_as, stage, owner, registered_by, tg_code, tg_name, site, caseworker in rows
    )
    return HttpResponse(
        f'<!doctype html><html><body><table id="result_list"><tbody>{body}</tbody></table></body></html>'
    )


# The honest floor of the case page: what a person reads on it, from raw SQL and hand-built HTML.

_CASE_PAGE = (
    "SELECT c.number, c.person_id, p.full_name, p.known_as, p.nik, p.sex, p.birth_date, p.birth_year, p.phone,"
    " p.home_region_id, hr.name, p.address, o.name, r.name, tg.code, tg.name, s.name, c.stage, c.close_reason,"
    " c.stage_changed_at, c.caseworker_id, c.owner_id, c.registered_by_id"
    " FROM cases_case c JOIN cases_person p ON p.id = c.person_id JOIN agencies_agency o ON o.id = c.owner_id"
    " JOIN agencies_agency r ON r.id = c.registered_by_id JOIN cases_targetgroup tg ON tg.code = c.target_group_id"
    " LEFT JOIN cases_site s ON s.id = c.site_id LEFT JOIN agencies_region hr ON hr.code = p.home_region_id"
    " WHERE c.id = %s AND c.owner_id = %s"
)
_CASE_PAGE_PARTS = (
    "SELECT tg.code, tg.name FROM cases_person_target_groups t JOIN cases_targetgroup tg ON tg.code = t.targetgroup_id"
    " WHERE t.person_id = %(person)s ORDER BY tg.code",
    "SELECT k.purpose, a.name, k.given_on, k.withdrawn_on FROM cases_consent k LEFT JOIN agencies_agency a"
    " ON a.id = k.agency_id WHERE k.person_id = %(person)s ORDER BY k.given_on DESC, k.id",
    "SELECT x.assessed_on, x.needs, x.skills_wanted, x.business_idea, x.wants_to_go_home, u.first_name, u.last_name,"
    " u.username FROM cases_assessment x LEFT JOIN agencies_user u ON u.id = x.assessed_by_id"
    " WHERE x.case_id = %(case)s ORDER BY x.assessed_on DESC, x.id DESC",
    "SELECT x.created_at, x.body, a.name, u.first_name, u.last_name, u.username FROM cases_casenote x"
    " JOIN agencies_agency a ON a.id = x.agency_id LEFT JOIN agencies_user u ON u.id = x.author_id"
    " WHERE x.case_id = %(case)s ORDER BY x.created_at, x.id",
    "SELECT x.id, x.created_at, x.kind, f.name, t.name, x.status, x.reason, x.decline_reason FROM cases_referral x"
    " JOIN agencies_agency f ON f.id = x.from_agency_id JOIN agencies_agency t ON t.id = x.to_agency_id"
    " WHERE x.case_id = %(case)s ORDER BY x.created_at DESC, x.id DESC",
    "SELECT x.transferred_at, f.name, t.name, u.first_name, u.last_name, u.username FROM cases_transfer x"
    " JOIN agencies_agency f ON f.id = x.from_agency_id JOIN agencies_agency t ON t.id = x.to_agency_id"
    " LEFT JOIN agencies_user u ON u.id = x.transferred_by_id WHERE x.case_id = %(case)s"
    " ORDER BY x.transferred_at, x.id",
    "SELECT x.changed_at, x.from_stage, x.to_stage, x.reason, u.first_name, u.last_name, u.username"
    " FROM cases_stagechange x LEFT JOIN agencies_user u ON u.id = x.changed_by_id WHERE x.case_id = %(case)s"
    " ORDER BY x.changed_at, x.id",
    "SELECT u.id, coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username) FROM agencies_user u"
    " WHERE u.id IN (SELECT m.user_id FROM agencies_membership m"
    " WHERE m.active AND m.agency_id IN (%(owner)s, %(registered_by)s)) ORDER BY u.username",
    # The rest of the file: enrollments with their attendance, follow-up visits and what was found, entitlements,
    # payments (what programs/timeline.py and funding/timeline.py add).
    "SELECT e.created_at, e.status, p.name, b.number, u.first_name, u.last_name, u.username,"
    " (SELECT count(*) FROM programs_attendance a WHERE a.enrollment_id = e.id AND a.present),"
    " (SELECT count(*) FROM programs_attendance a WHERE a.enrollment_id = e.id)"
    " FROM programs_enrollment e JOIN programs_batch b ON b.id = e.batch_id"
    " JOIN programs_program p ON p.id = b.program_id"
    " LEFT JOIN agencies_user u ON u.id = e.enrolled_by_id WHERE e.case_id = %(case)s ORDER BY e.id",
    "SELECT f.offset_days, f.due_on, f.done_on, o.site_status, o.business_started, o.business_type, o.income_band,"
    " o.bpjs_enrolled FROM programs_followup f LEFT JOIN programs_outcome o ON o.follow_up_id = f.id"
    " WHERE f.case_id = %(case)s ORDER BY f.due_on, f.id",
    "SELECT x.created_at, x.total, x.status, b.kind, b.description FROM funding_entitlement x"
    " JOIN funding_benefit b ON b.id = x.benefit_id WHERE x.case_id = %(case)s ORDER BY x.id",
    "SELECT d.requested_at, d.amount, d.status, d.decided_at, d.reject_reason, d.paid_on, d.method,"
    " d.reversed_reason, d.updated_at, i.number, b.kind, b.description,"
    " r.first_name, r.last_name, r.username, k.first_name, k.last_name, k.username,"
    " y.first_name, y.last_name, y.username"
    " FROM funding_disbursement d JOIN funding_installment i ON i.id = d.installment_id"
    " JOIN funding_entitlement x ON x.id = i.entitlement_id JOIN funding_benefit b ON b.id = x.benefit_id"
    " LEFT JOIN agencies_user r ON r.id = d.requested_by_id LEFT JOIN agencies_user k ON k.id = d.decided_by_id"
    " LEFT JOIN agencies_user y ON y.id = d.paid_by_id WHERE x.case_id = %(case)s ORDER BY d.id",
)


# The access-log row of a case read: by the reader, for the agency they act for (their first grant), filed under the
# owning office.
_CASE_VIEWED = (
    "INSERT INTO agencies_auditevent (created_at, actor_user_id, actor_api_client_id, actor_agency_id, action,"
    " agency_id, target_type_id, target_id, data) VALUES (now(), %s, NULL, (SELECT m.agency_id"
    " FROM agencies_membership m WHERE m.user_id = %s AND m.active ORDER BY m.id LIMIT 1), 'cases.case.viewed', %s,"
    " %s, %s::text, '{}')"
)


def floor_case_page(request, pk):
    """The case page as a district officer reads it: the case number, the buttons, the header (stage, caseworker,
    office, next visit due, consents in force, the one-click move), each detail of the person and the case (NIK
    masked and phone decrypted by the app's decryption, dates in Indonesian, labels translated), the caseworker's
    choice box, and the timeline of the case's whole file in the owning office's time zone (its own history,
    enrollments, visits, money); raw SQL, HTML by hand, no access rule, no admin. With `?viewer=<user id>` it
    writes the access-log row our page writes (the casefile section); without, none (the admin section's)."""
    from django.db import connection
    from django.http import HttpResponse

    from agencies.encryption import decrypt_many
    from cases.case_page import next_stage

    w, esc = _case_page_words(), html.escape
    with connection.cursor() as cursor:
        cursor.execute(_CASE_PAGE, [pk, int(request.GET["owner"])])
        case = cursor.fetchone()
        (number, person, full_name, known_as, nik, sex, birth_date, birth_year, phone, region, region_name, address,
         owner, registered_by, tg_code, tg_name, site, stage, close_reason, stage_changed_at, caseworker, owner_id,
         registered_by_id) = case  # fmt: skip
        keys = {"person": person, "case": pk, "owner": owner_id, "registered_by": registered_by_id}
        parts = []
        for sql in _CASE_PAGE_PARTS:
            cursor.execute(sql, keys)
            parts.append(cursor.fetchall())
        if "viewer" in request.GET:  # the read logged, as our page logs it (cases.selectors.case_viewed)
            cursor.execute(_CASE_VIEWED, [int(request.GET["viewer"])] * 2 + [owner_id, _words()["numbered"][0], pk])
    (groups, consents, assessments, notes, referrals, transfers, stage_changes, candidates, enrollments, visits,
     entitlements, payments) = parts  # fmt: skip
    nik, phone = decrypt_many([nik or "", phone or ""]) if nik or phone else ("", "")
    day, moment = _case_page_day, _case_page_moment

    def by(first, last, username):
        return "-" if username is None else f"{first} {last}".strip() or username

    def dash(value):
        return esc(value) if value else "-"

    def lines(value):
        return esc(value).replace("\n", "<br>") if value else "-"

    consent_lines = "".join(
        f"<div>{esc(w['purposes'][purpose])} {esc(f'({agency})') if agency else ''} — {day(given)}"
        f"{f' … {day(withdrawn)}' if withdrawn else ''}</div>"
        for purpose, agency, given, withdrawn in consents
    )
    details = [
        ("number", number),
        ("person_name", f"{full_name} ({known_as})" if known_as else full_name),
        ("person_nik", f"{nik[:4]}{'*' * 10}{nik[-2:]}" if nik else "-"),
        ("person_sex", w["sexes"][sex]),
        ("person_birth", day(birth_date) if birth_date else birth_year or "-"),
        ("person_phone", phone or "-"),
        ("person_home_region", f"{region} {region_name}" if region else "-"),
        ("person_address", address or "-"),
        ("person_target_groups", ", ".join(f"{code}. {name}" for code, name in groups) or "-"),
    ]
    rows = [_case_page_row(w, name, esc(str(value)).replace("\n", "<br>")) for name, value in details]
    rows.append(_case_page_row(w, "person_consents", consent_lines or "-"))
    rows += [
        _case_page_row(w, name, esc(str(value)))
        for name, value in [
            ("owner", owner),
            ("registered_by", registered_by),
            ("target_group", f"{tg_code}. {tg_name}"),
            ("site", site or "-"),
            ("stage", w["stages"][stage]),
            ("close_reason", w["close_reasons"].get(close_reason, "-")),
            ("stage_changed_at", moment(stage_changed_at) if stage_changed_at else "-"),
        ]
    ]
    caseworker_name = next((username for user, username in candidates if user == caseworker), None)
    options = "".join(
        f'<option value="{user}"{" selected" if user == caseworker else ""}>{esc(username)}</option>'
        for user, username in candidates
    )
    empty = " selected" if caseworker is None else ""
    rows.append(
        f'<div class="form-row field-caseworker"><label for="id_caseworker">{w["labels"]["caseworker"]}:</label>'
        f'<select name="caseworker" id="id_caseworker"><option value=""{empty}>---------</option>{options}</select>'
        "</div>"
    )
    zone = zoneinfo.ZoneInfo(time_zone_of(region_of_owner(owner_id)))
    today = datetime.datetime.now(zone).date()
    entries = _file_entries(w, pk, zone, today, locals())
    due = next(((days, on) for days, on, done, *_ in visits if done is None), None)
    tools = "".join(
        f'<li><a href="{href}">{label}</a></li>'
        for href, label in [
            (f"/admin/cases/case/{pk}/note/", w["tools"]["note"]),
            (f"/admin/cases/case/{pk}/assess/", w["tools"]["assess"]),
            (f"/admin/cases/case/{pk}/move/", w["tools"]["move"]),
            (f"/admin/cases/case/{pk}/refer/", w["tools"]["refer"]),
            (f"/admin/cases/case/{pk}/consent/", w["tools"]["consent"]),
            (f"/admin/cases/person/{person}/change/", w["tools"]["person"]),
            *([(f"/admin/cases/case/{pk}/reveal-nik/", w["tools"]["nik"])] if nik else []),
            (f"/admin/cases/case/{pk}/history/", w["tools"]["history"]),
        ]
    )
    in_force = [
        f"{w['purposes'][purpose]} ({agency})" if agency else w["purposes"][purpose]
        for purpose, agency, given, withdrawn in consents
        if given <= today and (withdrawn is None or withdrawn > today)
    ]
    following = next_stage(stage)  # the app's rule of which move is one click
    next_due = "-"
    if due:
        late = f" ({w['late']})" if due[1] < today else ""
        next_due = f"{esc(w['visit'] % {'days': due[0]})}, {_case_page_day(due[1])}{late}"
    header = (
        f'<section class="case-header"><dl><dt>{w["header"][0]}</dt><dd>{esc(w["stages"][stage])}</dd>'
        f"<dt>{w['header'][1]}</dt><dd>{esc(caseworker_name) if caseworker_name else w['nobody']}</dd>"
        f"<dt>{w['header'][2]}</dt><dd>{esc(owner)}</dd><dt>{w['header'][3]}</dt><dd>{next_due}</dd>"
        f"<dt>{w['header'][4]}</dt><dd>{'<br>'.join(map(esc, in_force)) or w['none']}</dd></dl>"
        + (f"<button>{esc(w['advance'] % {'stage': w['stages'][following]})}</button>" if following else "")
        + "</section>"
    )
    timeline = "".join(
        f"<li><time>{when}</time><span>{esc(title)}{f' · <a>{esc(label)}</a>' if label else ''}</span>"
        f"<span>{esc(detail).replace(chr(10), '<br>')}</span><span>{esc(who)}</span></li>"
        for when, title, detail, who, label in entries
    )
    return HttpResponse(
        f'<!doctype html><html><body><div id="content" class="colM"><h1>{w["title"]}</h1><h2>{esc(number)}</h2>'
        f'<ul class="object-tools">{tools}</ul>{header}<form method="post"><fieldset class="module aligned">'
        f"{''.join(rows)}</fieldset><div><h2>{w['what_happened']}</h2><ol>{timeline}</ol></div>{w['buttons']}</form>"
        '<br class="clear"></div></body></html>'
    )


def region_of_owner(owner_id: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT region_id FROM agencies_agency WHERE id = %s", [owner_id])
        return cursor.fetchone()[0]


def _file_entries(w, pk, zone, today, read) -> list[tuple]:
    """The timeline's entries newest first as (date shown, title, detail, by, link label), in the order the app
    puts them: its own history, then enrollments, visits, entitlements, payments; a day's entry after its day's
    timed ones; equal moments in that order."""
    from lokal import format_rupiah

    def by(first, last, username):
        return "" if username is None else f"{first} {last}".strip() or username

    stages, kinds, statuses, t = w["stages"], w["kinds"], w["statuses"], w["t"]
    yes_no = {True: t["yes"], False: t["no"]}
    items = []  # (moment or day, title, detail, by, link label)
    for at, old, new, reason, *user in read["stage_changes"]:
        title = t["stage"] % {"from": stages[old], "to": stages[new]} if old else t["registered"] % {"to": stages[new]}
        items.append((at, title, reason, by(*user), ""))
    for at, body, agency, *user in read["notes"]:
        author = by(*user)
        items.append((at, t["note"], body, f"{author} ({agency})" if author else agency, ""))
    for on, needs, skills, idea, home, *user in read["assessments"]:
        parts = zip(t["assessment_parts"], (needs, skills, idea), strict=True)
        lines = [f"{label}: {value}" for label, value in parts if value]
        if home is not None:
            lines.append(f"{t['home']}: {yes_no[home]}")
        items.append((on, t["assessment"], "\n".join(lines), by(*user), ""))
    for _id, at, kind, sender, receiver, status, reason, declined in read["referrals"]:
        lines = [reason, f"{t['status']}: {statuses[status]}"] + ([f"{t['declined']}: {declined}"] if declined else [])
        title = t["referral"] % {"kind": kinds[kind], "from": sender, "to": receiver}
        items.append((at, title, "\n".join(lines), "", t["open_referral"]))
    for at, sender, receiver, *user in read["transfers"]:
        items.append((at, t["transfer"] % {"from": sender, "to": receiver}, "", by(*user), ""))
    for purpose, agency, given, withdrawn in read["consents"]:
        what = {"purpose": w["purposes"][purpose] + (f" ({agency})" if agency else "")}
        items.append((given, t["consent_given"] % what, "", "", ""))
        if withdrawn:
            items.append((withdrawn, t["consent_withdrawn"] % what, "", "", ""))
    for at, status, program, batch, *rest in read["enrollments"]:
        *user, present, recorded = rest
        lines = [f"{t['status']}: {w['enrollment_statuses'][status]}"]
        if recorded:
            lines.append(t["present"] % {"present": present, "recorded": recorded})
        title = t["enrolled"] % {"batch": t["batch"] % {"program": program, "number": batch}}
        items.append((at, title, "\n".join(lines), by(*user), ""))
    for days, due_on, done, site, started, business, income, bpjs in read["visits"]:
        if done:
            detail = ""
            if site is not None:
                lines = [f"{t['lives']}: {w['site_statuses'][site]}"]
                lines.append(f"{t['started']}: {yes_no[started]}{f' ({business})' if business else ''}")
                if income:
                    lines.append(f"{t['income']}: {w['income_bands'][income]}")
                lines.append(f"{t['bpjs']}: {yes_no[bpjs]}")
                detail = "\n".join(lines)
            items.append((done, w["visit"] % {"days": days}, detail, "", ""))
        elif due_on < today:
            items.append((due_on, t["not_made"] % {"days": days}, "", "", ""))
    benefit = w["benefit_kinds"]
    for at, total, status, kind, description in read["entitlements"]:
        title = t["entitled"] % {"benefit": description or benefit[kind], "total": format_rupiah(total)}
        items.append((at, title, "" if status == "active" else w["entitlement_statuses"][status], "", ""))
    for row in read["payments"]:
        (at, amount, status, decided_at, rejected, paid_on, method, reversed_, updated_at, number, kind,
         description, *users) = row  # fmt: skip
        what = {"amount": format_rupiah(amount), "benefit": description or benefit[kind], "number": number}
        requester, decider, payer = by(*users[0:3]), by(*users[3:6]), by(*users[6:9])
        items.append((at, t["requested"] % what, "", requester, ""))
        if decided_at and status == "rejected":
            items.append((decided_at, t["rejected"] % what, rejected, decider, ""))
        elif decided_at:
            items.append((decided_at, t["approved"] % what, "", decider, ""))
        if paid_on:
            items.append((paid_on, t["paid"] % what, w["methods"].get(method, ""), payer, ""))
        if status == "reversed":
            items.append((updated_at, t["reversed"] % what, reversed_, "", ""))

    def key(item):
        at = item[0]
        return at if isinstance(at, datetime.datetime) else datetime.datetime.combine(at, datetime.time.max, zone)

    items.sort(key=key, reverse=True)
    return [
        (
            _case_page_moment(at, zone) if isinstance(at, datetime.datetime) else _case_page_day(at),
            title,
            detail,
            who,
            label,
        )
        for at, title, detail, who, label in items
    ]


def _case_page_row(words, name, value_html) -> str:
    return (
        f'<div class="form-row field-{name}"><label>{words["labels"][name]}:</label>'
        f'<div class="readonly">{value_html}</div></div>'
    )


def _case_page_day(value) -> str:
    months = _case_page_words()["months"]
    return f"{value.day} {months[value.month]} {value.year}"


def _case_page_moment(value, zone=None) -> str:
    local = value.astimezone(zone or _case_page_words()["zone"])
    return f"{_case_page_day(local)} {local.hour:02d}.{local.minute:02d}"


@functools.cache
def _case_page_words() -> dict:
    """The case page's words in the installation's language, made once per process (a hand-written page would
    have them written in): labels, titles, choice labels, month names, the buttons."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.dates import MONTHS_3
    from django.utils.html import escape
    from django.utils.text import capfirst

    from cases.admin import CaseAdmin
    from cases.models import Case, Consent, Person, Referral
    from funding.models import Benefit, Disbursement, Entitlement
    from programs.models import Enrollment, Outcome

    def choices(model_choices) -> dict:
        return {value: str(label) for value, label in model_choices}

    with translation.override(settings.LANGUAGE_CODE):
        admin = CaseAdmin(Case, None)
        labels = {}
        for name in ["number", "owner", "registered_by", "target_group", "site", "stage", "close_reason"]:
            labels[name] = escape(capfirst(Case._meta.get_field(name).verbose_name))
        labels["stage_changed_at"] = escape(capfirst(Case._meta.get_field("stage_changed_at").verbose_name))
        labels["caseworker"] = escape(capfirst(Case._meta.get_field("caseworker").verbose_name))
        for name in ["person_name", "person_nik", "person_sex", "person_birth", "person_phone", "person_home_region",
                     "person_address", "person_target_groups", "person_consents"]:  # fmt: skip
            labels[name] = escape(capfirst(getattr(admin, name).short_description))
        gettext = translation.gettext
        return {
            "zone": zoneinfo.ZoneInfo(settings.TIME_ZONE),
            "months": ["", *(str(MONTHS_3[month]).title() for month in range(1, 13))],
            "labels": labels,
            "title": escape(gettext("Case file")),
            "tools": {
                key: escape(gettext(text))
                for key, text in [
                    ("note", "Add a note"),
                    ("assess", "Record an assessment"),
                    ("move", "Move stage"),
                    ("refer", "Refer"),
                    ("consent", "Record consent"),
                    ("person", "Edit person"),
                    ("nik", "Show NIK"),
                    ("history", "History"),
                ]
            },
            "header": [
                escape(gettext(text))
                for text in ["Stage", "Caseworker", "Owning office", "Next due", "Consents in force"]
            ],
            "nobody": escape(gettext("nobody yet")),
            "none": escape(gettext("none")),
            "late": escape(gettext("late")),
            "advance": gettext("Move on to: %(stage)s"),
            "what_happened": escape(gettext("What happened")),
            "visit": gettext("Follow-up visit, %(days)d days after completion"),
            "buttons": "".join(
                f'<input type="submit" value="{escape(gettext(text))}">'
                for text in ["Save", "Save and add another", "Save and continue editing"]
            ),
            "sexes": choices(Person.Sex.choices),
            "stages": choices(Case.Stage.choices),
            "close_reasons": choices(Case.CloseReason.choices),
            "purposes": choices(Consent.Purpose.choices),
            "kinds": choices(Referral.Kind.choices),
            "statuses": choices(Referral.Status.choices),
            "enrollment_statuses": choices(Enrollment.Status.choices),
            "site_statuses": choices(Outcome.SiteStatus.choices),
            "income_bands": choices(Outcome.IncomeBand.choices),
            "benefit_kinds": choices(Benefit.Kind.choices),
            "entitlement_statuses": choices(Entitlement.Status.choices),
            "methods": choices(Disbursement.Method.choices),
            "t": {
                "yes": gettext("Yes"),
                "no": gettext("No"),
                "stage": gettext("Stage: %(from)s → %(to)s"),
                "registered": gettext("Registered (stage: %(to)s)"),
                "note": gettext("Note"),
                "assessment": gettext("Assessment"),
                "assessment_parts": [gettext("Needs"), gettext("Skills wanted"), gettext("Business idea")],
                "home": gettext("Wants to go home"),
                "status": gettext("Status"),
                "declined": gettext("Reason for declining"),
                "referral": gettext("%(kind)s: %(from)s → %(to)s"),
                "open_referral": gettext("Open the referral"),
                "transfer": gettext("Transferred from %(from)s to %(to)s"),
                "consent_given": gettext("Consent given: %(purpose)s"),
                "consent_withdrawn": gettext("Consent withdrawn: %(purpose)s"),
                "present": gettext("Present at %(present)d of %(recorded)d sessions recorded"),
                "enrolled": gettext("Enrolled in %(batch)s"),
                "batch": gettext("%(program)s, batch %(number)s"),
                "lives": gettext("Where the person lives"),
                "started": gettext("Business started"),
                "income": gettext("Income"),
                "bpjs": gettext("Enrolled in BPJS"),
                "not_made": gettext("Follow-up visit not made (due %(days)d days after completion)"),
                "entitled": gettext("Entitled to %(benefit)s: %(total)s"),
                "requested": gettext("Payment of %(amount)s requested (%(benefit)s, installment %(number)d)"),
                "rejected": gettext("Payment of %(amount)s rejected"),
                "approved": gettext("Payment of %(amount)s approved"),
                "paid": gettext("Paid: %(amount)s"),
                "reversed": gettext("Payment of %(amount)s reversed"),
            },
        }


def case_page_text(page: bytes) -> str:
    """The text a person reads in a case page's content (buttons, details, choices, history): tags dropped,
    entities read, spaces collapsed."""
    text = page.decode()
    content = re.search(r'<div id="content" class="[^"]*">(.*?)<br class="clear">', text, re.S).group(1)
    content = re.sub(r"<script.*?</script>", "", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def floor_case_page_bare(request, pk):
    """The first bench's floor of the case page: raw rows (ciphertext, ISO dates, codes) in bare tables of the case
    and its person with their names, the person's target groups and consents, the case's assessments, notes,
    referrals, transfers and stage changes, and the caseworker candidates."""
    from django.db import connection
    from django.http import HttpResponse

    queries = [
        (
            "SELECT c.number, p.full_name, p.known_as, p.nik, p.sex, p.birth_date, p.birth_year, p.phone,"
            " hr.name, p.address, o.name, r.name, tg.name, s.name, c.stage, c.close_reason, c.stage_changed_at,"
            " c.caseworker_id, cs.name FROM cases_case c JOIN cases_person p ON p.id = c.person_id"
            " JOIN agencies_agency o ON o.id = c.owner_id JOIN agencies_agency r ON r.id = c.registered_by_id"
            " JOIN cases_targetgroup tg ON tg.code = c.target_group_id LEFT JOIN cases_site s ON s.id = c.site_id"
            " LEFT JOIN agencies_region hr ON hr.code = p.home_region_id"
            " LEFT JOIN cases_site cs ON cs.id = p.current_site_id WHERE c.id = %s AND c.owner_id = %s",
            [pk, int(request.GET["owner"])],
        ),
        (
            "SELECT tg.code, tg.name FROM cases_person_target_groups t JOIN cases_targetgroup tg"
            " ON tg.code = t.targetgroup_id WHERE t.person_id = (SELECT person_id FROM cases_case WHERE id = %s)",
            [pk],
        ),
        (
            "SELECT k.purpose, a.name, k.given_on, k.withdrawn_on FROM cases_consent k LEFT JOIN agencies_agency a"
            " ON a.id = k.agency_id WHERE k.person_id = (SELECT person_id FROM cases_case WHERE id = %s)",
            [pk],
        ),
        ("SELECT * FROM cases_assessment WHERE case_id = %s", [pk]),
        ("SELECT * FROM cases_casenote WHERE case_id = %s", [pk]),
        ("SELECT * FROM cases_referral WHERE case_id = %s", [pk]),
        ("SELECT * FROM cases_transfer WHERE case_id = %s", [pk]),
        ("SELECT * FROM cases_stagechange WHERE case_id = %s", [pk]),
        (
            "SELECT u.id, u.username, u.first_name, u.last_name FROM agencies_user u WHERE u.id IN (SELECT"
            " m.user_id FROM agencies_membership m JOIN cases_case c ON m.agency_id IN (c.owner_id,"
            " c.registered_by_id) WHERE c.id = %s AND m.active) ORDER BY u.username",
            [pk],
        ),
    ]
    parts = []
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            parts.append(_table(cursor.fetchall()))
    return HttpResponse("".join(parts))


_TRAIL = (
    "SELECT e.created_at, e.action, u.username, u.first_name, u.last_name, k.name, ka.name, a.name,"
    " e.target_type_id, e.target_id, c.number FROM agencies_auditevent e"
    " LEFT JOIN agencies_user u ON u.id = e.actor_user_id"
    " LEFT JOIN agencies_apiclient k ON k.id = e.actor_api_client_id"
    " LEFT JOIN agencies_agency ka ON ka.id = k.agency_id LEFT JOIN agencies_agency a ON a.id = e.agency_id"
    " LEFT JOIN cases_case c ON c.id = (CASE WHEN e.target_type_id = %s THEN NULLIF(e.target_id, '') END)::bigint"
)


def _trail_where(request) -> tuple[str, list]:
    """`?region=<code>` (the auditor's jurisdiction); `?user=<id>` one user's; `?case=<id>` one case's history
    (the case, its person (seeded with the same id) and its enrollments)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from cases.models import Case, Person
    from programs.models import Enrollment

    region = request.GET["region"]
    where, params = [f"e.agency_id IN {_IN_REGION}"], [region, region + ".%"]
    if "user" in request.GET:
        where.append("e.actor_user_id = %s")
        params.append(int(request.GET["user"]))
    elif "case" in request.GET:
        pk = int(request.GET["case"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT person_id FROM cases_case WHERE id = %s", [pk])
            person = cursor.fetchone()[0]
            cursor.execute("SELECT id::text FROM programs_enrollment WHERE case_id = %s", [pk])
            enrollment_ids = [row[0] for row in cursor.fetchall()] or [""]
        where.append(
            "((e.target_type_id = %s AND e.target_id = %s) OR (e.target_type_id = %s AND e.target_id = %s)"
            " OR (e.target_type_id = %s AND e.target_id = ANY(%s)))"
        )
        types = ContentType.objects.get_for_models(Case, Person, Enrollment)  # kept per process
        params += [types[Case].pk, str(pk), types[Person].pk, str(person), types[Enrollment].pk, enrollment_ids]
    return " AND ".join(where), params


def floor_trail_bare(request):
    """The first bench's floor: the rows' raw values (ISO datetimes, action codes, type ids) in a bare table."""
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case

    where, params = _trail_where(request)
    sql = f"{_TRAIL} WHERE {where} ORDER BY e.created_at DESC, e.id DESC LIMIT 101"
    return _page(sql, [ContentType.objects.get_for_model(Case).pk, *params])


# The subject's number: a case's own, a person's cases', an enrollment's case's (what audit_labels.name_targets
# finds through the models' relations, written out for the three kinds of row the bench's trail holds).
_TRAIL_SHOWN = (
    "SELECT e.id, e.created_at, e.action, u.username, k.name, ka.name, a.name, e.target_type_id, e.target_id,"
    " CASE e.target_type_id"
    " WHEN %s THEN (SELECT c.number FROM cases_case c WHERE c.id = NULLIF(e.target_id, '')::bigint)"
    " WHEN %s THEN (SELECT string_agg(c.number, ', ' ORDER BY c.number) FROM cases_case c"
    " WHERE c.person_id = NULLIF(e.target_id, '')::bigint)"
    " WHEN %s THEN (SELECT c.number FROM programs_enrollment n JOIN cases_case c ON c.id = n.case_id"
    " WHERE n.id = NULLIF(e.target_id, '')::bigint) END"
    " FROM agencies_auditevent e LEFT JOIN agencies_user u ON u.id = e.actor_user_id"
    " LEFT JOIN agencies_apiclient k ON k.id = e.actor_api_client_id"
    " LEFT JOIN agencies_agency ka ON ka.id = k.agency_id LEFT JOIN agencies_agency a ON a.id = e.agency_id"
)


def floor_trail(request):
    """The trail's rows as our page shows them: when (local time, "4 Des 2026 13.05"), the action's label, the
    user, the API client with its agency, the agency, and the subject ("Kasus 35.10-2023-00417", "Orang #12
    (Kasus …)", "Kasus" for a list)."""
    from django.db import connection
    from django.http import HttpResponse

    words = _words()
    case, person, enrollment = words["numbered"]
    where, params = _trail_where(request)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_TRAIL_SHOWN} WHERE {where} ORDER BY e.created_at DESC, e.id DESC LIMIT 101",
            [case, person, enrollment, *params],
        )
        rows = cursor.fetchall()[:100]
    months, actions, types, local, esc = words["months"], words["actions"], words["types"], words["zone"], html.escape
    body = []
    for pk, when, action, user, client, client_agency, agency, type_id, target_id, number in rows:
        when = when.astimezone(local)
        name, plural = types[type_id]
        if not target_id:
            subject = plural
        elif type_id == case and number:
            subject = f"{name} {number}"
        elif number:
            subject = f"{name} #{target_id} ({types[case][0]} {number})"
        else:
            subject = f"{name} #{target_id}"
        body.append(
            f'<tr><th><a href="/admin/agencies/auditevent/{pk}/change/">'
            f"{when.day} {months[when.month]} {when.year} {when.hour:02d}.{when.minute:02d}</a></th>"
            f"<td>{esc(actions.get(action, action))}</td><td>{esc(user) if user is not None else '-'}</td>"
            f"<td>{esc(f'{client} ({client_agency})') if client is not None else '-'}</td>"
            f"<td>{esc(agency) if agency is not None else '-'}</td><td>{esc(subject)}</td></tr>"
        )
    return HttpResponse(
        f'<!doctype html><html><body><table id="result_list"><tbody>{"".join(body)}</tbody></table></body></html>'
    )


@functools.cache
def _words() -> dict:
    """The words the floors show, in the installation's language, made once per process: month names, stage and
    action labels, and each content type's name and plural."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation
    from django.utils.dates import MONTHS_3

    from agencies import audit_labels
    from cases.models import Case, Person
    from programs.models import Enrollment

    with translation.override(settings.LANGUAGE_CODE):
        types = {}
        for content_type in ContentType.objects.all():
            model = content_type.model_class()
            if model is not None:
                meta = model._meta
                types[content_type.pk] = (
                    str(meta.verbose_name).capitalize(),
                    str(meta.verbose_name_plural).capitalize(),
                )
        numbered = ContentType.objects.get_for_models(Case, Person, Enrollment)
        return {
            "zone": zoneinfo.ZoneInfo(settings.TIME_ZONE),
            "months": ["", *(str(MONTHS_3[month]).title() for month in range(1, 13))],
            "stages": {value: str(label) for value, label in Case.Stage.choices},
            "actions": {code: str(label) for code, label in audit_labels.ACTIONS.items()},
            "types": types,
            "numbered": tuple(numbered[model].pk for model in (Case, Person, Enrollment)),
        }


def visible_rows(page: bytes) -> list[list[str]]:
    """The text a person reads in each row of a page's list table (id="result_list"): tags dropped, entities
    read, spaces collapsed."""
    text = page.decode()
    body = re.search(r'id="result_list".*?<tbody>(.*?)</tbody>', text, re.S)
    if body is None:
        return []
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


urlpatterns = [
    path("cases/", floor_case_list),
    path("cases-bare/", floor_case_list_bare),
    path("cases/<int:pk>/", floor_case_page),
    path("cases-bare/<int:pk>/", floor_case_page_bare),
    path("trail/", floor_trail),
    path("trail-bare/", floor_trail_bare),
]


# Measuring


def measure(seeded: dict, args) -> list[Result]:
    from django.test import Client

    from agencies.models import Agency, User
    from cases.models import Case

    office = seeded["office"]
    repeat = args.admin_repeat
    rng = random.Random(6)  # noqa: S311 (choosing rows to measure)
    district, province, auditor = Client(), Client(), Client()
    sign_in(district, seeded["staff"])
    sign_in(province, User.objects.get(username="bench-province"))
    sign_in(auditor, User.objects.get(username="bench-auditor"))
    floor = Client()
    region = Agency.objects.get(name=PROVINCE).region_id
    results = []

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])

        return call

    def searched(client, term) -> str:
        response = client.post("/admin/cases/case/search/", {"q": term})
        assert response.status_code == 302, response.status_code
        return response["Location"]

    def compare(name, ours_call, floor_call, target="≤ 3×"):
        ours, floor_ms = paired_medians(ours_call, floor_call, repeat)
        results.append(Result(name, ours, floor_ms, target, statements(ours_call)))

    def shown(client, url) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    def compare_list(name, client, url, floor_query, floor_path):
        """Our list page against the honest floor (after checking that its rows read as ours) and the bare one."""
        honest, bare = f"/floor/admin/{floor_path}/?{floor_query}", f"/floor/admin/{floor_path}-bare/?{floor_query}"
        ours_rows, floor_rows = visible_rows(shown(client, url)), visible_rows(shown(floor, honest))
        if not ours_rows or ours_rows != floor_rows:
            raise SystemExit(
                f"The floor of {name!r} does not show what our page shows:\n{ours_rows[:3]}\n{floor_rows[:3]}"
            )
        compare(f"{name} (ms)", get(client, url), get(floor, honest))
        ours_ms, bare_ms = paired_medians(get(client, url), get(floor, bare), repeat)
        results.append(Result(f"{name} [bare floor] (ms)", ours_ms, bare_ms, "(before)", None))

    lists = "/admin/cases/case/"
    compare_list("admin: case list, district staff", district, lists, f"owner={office.pk}", "cases")
    compare_list("admin: case list, province staff", province, lists, f"region={region}", "cases")
    number = Case.objects.get(pk=rng.randint(1, args.cases)).number
    compare_list(
        "admin: case list searched by a case number",
        district,
        searched(district, number),
        f"owner={office.pk}&number={number}",
        "cases",
    )
    prefix = number[:-2]
    compare_list(
        "admin: case list searched by a number's prefix",
        district,
        searched(district, prefix),
        f"owner={office.pk}&prefix={prefix}",
        "cases",
    )
    full_name = Case.objects.select_related("person").get(pk=rng.randint(1, args.cases)).person.full_name
    typed = f"{full_name[:-1]}{'y' if full_name[-1] != 'y' else 'i'}"  # a letter wrong, as an officer hears it
    compare_list(
        "admin: case list searched by a misspelt name",
        district,
        searched(district, typed),
        f"owner={office.pk}&{urlencode({'name': typed})}",
        "cases",
    )
    pk = rng.randint(1, args.cases)
    page, honest = f"/admin/cases/case/{pk}/change/", f"/floor/admin/cases/{pk}/?owner={office.pk}"
    ours_text, floor_text = case_page_text(district.get(page).content), case_page_text(floor.get(honest).content)
    if ours_text != floor_text:
        raise SystemExit(f"The case page's floor does not show what our page shows:\n{ours_text}\n{floor_text}")
    compare("admin: case page (ms)", get(district, page), get(floor, honest))
    ours_ms, bare_ms = paired_medians(
        get(district, page), get(floor, f"/floor/admin/cases-bare/{pk}/?owner={office.pk}"), repeat
    )
    results.append(Result("admin: case page [bare floor] (ms)", ours_ms, bare_ms, "(before)", None))
    trail = "/admin/agencies/auditevent/"
    compare_list("admin: auditor's trail", auditor, trail, f"region={region}", "trail")
    history = Case.objects.get(pk=rng.randint(1, args.cases)).number
    compare_list(
        "admin: one case's history in the trail",
        auditor,
        f"{trail}?q={history}",
        f"region={region}&case={Case.objects.get(number=history).pk}",
        "trail",
    )
    user = User.objects.get(username="bench-cw-3")
    compare_list(
        "admin: trail searched by a user",
        auditor,
        f"{trail}?q={user.username}",
        f"region={region}&user={user.pk}",
        "trail",
    )
    return results
