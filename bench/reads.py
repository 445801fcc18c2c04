"""The `read` section: the partner API's case list (page 1, a deep cursor page, an `updated_since` sync) and detail,
in-process through the whole middleware stack, against the raw-SQL floors of bench/floors.py. Before timing, each
floor's answer is checked to be ours (same JSON, decrypted values); then ours and the floor are called in turn."""

from urllib.parse import parse_qs, quote, urlsplit

import orjson

from bench.common import Result, paired_medians, statements
from bench.seeding import SEEDED_EXTERNAL_ID

# The seeded cases (bench/api.py) carry the NGO's own reference; rows an intake section added later do not.


def measure(seeded: dict, args) -> list[Result]:
    from django.test import Client

    from agencies.api.pagination import SyncCursor
    from cases.models import Case

    client = Client(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    agency = seeded["ngo"].pk
    results = []

    def get(url) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response.content

    sync_order = Case.objects.filter(external_id__startswith=SEEDED_EXTERNAL_ID).order_by("-updated_at", "-id")
    # 100 rows from the end: with an offset cursor this is the page that costs. Among the seeded rows, so that
    # --reuse after an intake section (whose rows come last) measures the same page.
    deep_case = sync_order[100]
    deep = SyncCursor.cursor_at(deep_case.updated_at, deep_case.pk)
    # A sync since the instant a tenth of the caseload has changed after (many pages of them).
    since = quote(sync_order[max(args.cases // 10, 1)].updated_at.isoformat())
    # A case from the middle, not the newest, whose person has a NIK and a phone to decrypt (most have).
    middle = sync_order.select_related("person")[args.cases // 2 : args.cases // 2 + 50]
    pk = next(case.pk for case in middle if case.person.nik and case.person.phone)
    pairs = [
        ("case list, page 1 of 50", "/api/v1/cases/?page_size=50", f"/floor/cases/?agency={agency}&page_size=50"),
        (
            "case list, deep cursor page",
            f"/api/v1/cases/?page_size=50&cursor={deep}",
            f"/floor/cases/?agency={agency}&page_size=50&cursor={deep}",
        ),
        (
            "case list, updated_since, page 1 of 50",
            f"/api/v1/cases/?page_size=50&updated_since={since}",
            f"/floor/cases/?agency={agency}&page_size=50&updated_since={since}",
        ),
        ("case detail", f"/api/v1/cases/{pk}/", f"/floor/cases/{pk}/?agency={agency}"),
    ]
    for name, ours_url, floor_url in pairs:
        _assert_same_answer(get(ours_url), get(floor_url), name)
    timings = {}
    for name, ours_url, floor_url in pairs:
        ours, floor = paired_medians(lambda u=ours_url: get(u), lambda u=floor_url: get(u), args.repeat)
        timings[name] = ours
        queries = statements(lambda u=ours_url: get(u))
        results.append(Result(f"{name} (ms)", ours, floor, "≤ 2.5×", queries))
    results.insert(
        2,
        Result(
            "case list, deep cursor page vs page 1 (ms)",
            timings["case list, deep cursor page"],
            timings["case list, page 1 of 50"],
            "≤ 1.2×",
        ),
    )
    return results


def _assert_same_answer(ours: bytes, floor: bytes, name: str) -> None:
    """The floor's JSON is ours: equal but for the links' host and path (only their cursors are compared)."""
    ours, floor = orjson.loads(ours), orjson.loads(floor)
    for answer in (ours, floor):
        for link in ("next", "previous"):
            if answer.get(link):
                answer[link] = parse_qs(urlsplit(answer[link]).query)["cursor"]
    if ours != floor:
        raise SystemExit(f"The floor of {name!r} does not answer what the API answers:\n{ours}\n{floor}")
    rows = ours.get("results", [ours])
    assert rows and any(row["person"]["nik"] and row["person"]["phone"] for row in rows), name
