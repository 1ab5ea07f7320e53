"""parse_text throughput on the 150 shipped letter texts, one process (one core).

    .venv/bin/python bench/parse_text.py [--runs 5]

Prints the median letters/second over the runs, and the best and worst run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cases.parser import parse_text  # noqa: E402

DATA = Path(os.environ.get("IMR_SHARED_DATA", REPO.parent / "shared" / "data")) / "dwc-imr" / "txt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))]
    if not texts:
        print(f"no letters under {DATA}", file=sys.stderr)
        return 1
    for text in texts[:10]:  # warm up: compile regexes, load data files
        parse_text(text)
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        items = sum(len(parse_text(t).items) for t in texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    print(
        f"parse_text: {statistics.median(rates):.0f} letters/s median of {args.runs} runs "
        f"(min {min(rates):.0f}, max {max(rates):.0f}); {len(texts)} letters, {items} items"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
