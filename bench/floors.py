"""The floors of bench/api.py: what a page costs with no framework at all. One raw SQL query for the same rows
and the same fields as the API answers (case, person and the person's target groups), serialized by orjson,
behind the same middleware. No authentication, no access rule, no access log: the ratio is their price."""

import orjson
from django.db import connection
from django.http import HttpResponse

_FIELDS = (
    "c.id, c.number, c.stage, c.close_reason, c.owner_id, c.registered_by_id, c.caseworker_id, c.target_group_id,"
    " c.site_id, c.stage_changed_at, c.created_at, c.updated_at, p.id, p.full_name, p.known_as, p.nik,"
    " p.birth_date, p.birth_year, p.sex, p.phone, p.home_region_id, p.address, p.current_site_id,"
    " ARRAY(SELECT t.targetgroup_id FROM cases_person_target_groups t WHERE t.person_id = p.id ORDER BY 1)"
    " FROM cases_case c JOIN cases_person p ON p.id = c.person_id"
)


def case_list(request):
    """`?agency=` (the registering agency), `?page_size=`, and `?after=<updated_at>&id=<id>` for a deep page."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_FIELDS} WHERE c.registered_by_id = %s AND (c.updated_at, c.id) > (%s, %s)"
            " ORDER BY c.updated_at, c.id LIMIT %s",
            [
                int(request.GET["agency"]),
                request.GET.get("after", "1970-01-01T00:00:00Z"),
                int(request.GET.get("id", 0)),
                int(request.GET.get("page_size", 50)),
            ],
        )
        rows = cursor.fetchall()
    return HttpResponse(orjson.dumps(rows), content_type="application/json")


def case_detail(request, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_FIELDS} WHERE c.id = %s AND c.registered_by_id = %s", [pk, int(request.GET["agency"])]
        )
        row = cursor.fetchone()
    return HttpResponse(orjson.dumps(row), content_type="application/json")
