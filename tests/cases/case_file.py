"""Reading the case page as a person does: its header and its timeline, as text."""

import re


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def timeline_of(page: str) -> list[str]:
    """What each entry of the case page's timeline reads, newest first, tags dropped and spaces collapsed."""
    found = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)
    return [_text(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", found, re.S)]


def header_of(page: str) -> str:
    """What the case page's header (stage, caseworker, office, next due, consents, the move button) reads."""
    return _text(re.search(r'<section class="case-header".*?</section>', page, re.S).group(0))
