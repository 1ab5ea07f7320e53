"""Reading the numbers a page shows, as a user reads them."""

from __future__ import annotations

import re


def figures(html: str) -> tuple[int, int]:
    """(decisions, letters) from the page's result count."""
    m = re.search(r'id="result-count"><strong>(\d+)</strong> decisions? in (?:about )?<strong>(\d+)</strong>', html)
    assert m, html[:2000]
    return int(m.group(1)), int(m.group(2))
