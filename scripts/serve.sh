#!/usr/bin/env bash
# The production web server: gunicorn on imr_kb.wsgi, static files served by WhiteNoise.
# Used by the demo (scripts/setup-and-run.sh), the Docker image and scripts/topology.py.
#   HOST / PORT              where to listen (default 127.0.0.1 / 8000; the image sets HOST=0.0.0.0)
#   WEB_CONCURRENCY          gunicorn worker processes (default 2 x cores + 1)
#   GUNICORN_TIMEOUT         seconds before a stuck worker is restarted (default 60)
#   FORWARDED_ALLOW_IPS      proxies trusted for X-Forwarded-* (default 127.0.0.1)
#   IMR_SKIP_COLLECTSTATIC=1 the static files are already collected (the image does it at build)
# Everything else (database, search, broker, security) comes from the environment: README
# "Configuration" and "Deploy". With DEBUG off the server refuses the development secret key.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${IMR_PYTHON:-}" ]; then
    PY="$IMR_PYTHON"
elif [ -x .venv/bin/python ]; then
    PY="$PWD/.venv/bin/python"
else
    PY="$(command -v python3 || command -v python)"
fi
workers="${WEB_CONCURRENCY:-$(( 2 * $(nproc) + 1 ))}"
if [ "${IMR_SKIP_COLLECTSTATIC:-0}" != 1 ]; then
    "$PY" manage.py collectstatic --noinput --verbosity 0
fi
echo "==> gunicorn: $workers workers on http://${HOST:-127.0.0.1}:${PORT:-8000}/"
# --preload: the application (and its secret-key check) loads once, before the workers fork,
# so a configuration error stops the server at once with one message.
exec "$PY" -m gunicorn imr_kb.wsgi:application \
    --bind "${HOST:-127.0.0.1}:${PORT:-8000}" \
    --workers "$workers" \
    --preload \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --graceful-timeout 30 \
    --max-requests 2000 --max-requests-jitter 200 \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --access-logfile "${GUNICORN_ACCESS_LOG:--}" \
    --error-logfile - \
    --log-level "${GUNICORN_LOG_LEVEL:-info}"
