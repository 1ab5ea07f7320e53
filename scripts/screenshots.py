"""Screenshots of the product's pages, for the README and the issues' closing notes.

    bash scripts/setup-and-run.sh &            # the demo on http://127.0.0.1:8000/
    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--out docs/screenshots]

Drives Debian's /usr/bin/chromium through Playwright, at a desktop width (1280 px) and a phone's
(390 px), and writes PNGs of the top of each page (what a user sees first; small enough to commit). The page list is below: the search for a
procedure with its decision counts, its analytics, the dashboard, the precedent finder, a letter
and the guideline section its reviewers rely on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = [
    ("search-mbb", "/search/?q=MBB"),
    ("search-lumbar-mri", "/search/?q=lumbar+MRI"),
    ("search-lumbar-mri-overturned", "/search/?q=lumbar+MRI&decision=Overturned"),
    ("analytics-lumbar-mri", "/analytics/?q=lumbar+MRI"),
    ("dashboard", "/dashboard/"),
    ("precedents-mbb", "/precedents/?request=bilateral+L4-5+medial+branch+blocks"),
]
PHONE = {"search-lumbar-mri", "letter"}  # also captured 390 px wide
# Followed from the search page, so the names stay right whatever the letters are.
FIRST_LETTER = "/search/?q=lumbar+MRI&decision=Overturned"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--extra", action="append", default=[], metavar="NAME=PATH", help="another page to capture (repeatable)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pages = list(PAGES) + [tuple(e.split("=", 1)) for e in args.extra]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        desktop = browser.new_page(viewport={"width": 1280, "height": 900})
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        desktop.goto(args.url + FIRST_LETTER)
        letter = desktop.locator("a.case-link").first.get_attribute("href")
        pages.append(("letter", letter))
        desktop.goto(args.url + letter)
        hrefs = desktop.locator("main a[href^='/guidelines/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        sections = [h for h in hrefs if h.strip("/").count("/") == 2]  # /guidelines/<document>/<section>/
        if sections:
            pages.append(("guideline-section", sections[0]))
        for name, path in pages:
            for page, suffix in ((desktop, ""), (phone, "-390")) if name in PHONE else ((desktop, ""),):
                response = page.goto(args.url + path)
                if response is None or response.status != 200:
                    raise SystemExit(f"{path}: HTTP {response.status if response else 'no response'}")
                target = args.out / f"{name}{suffix}.png"
                page.screenshot(path=str(target))
                print(f"{target}  {target.stat().st_size // 1024} KB  {path}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
