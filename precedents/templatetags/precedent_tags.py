"""The letter page's similar decisions: `{% similar_decisions item det as similar %}`.

For one decision of a letter, the past decisions most like it, asked as the precedent finder
asks (its request and the letter's clinical summary), the letter's own decisions left out. It
reads the search index only, no SQL, so the letter page's query count stays what it was.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from precedents.payload import find, payload
from precedents.query import PrecedentParams
from search.backends.base import SearchBackendError

register = template.Library()
log = logging.getLogger(__name__)
ON_LETTER_PAGE = 5


@register.simple_tag
def similar_decisions(item, det) -> dict:
    """{"results": [...] (precedents.payload results), "more_url", "error"}."""
    params = PrecedentParams(
        request=item.request, summary=det.clinical_summary or "", exclude_letters=[det.pk], size=ON_LETTER_PAGE
    )
    more = {"request": item.request, **({"exclude": det.case_number} if det.case_number else {})}
    out = {"results": [], "more_url": reverse("precedents:finder") + "?" + urlencode(more), "error": None}
    if not item.request:
        return out
    try:
        # No health check here: the panel is secondary, and the letter page's SQL stays fixed (the
        # search pages tell users when the index is not whole).
        out["results"] = payload(find(params, with_quotes=False, check_health=False))["results"]
    except SearchBackendError as exc:
        log.warning("similar decisions unavailable for letter %s: %s", det.pk, exc)
        out["error"] = "Similar decisions are unavailable right now."
    return out
