"""The documentation names only what exists: every repository path and every project module a
page of README.md, DEVELOPERS.md or docs/ mentions in backticks is there (a renamed or removed
design leaves no stale name behind), every docs/ page is linked from the README, and the README
stays a front door (<= 250 lines)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", REPO / "DEVELOPERS.md", *sorted((REPO / "docs").glob("*.md"))]
TOP = {p.name for p in REPO.iterdir() if p.is_dir() and not p.name.startswith(".")} - {"var"}
APPS = [
    "cases",
    "guidelines",
    "procedures",
    "search",
    "analytics",
    "precedents",
    "exports",
    "alerts",
    "web",
    "pipeline",
    "imr_kb",
]
PATH_RE = re.compile(r"`((?:" + "|".join(sorted(TOP)) + r")/[^`\s]*)`")
MODULE_RE = re.compile(r"`((?:" + "|".join(APPS) + r")(?:\.[a-z_][a-z0-9_]*)+)")


def _exists(path: str) -> bool:
    path = path.split("::")[0]  # a test id names its file
    if "<" in path or "*" in path:  # a pattern ("cases/parser/layouts/<name>.py"): its folder exists
        path = path.split("<")[0].split("*")[0].rsplit("/", 1)[0]
    return (REPO / path.rstrip("/")).exists()


def _importable(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):  # the longest module prefix; the rest are attributes
        name = ".".join(parts[:cut])
        try:
            if importlib.util.find_spec(name) is not None:
                return True
        except ModuleNotFoundError:
            continue
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_paths_and_modules_named_exist(page):
    text = page.read_text(encoding="utf-8")
    missing = [p for p in PATH_RE.findall(text) if not _exists(p)]
    missing += [m for m in MODULE_RE.findall(text) if not _importable(m)]
    assert not missing, f"{page.name} names what does not exist: {sorted(set(missing))}"


def test_every_docs_page_is_reachable_from_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\(docs/([\w.-]+\.md)\)", readme))
    docs = {p.name for p in (REPO / "docs").glob("*.md")}
    pages_linked_from_docs = set()
    for name in linked:
        pages_linked_from_docs |= set(
            re.findall(r"\(([\w.-]+\.md)\)", (REPO / "docs" / name).read_text(encoding="utf-8"))
        )
    assert docs <= linked | pages_linked_from_docs, (
        f"not linked from the README: {sorted(docs - linked - pages_linked_from_docs)}"
    )


def test_the_readme_is_a_front_door():
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
