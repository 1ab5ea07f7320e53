"""HTTP node for the Elasticsearch client that speaks plain JSON media types.

The 8.x client sends `application/vnd.elasticsearch+json; compatible-with=8` (and the x-ndjson
variant for bulk), which osmem-server (the OpenSearch-compatible test server) answers with 406.
Plain `application/json` / `application/x-ndjson` mean the same to a real Elasticsearch 8, so
this node is harmless there (settings.ELASTICSEARCH_PLAIN_JSON turns it off if ever needed).
"""

from __future__ import annotations

from elastic_transport import Urllib3HttpNode

_PLAIN = {
    "application/vnd.elasticsearch+json; compatible-with=8": "application/json",
    "application/vnd.elasticsearch+x-ndjson; compatible-with=8": "application/x-ndjson",
}


def _plain(value):
    if not value:
        return value
    return _PLAIN.get(value, value.replace("vnd.elasticsearch+", "").split(";")[0].strip())


class PlainJsonHttpNode(Urllib3HttpNode):
    def __init__(self, config):
        super().__init__(config)
        for key in ("content-type", "accept"):
            if key in self._headers:
                self._headers[key] = _plain(self._headers[key])

    def perform_request(self, method, target, body=None, headers=None, request_timeout=...):
        if headers:
            headers = headers.copy()
            for key in ("content-type", "accept"):
                if key in headers:
                    headers[key] = _plain(headers[key])
        kwargs = {} if request_timeout is ... else {"request_timeout": request_timeout}
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)
