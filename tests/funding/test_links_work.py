"""Every link on a funding page, followed as a browser follows it, opens a page for the person who was shown it:
no link to a record they may not see (a person's account, a case outside their scope) (issue 12 §1)."""

from urllib.parse import urljoin, urlparse

import pytest

from tests.funding.pages import funding_pages, links

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("viewer", ["staff", "approver"])
def test_every_link_on_a_funding_page_opens(request, client, every_kind_of_money, viewer):
    client.force_login(request.getfixturevalue(viewer))

    broken, seen = [], set()
    for url in funding_pages(every_kind_of_money):
        page = client.get(url, follow=True).content.decode()
        for href in links(page, after='id="content"'):
            target = urljoin(f"http://testserver{url}", href)
            if target in seen or urlparse(target).path.startswith("/static/"):
                continue
            seen.add(target)
            response = client.get(target)
            if response.status_code != 200:
                broken.append((url, href, response.status_code))

    assert broken == [], "\n".join(map(str, broken))
