"""The `read` section: the partner API's case list (page 1 and a deep cursor page) and detail, in-process through
the whole middleware stack, against the raw-SQL floors of bench/floors.py."""

from bench.common import Result, paired_medians


def measure(seeded: dict, args) -> list[Result]:
    from django.test import Client

    from agencies.api.pagination import SyncCursor
    from cases.models import Case

    client = Client(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    agency = seeded["ngo"].pk
    results = []

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])

    ours, floor = paired_medians(
        lambda: get("/api/v1/cases/?page_size=50"), lambda: get(f"/floor/cases/?agency={agency}"), args.repeat
    )
    results.append(Result("case list, page 1 of 50 (ms)", ours, floor, "≤ 2.5×"))

    # 100 rows from the end of a million: with an offset cursor this is the page that costs. Among the seeded rows,
    # so that --reuse after an intake section (whose rows come last, NIK and phone encrypted) measures the same page.
    deep_case = Case.objects.filter(number__startswith="35.10-B-").order_by("-updated_at", "-id")[100]
    cursor = SyncCursor.cursor_at(deep_case.updated_at, deep_case.pk)
    after = deep_case.updated_at.isoformat().replace("+", "%2B")
    deep, deep_floor = paired_medians(
        lambda: get(f"/api/v1/cases/?page_size=50&cursor={cursor}"),
        lambda: get(f"/floor/cases/?agency={agency}&after={after}&id={deep_case.pk}"),
        args.repeat,
    )
    results.append(Result("case list, deep cursor page (ms)", deep, deep_floor, "≤ 2.5×"))
    results.append(Result("case list, deep cursor page vs page 1 (ms)", deep, ours, "≤ 1.2×"))

    pk = deep_case.pk
    ours, floor = paired_medians(
        lambda: get(f"/api/v1/cases/{pk}/"), lambda: get(f"/floor/cases/{pk}/?agency={agency}"), args.repeat
    )
    results.append(Result("case detail (ms)", ours, floor, "≤ 2×"))
    return results
