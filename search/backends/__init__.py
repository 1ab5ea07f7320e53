"""The search backends, by name: settings.SEARCH_BACKENDS maps each name to the dotted path of
its class (as Wagtail's WAGTAILSEARCH_BACKENDS and django-modelsearch do), and
settings.SEARCH_BACKEND names the one in use. A backend class takes its own settings:

    SEARCH_BACKENDS = {"embedded": "search.backends.embedded.EmbeddedBackend", ...}
    backend = get_backend()                 # the configured one, cached per process
    backend = get_backend("elasticsearch")  # another, by name

Adding an engine is a class implementing search.backends.base.SearchBackend with a
`from_settings(settings)` classmethod, and one line in SEARCH_BACKENDS; `search_index --backend`
and the contract tests (tests/search/test_backends.py) read the names from there.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from search.backends.base import (
    FACETS,
    FacetValue,
    LetterHit,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
)

__all__ = [
    "FACETS",
    "FacetValue",
    "LetterHit",
    "SearchBackend",
    "SearchBackendError",
    "SearchQuery",
    "SearchResult",
    "backend_names",
    "get_backend",
    "reset_backend",
]

_backends: dict[str, SearchBackend] = {}


def backend_names() -> list[str]:
    """The engines this deployment knows (settings.SEARCH_BACKENDS), in their order there."""
    return list(settings.SEARCH_BACKENDS)


def get_backend(name: str | None = None) -> SearchBackend:
    """The backend named (default: settings.SEARCH_BACKEND), made from its settings once per process."""
    name = name or settings.SEARCH_BACKEND
    if name not in _backends:
        try:
            path = settings.SEARCH_BACKENDS[name]
        except KeyError:
            raise ValueError(
                f"unknown SEARCH_BACKEND {name!r} (settings.SEARCH_BACKENDS has: {', '.join(backend_names())})"
            ) from None
        _backends[name] = import_string(path).from_settings(settings)
    return _backends[name]


def reset_backend() -> None:
    """Forget cached backends (tests switching settings)."""
    for backend in _backends.values():
        backend.close()
    _backends.clear()
