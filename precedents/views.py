"""/precedents/: the precedent finder's form and its answer (precedents.payload's dict).

The form posts (a pasted clinical summary is longer than a URL may be); a GET with `request`
(a link from a letter page) answers too. Letter text reaches the template autoescaped.
"""

from __future__ import annotations

import logging

from django.shortcuts import render

from precedents.payload import find, payload
from precedents.query import MAX_REQUEST, MAX_SUMMARY, parse_precedent_params
from search.backends.base import PRECEDENTS_MAX, SearchBackendError
from search.health import UNAVAILABLE

log = logging.getLogger(__name__)


def precedents_page(request):
    data_in = request.POST if request.method == "POST" else request.GET
    params, data, error = None, None, None
    if any(data_in.get(k) for k in ("request", "summary", "exclude", "size")):
        params = parse_precedent_params(data_in)
        if params.is_valid:
            try:
                data = payload(find(params))
            except SearchBackendError:
                log.exception("precedent search failed")
                error = UNAVAILABLE
    return render(
        request,
        "precedents/finder.html",
        {
            "params": params,
            "data": data,
            "error": error,
            "form_errors": params.errors if params else {},
            "max_request": MAX_REQUEST,
            "max_summary": MAX_SUMMARY,
            "max_size": PRECEDENTS_MAX,
        },
    )
