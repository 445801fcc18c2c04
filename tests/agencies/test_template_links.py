"""Links in the shell's and agencies' templates are built by {% url %} (or are absolute), never relative paths a
browser would resolve against whatever page it is on (issue 12, item 1). A query alone ("?o=1") stays on the page."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [ROOT / "config" / "templates", ROOT / "agencies" / "templates"]
LINK = re.compile(r"""\b(?:href|action|src)=["']([^"']*)["']""")


def _relative_links() -> list[str]:
    found = []
    for folder in FOLDERS:
        for template in folder.rglob("*.html"):
            for target in LINK.findall(template.read_text()):
                if target and not target.startswith(("{", "/", "#", "?", "http://", "https://", "mailto:")):
                    found.append(f"{template.relative_to(ROOT)}: {target}")
    return found


def test_no_template_links_by_a_relative_path():
    assert _relative_links() == []
