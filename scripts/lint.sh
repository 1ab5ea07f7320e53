#!/usr/bin/env bash
# ruff: the lint rules and the format of pyproject.toml, over the whole tree (what CI runs first).
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
echo "==> ruff check . && ruff format --check ."
"$VENV_PY" -m ruff check .
"$VENV_PY" -m ruff format --check .
