"""get_backend(): the configured search backend (settings.SEARCH_BACKEND)."""
from __future__ import annotations

from .base import FACETS, FacetValue, LetterHit, SearchBackend, SearchBackendError, SearchQuery, SearchResult

__all__ = ["FACETS", "FacetValue", "LetterHit", "SearchBackend", "SearchBackendError", "SearchQuery",
           "SearchResult", "get_backend", "reset_backend"]

_backends: dict[str, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    """The backend named by settings.SEARCH_BACKEND ("embedded" or "elasticsearch"), cached."""
    from django.conf import settings

    name = name or getattr(settings, "SEARCH_BACKEND", "embedded")
    if name not in _backends:
        if name == "embedded":
            from .embedded import EmbeddedBackend

            _backends[name] = EmbeddedBackend(settings.SEARCH_INDEX_DIR)
        elif name == "elasticsearch":
            from .elasticsearch import ElasticsearchBackend

            # ELASTICSEARCH_PLAIN_JSON (default True): send plain application/json, which osmem-server
            # needs and a real Elasticsearch 8 accepts (see search.backends.es_transport).
            _backends[name] = ElasticsearchBackend(
                settings.ELASTICSEARCH_URL,
                prefix=settings.ELASTICSEARCH_INDEX_PREFIX,
                plain_json=getattr(settings, "ELASTICSEARCH_PLAIN_JSON", True),
            )
        else:
            raise ValueError(f"unknown SEARCH_BACKEND {name!r} (expected 'embedded' or 'elasticsearch')")
    return _backends[name]


def reset_backend() -> None:
    """Forget cached backends (tests switching settings)."""
    for backend in _backends.values():
        backend.close()
    _backends.clear()
