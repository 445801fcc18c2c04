"""The floors of bench/api.py: what a page costs with no framework at all, giving THE SAME JSON as the API (same
keys and nesting, NIK masked and phone decrypted, times in the installation's time zone, the same next and previous
cursors). One raw SQL query for the page (case, person and the person's target groups), dicts built by hand,
serialized by orjson, behind the same middleware. Decryption is the app's own (agencies.encryption.decrypt_many,
following the same switch): its cost is inherent to any server that stores NIK and phone encrypted. No ORM, no
DRF, no authentication, no access rule, no access log: the ratio is their price. bench/reads.py checks once per
run that a floor's answer equals ours."""

import base64
import datetime
import zoneinfo
from urllib import parse

import orjson
from django.conf import settings
from django.db import connection
from django.http import HttpResponse

from agencies.encryption import decrypt_many

_SELECT = (
    "SELECT c.id, c.number, c.stage, c.close_reason, c.owner_id, c.registered_by_id, c.caseworker_id,"
    " c.target_group_id, c.site_id, p.id, p.full_name, p.known_as, p.nik, p.birth_date, p.birth_year, p.sex,"
    " p.phone, p.home_region_id, p.address, p.current_site_id,"
    " ARRAY(SELECT t.targetgroup_id FROM cases_person_target_groups t WHERE t.person_id = p.id ORDER BY 1),"
    " c.stage_changed_at, c.created_at, c.updated_at"
    " FROM cases_case c JOIN cases_person p ON p.id = c.person_id"
)
_LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z


def _cases(rows) -> list[dict]:
    """The answer of each row, its NIK and phone decrypted together as the app decrypts a page's."""
    plain = decrypt_many([row[12] for row in rows] + [row[16] for row in rows])
    niks, phones = plain[: len(rows)], plain[len(rows) :]
    return [_case(row, nik, phone) for row, nik, phone in zip(rows, niks, phones, strict=True)]


def _case(row, nik: str, phone: str) -> dict:
    (pk, number, stage, close_reason, owner, registered_by, caseworker, target_group, site) = row[:9]
    (person, full_name, known_as, _nik, birth_date, birth_year, sex, _phone, home_region, address) = row[9:19]
    current_site, groups, stage_changed_at, created_at, updated_at = row[19:]
    return {
        "id": pk,
        "number": number,
        "stage": stage,
        "close_reason": close_reason,
        "owner": owner,
        "registered_by": registered_by,
        "caseworker": caseworker,
        "target_group": target_group,
        "site": site,
        "person": {
            "id": person,
            "full_name": full_name,
            "known_as": known_as,
            "nik": f"{nik[:4]}{'*' * 10}{nik[-2:]}" if nik else "",
            "birth_date": birth_date,
            "birth_year": birth_year,
            "sex": sex,
            "phone": phone,
            "home_region": home_region,
            "address": address,
            "current_site": current_site,
            "target_groups": groups,
        },
        "stage_changed_at": stage_changed_at.astimezone(_LOCAL),
        "created_at": created_at.astimezone(_LOCAL),
        "updated_at": updated_at.astimezone(_LOCAL),
    }


def _cursor(updated_at: datetime.datetime, pk: int, reverse: bool = False) -> str:
    fields = {"p": updated_at.isoformat(), "i": str(pk), **({"r": "1"} if reverse else {})}
    return base64.b64encode(parse.urlencode(fields).encode()).decode()


def case_list(request):
    """`?agency=` (the registering agency), `?page_size=`, `?cursor=` (the API's, forward) and `?updated_since=`."""
    size = int(request.GET.get("page_size", 50))
    where, params = ["c.registered_by_id = %s"], [int(request.GET["agency"])]
    if "updated_since" in request.GET:
        where.append("c.updated_at >= %s")
        params.append(datetime.datetime.fromisoformat(request.GET["updated_since"]))
    if "cursor" in request.GET:
        fields = parse.parse_qs(base64.b64decode(request.GET["cursor"]).decode())
        where.append("(c.updated_at, c.id) > (%s, %s)")
        params += [datetime.datetime.fromisoformat(fields["p"][0]), int(fields["i"][0])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY c.updated_at, c.id LIMIT %s",  # noqa: S608
            [*params, size + 1],
        )
        rows = cursor.fetchall()
    page = _cases(rows[:size])
    base = request.build_absolute_uri()
    body = {
        "next": _with_cursor(base, _cursor(rows[size - 1][-1], rows[size - 1][0])) if len(rows) > size else None,
        "previous": (
            _with_cursor(base, _cursor(rows[0][-1], rows[0][0], reverse=True))
            if "cursor" in request.GET and rows
            else None
        ),
        "results": page,
    }
    return HttpResponse(orjson.dumps(body, option=_OPTIONS), content_type="application/json")


def _with_cursor(url: str, cursor: str) -> str:
    parts = parse.urlsplit(url)
    query = [(k, v) for k, v in parse.parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    return parse.urlunsplit(parts._replace(query=parse.urlencode([*query, ("cursor", cursor)])))


def case_detail(request, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"{_SELECT} WHERE c.id = %s AND c.registered_by_id = %s", [pk, int(request.GET["agency"])])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return HttpResponse(status=404)
    return HttpResponse(orjson.dumps(_cases([row])[0], option=_OPTIONS), content_type="application/json")
