#!/usr/bin/env bash
# One command for a fresh machine: set up the venv, the database, the demo data and an admin
# user, then serve the product at http://127.0.0.1:8000/ (embedded search, no services needed)
# with the production server (scripts/serve.sh: gunicorn, DEBUG off, static files by WhiteNoise).
#   DEMO_ADMIN_USER / DEMO_ADMIN_PASSWORD   admin created on the first run (default admin / admin; local demo only)
#   HOST / PORT                             where to serve (default 127.0.0.1 / 8000)
#   DEMO_LETTERS                            a folder of letters to load instead of the defaults
#   WEB_CONCURRENCY                         gunicorn workers (default 2 x cores + 1)
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
export DJANGO_DEBUG="${DJANGO_DEBUG:-0}"
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
    # A key of this machine's own, made on the first run and kept with the demo's data (the
    # server refuses the built-in development key with DEBUG off).
    key_file="${IMR_VAR_DIR:-var}/secret-key"
    mkdir -p "$(dirname "$key_file")"
    if [ ! -s "$key_file" ]; then
        (umask 077 && "$VENV_PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$key_file")
    fi
    DJANGO_SECRET_KEY="$(cat "$key_file")"
    export DJANGO_SECRET_KEY
fi
echo "==> migrate"
"$VENV_PY" manage.py migrate --noinput
echo "==> setup_demo"
"$VENV_PY" manage.py setup_demo ${DEMO_LETTERS:+--letters "$DEMO_LETTERS"}
echo "==> serving http://${HOST:-127.0.0.1}:${PORT:-8000}/ (Ctrl-C to stop)"
exec bash scripts/serve.sh
