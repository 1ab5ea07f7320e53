"""What a saved search holds: the search page's query string, canonical (the state as
search.params writes it, without page, page size or sort), and a name."""

from __future__ import annotations

import re

from django.http import QueryDict

from search.params import DEFAULT_PAGE_SIZE, SearchParams, parse_search_params

NAME_MAX = 200
SPACE_RE = re.compile(r"\s+")


class InvalidSearch(ValueError):
    """The query string is not a search of decisions the page would run."""


def canonical_query(params: SearchParams) -> str:
    """q, widen, filters and dates as /search/ writes them (sorting and paging are the page's)."""
    return params.querystring(page=1, sort="relevance", page_size=DEFAULT_PAGE_SIZE).lstrip("?")


def parse_saved_query(query: str) -> SearchParams:
    params = parse_search_params(QueryDict(query or ""))
    if params.errors:
        raise InvalidSearch("; ".join(f"{name}: {' '.join(messages)}" for name, messages in params.errors.items()))
    if params.target != "determinations":
        raise InvalidSearch("only searches of decisions can be saved (not guideline sections)")
    return params


def default_name(params: SearchParams) -> str:
    parts = [params.q] if params.q else []
    for facet, values in params.filters.items():
        parts.append(f"{facet.replace('_', ' ')}: {', '.join(values)}")
    if params.date_from or params.date_to:
        parts.append(f"decided {params.date_from or '…'} to {params.date_to or '…'}")
    return clean_name(" · ".join(parts) or "All decisions")


def clean_name(name: str) -> str:
    """One line (it becomes the e-mail's subject), at most NAME_MAX characters."""
    return SPACE_RE.sub(" ", name or "").strip()[:NAME_MAX]
