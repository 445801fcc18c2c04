"""Every page and form of the admin that a demo role can reach by clicking works, in Indonesian, in few queries.

The crawl signs in through the login form from an English browser (the account's language must win), follows
every link from the admin index as a browser resolves it, and submits every form it finds once empty and once as it
stands. See crawl.py for what it reads on each page. Set CRAWL_REPORT to a file name to get the problems as JSON.
"""

import json
import os
from collections import defaultdict

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import PASSWORD
from tests.browser.crawl import QUERY_BOUND, WRITE_QUERY_BOUND, Crawler, Page, english_words, submissions

# Each demo role once, and a second district office and NGO for breadth (other agencies' rows, other programs).
ROLES = ["provinsi", "kabupaten", "keuangan", "lks", "mitra", "pimpinan", "auditor", "dpo", "semarang", "lentera"]


def signed_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    response = client.post(reverse("admin:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def summary(problems) -> str:
    """Every problem once: the same English label on forty pages is one line, with the first page it was seen on."""
    first, pages = {}, defaultdict(int)
    for problem in problems:
        key = (problem.kind, problem.detail)
        first.setdefault(key, problem)
        pages[key] += 1
    lines = [f"{first[key]}" + (f"  (+{pages[key] - 1} more)" if pages[key] > 1 else "") for key in first]
    return "\n".join(lines)


@pytest.mark.parametrize("username", ROLES)
def test_every_page_and_form_a_role_reaches_from_the_index_answers_in_indonesian_within_bounded_queries(demo, username):
    crawl = Crawler(signed_in(username)).run()

    worst = ", ".join(f"{count} {url}" for count, url in crawl.worst(3))
    print(f"\n{username}: {crawl.pages} pages, {crawl.forms} form submissions; most queries: {worst}")
    for note in crawl.notes:
        print(f"  note: {note}")
    if os.environ.get("CRAWL_REPORT"):
        with open(os.environ["CRAWL_REPORT"], "a") as report:
            report.write(json.dumps({"role": username, **crawl.record()}) + "\n")
    assert crawl.pages > 1, f"{username} reached no page from the index"
    if crawl.problems:
        pytest.fail(
            f"{username}: {len(crawl.problems)} problems on {crawl.pages} pages "
            "(no 5xx, no link to nowhere, Indonesian only, no ISO date, "
            f"at most {QUERY_BOUND} queries a page and {WRITE_QUERY_BOUND} a form):\n" + summary(crawl.problems),
            pytrace=False,
        )


def test_the_crawl_follows_a_relative_link_where_a_browser_goes_and_never_signs_out_or_deletes():
    crawl = Crawler(client=None)

    assert crawl.resolve("/admin/cases/case/5/change/", "move/") == "/admin/cases/case/5/change/move/"
    assert crawl.resolve("/admin/cases/case/5/change/", "../history/") == "/admin/cases/case/5/history/"
    skipped = ["#", "javascript:void(0)", "/admin/logout/", "delete/", "/i18n/setlang/", "/api/v1/docs/", "/"]
    assert [crawl.resolve("/admin/cases/case/5/change/", href) for href in skipped] == [None] * len(skipped)


def test_the_crawl_sends_a_form_as_it_stands_and_empty_with_only_its_hidden_fields():
    page = Page()
    page.feed(
        '<form method="post" action="move/"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<select name="to"><option value="">---</option><option value="planned">Rencana</option></select>'
        '<input type="checkbox" name="urgent" checked><input type="checkbox" name="other">'
        '<textarea name="reason">\nSudah dibahas</textarea>'
        '<button name="decision" value="accept">Terima</button></form>'
    )

    sent = dict(submissions(page.forms[0]))
    assert sent["empty"] == [("csrfmiddlewaretoken", "t"), ("decision", "accept")]
    assert sent["valid decision=accept"] == [
        ("csrfmiddlewaretoken", "t"),
        ("to", "planned"),
        ("urgent", "on"),
        ("reason", "Sudah dibahas"),
        ("decision", "accept"),
    ]


def test_english_is_found_among_indonesian_but_words_both_languages_share_are_not():
    assert english_words("Save and add another") == ["save", "and", "add", "another"]
    assert english_words("Data status: total Rp 5.000 untuk No. KK, BPJS, info@demo.invalid, kode add506434b45") == []
