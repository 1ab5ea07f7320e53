"""Container health check of the web service: GET /healthz/ on this machine's server, exit 0 if
it answers 200. Stdlib only (runs in the image with no extra tools).

Sends the Host of the first DJANGO_ALLOWED_HOSTS entry (Django refuses others) and the proxy's
HTTPS header when DJANGO_SECURE_PROXY_SSL_HEADER is set; /healthz/ is exempt from the HTTPS
redirect anyway.
"""

from __future__ import annotations

import http.client
import os
import sys


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "127.0.0.1")
    headers = {"Host": host}
    proxy_header = [p.strip() for p in os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").split(",") if p.strip()]
    if len(proxy_header) == 2 and proxy_header[0].startswith("HTTP_"):
        headers[proxy_header[0][5:].replace("_", "-").title()] = proxy_header[1]
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", "5")))
        conn.request("GET", "/healthz/", headers=headers)
        response = conn.getresponse()
        body = response.read(500).decode("utf-8", "replace")
    except OSError as exc:
        print(f"healthcheck: no answer on port {port}: {exc}", file=sys.stderr)
        return 1
    if response.status != 200:
        print(f"healthcheck: /healthz/ answered {response.status}: {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
