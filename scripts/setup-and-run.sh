#!/usr/bin/env bash
# One command for a fresh machine: set up the venv, the database, the demo data and an admin
# user, then serve the product at http://127.0.0.1:8000/ (embedded search, no services needed).
#   DEMO_ADMIN_USER / DEMO_ADMIN_PASSWORD   admin credentials (default admin / admin; local demo only)
#   HOST / PORT                             where to serve (default 127.0.0.1 / 8000)
#   DEMO_LETTERS                            a folder of letters to load instead of the defaults
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"   # runserver serves the admin's static files only in DEBUG
echo "==> migrate"
"$VENV_PY" manage.py migrate --noinput
echo "==> setup_demo"
"$VENV_PY" manage.py setup_demo ${DEMO_LETTERS:+--letters "$DEMO_LETTERS"}
echo "==> serving http://${HOST:-127.0.0.1}:${PORT:-8000}/ (Ctrl-C to stop)"
exec "$VENV_PY" manage.py runserver --noreload "${HOST:-127.0.0.1}:${PORT:-8000}"
