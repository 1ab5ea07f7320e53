# Sourced by the scripts: make sure .venv exists and holds the project with its test extra.
# Re-installs only when pyproject.toml changed since the last install (a stamp in .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON_FOR_VENV="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $($PYTHON_FOR_VENV --version 2>&1)"
    "$PYTHON_FOR_VENV" -m venv .venv
fi
VENV_PY="$PWD/.venv/bin/python"
stamp=.venv/.imr-kb-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "${IMR_SKIP_INSTALL:-0}" = 1 ]; then
    :  # the caller vouches for .venv (used by the tests of these scripts)
elif [ "${IMR_FORCE_PIP:-0}" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> pip install -e '.[test]' (quiet)"
    t0=$SECONDS
    # One retry: a registry hiccup should not fail a whole CI run.
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check -e '.[test]' || {
        echo "==> pip install failed; retrying once in 15 s" >&2
        sleep 15
        "$VENV_PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'
    }
    echo "$want" > "$stamp"
    echo "==> pip install took $((SECONDS - t0)) s"
fi
