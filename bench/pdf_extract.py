"""Compare PDF text extraction libraries on the 150 real DWC letters, and time parse_text.

For pypdf, pypdfium2 and pdfminer.six: letters per second (median of N runs, one process, one
core) and fidelity: how many letters parse without errors, and how many give exactly the same
ParsedLetter.to_dict() as the shipped text (extracted with pypdf 7.1.0 by the data provider).
Then parse_text throughput on the shipped text (median of N runs).

    .venv/bin/python bench/pdf_extract.py [--runs 3] [--limit N] [--skip pdfminer]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cases.parser import parse_text  # noqa: E402
from cases.parser.pdf import pdf_to_text  # noqa: E402

DATA = Path(os.environ.get("IMR_SHARED_DATA", REPO.parent / "shared" / "data")) / "dwc-imr"


def with_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def with_pypdfium2(path: Path) -> str:
    # exactly what cases.parser.extract_text does for a PDF
    return pdf_to_text(path.read_bytes(), str(path))


def with_pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


LIBRARIES = {"pypdf": with_pypdf, "pypdfium2": with_pypdfium2, "pdfminer.six": with_pdfminer}


def version(name: str) -> str:
    from importlib.metadata import version as v

    return v(name)


def time_runs(fn, items, runs: int) -> tuple[float, list]:
    """Median seconds over `runs` passes of fn over items, and the outputs of the last pass."""
    times, out = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = [fn(x) for x in items]
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="only the first N letters")
    ap.add_argument("--skip", action="append", default=[], help="library to skip (repeatable)")
    args = ap.parse_args()
    # pypdf and pdfminer log a line per letter about the PDFs' (ignored) extraction restriction
    logging.disable(logging.WARNING)

    pdfs = sorted((DATA / "pdf").glob("*.pdf"))
    if args.limit:
        pdfs = pdfs[: args.limit]
    if not pdfs:
        print(f"no PDFs under {DATA / 'pdf'}", file=sys.stderr)
        return 1
    texts = [(DATA / "txt" / f"{p.stem}.txt").read_text(encoding="utf-8") for p in pdfs]
    reference = [parse_text(t).to_dict() for t in texts]
    n = len(pdfs)
    print(f"{n} letters, {args.runs} runs each; medians; one process")
    print()
    header = (
        f"{'library':<14}{'version':<11}{'letters/s':>10}{'s/letter':>10}{'no errors':>11}{'== txt':>9}{'items':>7}"
    )
    print(header)
    print("-" * len(header))
    rows = {}
    for name, fn in LIBRARIES.items():
        if name in args.skip:
            continue
        seconds, outputs = time_runs(fn, pdfs, args.runs)
        parsed = [parse_text(t) for t in outputs]
        clean = sum(1 for p in parsed if not p.errors)
        same = sum(1 for p, ref in zip(parsed, reference) if p.to_dict() == ref)
        items = sum(len(p.items) for p in parsed)
        rows[name] = seconds
        pkg = "pdfminer.six" if name == "pdfminer.six" else name
        print(
            f"{name:<14}{version(pkg):<11}{n / seconds:>10.1f}{seconds / n * 1000:>8.1f}ms"
            f"{clean:>7}/{n:<3}{same:>5}/{n:<3}{items:>7}"
        )
    if "pypdfium2" in rows and len(rows) > 1:
        print()
        for name, seconds in rows.items():
            if name != "pypdfium2":
                print(f"pypdfium2 is {seconds / rows['pypdfium2']:.1f}x faster than {name}")

    print()
    seconds, _ = time_runs(parse_text, texts, args.runs)
    items = sum(len(r["items"]) for r in reference)
    print(
        f"parse_text on the shipped text: {n / seconds:.0f} letters/s "
        f"({seconds / n * 1000:.2f} ms/letter, {items} items; median of {args.runs} runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
