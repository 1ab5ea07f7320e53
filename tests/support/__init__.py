"""What every test may need: where the real letters are, and the one rule for something missing.

    require_shared_data()      the 150 DWC letters beside the checkout, or skip (fail under CI)
    unavailable("why")         skip outside CI; under CI=true a missing service is a failure
    free_port()                a free loopback TCP port

Real letters are read from ../shared/data beside the checkout (never copied into the repo).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent.parent
SHARED_DATA = Path(os.environ.get("IMR_SHARED_DATA", REPO_DIR.parent / "shared" / "data"))
DWC_TXT = SHARED_DATA / "dwc-imr" / "txt"
DWC_PDF = SHARED_DATA / "dwc-imr" / "pdf"
SEED_DIR = SHARED_DATA / "seed"
FIXTURE_LETTERS = REPO_DIR / "tests" / "fixtures" / "letters"
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(message: str):
    """Skip the test outside CI; under CI=true fail it: CI installs every service and the shared
    data (.ci/run), so their absence there is a broken setup, not a reason to skip."""
    if IN_CI:
        pytest.fail(f"{message} (CI=true: .ci/run should have provided it)", pytrace=False)
    pytest.skip(message)


def require_shared_data():
    if not DWC_TXT.is_dir():
        unavailable(f"real letters not found at {DWC_TXT}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
