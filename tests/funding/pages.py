"""Reading admin pages as a person does: the buttons they see, the links they can follow, the text they read."""

import html
import re
from urllib.parse import urljoin

from funding.models import LedgerEntry


def object_tools(page: str) -> dict[str, str]:
    """The buttons at the top right of an admin object page, as {label: href} exactly as written in the page."""
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', page, re.S)
    links = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', tools.group(1) if tools else "", re.S)
    return {visible_text(label): html.unescape(href) for href, label in links}


def links(page: str, after: str = 'class="breadcrumbs"') -> list[str]:
    """Every link target from `after` on (the breadcrumbs and the page's own content by default), as written."""
    return [html.unescape(href) for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', page[page.index(after) :])]


def followed(client, page_url: str, href: str):
    """GET `href` as a browser resolves it from the page at `page_url`."""
    return client.get(urljoin(f"http://testserver{page_url}", href))


def visible_text(page: str) -> str:
    """What a person reads: no tags, scripts, styles or attributes, whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def funding_pages(money) -> list[str]:
    """Every page of the funding admin, about the rows of the `every_kind_of_money` fixture."""
    some = money["paid"]
    entitlement = some.installment.entitlement
    allocation = entitlement.allocation
    pages = [
        "/admin/funding/",
        "/admin/funding/fundingsource/",
        f"/admin/funding/fundingsource/{allocation.source_id}/change/",
        "/admin/funding/allocation/",
        f"/admin/funding/allocation/{allocation.pk}/change/",
        "/admin/funding/allocation/realization/",
        *(f"/admin/funding/allocation/realization/?by={by}" for by in ["source", "program", "district", "month"]),
        "/admin/funding/benefit/",
        f"/admin/funding/benefit/{entitlement.benefit_id}/change/",
        "/admin/funding/entitlement/",
        f"/admin/funding/entitlement/{entitlement.pk}/change/",
        "/admin/funding/installment/",
        f"/admin/funding/installment/{some.installment_id}/change/",
        "/admin/funding/disbursement/",
        "/admin/funding/ledgerentry/",
        f"/admin/funding/disbursement/{some.pk}/receipt/",
        f"/admin/funding/disbursement/{money['approved'].pk}/pay/",
        f"/admin/funding/disbursement/{money['requested'].pk}/reject/",
        f"/admin/funding/disbursement/{money['requested'].pk}/approve/",
        f"/admin/funding/disbursement/{some.pk}/reverse/",
    ]
    pages += [f"/admin/funding/disbursement/{d.pk}/change/" for d in money.values()]
    pages += [f"/admin/funding/ledgerentry/{pk}/change/" for pk in LedgerEntry.objects.values_list("pk", flat=True)]
    return pages
