"""Precedent finder, leave-one-out on the 150 real letters, on both engines.

    .venv/bin/python bench/precedents.py [--backends embedded,elasticsearch] [--k 10]
                                         [--letters ../shared/data/dwc-imr/txt]

The letters are ingested into a throwaway SQLite database (guideline catalog loaded: parser,
linker, taxonomy, search.documents as the product runs) and indexed by each engine. Then every
decision is held out in turn: its request (and, per variant, its letter's clinical summary) is
asked as a precedent request with its own letter left out (`exclude`), exactly as the page, the
API and `manage.py precedents` ask it (precedents.query), and its k nearest precedents are
compared with it:

  same procedure   share of the k whose classified procedure is the held-out decision's, averaged
                   over the held-out decisions (all of them, and those the taxonomy classifies,
                   i.e. not "other": "same procedure" is meaningless for unclassified requests)
  outcome, share   share of the k with the held-out decision's outcome, averaged; next to it what
                   k precedents drawn at random would give (pU^2 + pO^2, pU = the upheld share)
  outcome, vote    the majority outcome of the k (a tie counts as "Upheld") equals the held-out
                   decision's; next to it the base rate, a constant "Upheld" guess
  ovt|ovt, ovt|uph share overturned among the k precedents of an overturned (resp. upheld)
                   held-out decision: whether precedents tell the two apart at all
  < k              held-out decisions for which fewer than k decisions share any word with the
                   text (the missing precedents count as misses in the shares above)

Variants: the request alone; the request and the letter's clinical summary (what a user pastes);
and the same text ranked by text similarity only (no procedure tier), to show what the tiers add.
The Elasticsearch backend runs on osmem-server (an in-memory OpenSearch-compatible test server)
started here; its timings describe osmem, not a real cluster. The load average is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import DEFAULT_LETTERS, base_letters, setup_django  # noqa: E402

UPHELD, OVERTURNED = "Upheld", "Overturned"
VARIANTS = [
    ("request", "the request alone", False, True),
    ("request+summary", "request and clinical summary", True, True),
    ("text only", "request and summary, no procedure tier", True, False),
]


def held_out_query(decision: dict, with_summary: bool, tiers: bool):
    from precedents.query import PrecedentParams

    params = PrecedentParams(
        request=decision["request"],
        summary=decision["summary"] if with_summary else "",
        exclude_letters=[decision["letter_id"]],
    )
    query = params.to_query()
    return query if tiers else replace(query, procedure="", regions=[])


def evaluate(backend, decisions: list[dict], k: int, with_summary: bool, tiers: bool) -> dict:
    same, outcome_share, votes, times = [], [], [], []
    overturned_among = {UPHELD: [], OVERTURNED: []}
    short = 0
    for d in decisions:
        query = replace(held_out_query(d, with_summary, tiers), size=k)
        started = time.perf_counter()
        hits = backend.precedents(query)
        times.append((time.perf_counter() - started) * 1000)
        assert all(h.letter_id != d["letter_id"] for h in hits), "the held-out letter came back"
        # Fewer than k hits: fewer decisions share any word with the text; the missing count as misses.
        short += len(hits) < k
        same.append(sum(1 for h in hits if h.source.get("procedure") == d["procedure"]) / k)
        if d["decision"] in (UPHELD, OVERTURNED):
            outcomes = Counter(h.source.get("decision") for h in hits)
            outcome_share.append(outcomes[d["decision"]] / k)
            votes.append((OVERTURNED if outcomes[OVERTURNED] > outcomes[UPHELD] else UPHELD) == d["decision"])
            overturned_among[d["decision"]].append(outcomes[OVERTURNED] / k)
    return {
        "same": statistics.mean(same),
        "outcome_share": statistics.mean(outcome_share),
        "vote": statistics.mean(votes),
        "n_decided": len(votes),
        "short": short,
        "ovt_ovt": statistics.mean(overturned_among[OVERTURNED]),
        "ovt_uph": statistics.mean(overturned_among[UPHELD]),
        "p50": statistics.median(times),
        "p95": sorted(times)[int(round(0.95 * len(times))) - 1],
    }


def ceiling(decisions: list[dict], k: int) -> float:
    """The best a ranking can do for "same procedure": min(k, same-procedure decisions in other letters) / k."""
    shares = []
    for d in decisions:
        n = sum(1 for o in decisions if o["procedure"] == d["procedure"] and o["letter_id"] != d["letter_id"])
        shares.append(min(k, n) / k)
    return statistics.mean(shares)


def backends(names: list[str], work: Path, docs: list[dict]):
    for name in names:
        if name == "embedded":
            from search.backends.embedded import EmbeddedBackend

            backend = EmbeddedBackend(work / "index")
            backend.rebuild("determination", iter(docs))
            backend.refresh()
            yield name, backend
            backend.close()
        elif name == "elasticsearch":
            from osmem_server import OsmemServer

            from search.backends.elasticsearch import ElasticsearchBackend

            server = OsmemServer.start(japanese=False)
            backend = ElasticsearchBackend(server.url, prefix="bench-precedents", request_timeout=600)
            try:
                backend.rebuild("determination", iter(docs))
                backend.refresh()
                yield name, backend
            finally:
                backend.close()
                server.close()
        else:
            raise SystemExit(f"unknown backend {name!r} (embedded, elasticsearch)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="embedded,elasticsearch")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    args = parser.parse_args(argv)
    if not args.letters.is_dir():
        raise SystemExit(f"letters not found: {args.letters}")

    work = Path(tempfile.mkdtemp(prefix="bench-precedents-"))
    try:
        setup_django(work)
        docs = base_letters(args.letters)
        decisions = [d for letter in docs for d in letter["decisions"]]
        # Every decision document carries its letter's summary (search.documents).
        outcomes = Counter(d["decision"] for d in decisions if d["decision"] in (UPHELD, OVERTURNED))
        decided = sum(outcomes.values())
        p_upheld = outcomes[UPHELD] / decided
        print(
            f"{len(docs)} letters, {len(decisions)} decisions ({outcomes[UPHELD]} upheld, "
            f"{outcomes[OVERTURNED]} overturned); leave-one-out, k = {args.k}; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print(
            f"base rates: constant 'Upheld' guess {p_upheld:.1%}; k random precedents share the outcome "
            f"{p_upheld**2 + (1 - p_upheld) ** 2:.1%}"
        )
        print(
            f"same procedure: at best {ceiling(decisions, args.k):.1%} (the ten can only hold the same-procedure "
            f"decisions of the other letters; {sum(1 for d in decisions if d['procedure'] in ('', 'other'))} "
            f"decisions are unclassified)"
        )
        header = (
            f"{'engine':<14}{'variant':<17}{'same proc.':>11}{'same outcome':>13}{'vote agrees':>12}"
            f"{'ovt|ovt':>9}{'ovt|uph':>9}{'< k':>5}{'p50 ms':>8}{'p95 ms':>8}"
        )
        print(header)
        print("-" * len(header))
        for name, backend in backends([b.strip() for b in args.backends.split(",") if b.strip()], work, docs):
            for label, _, with_summary, tiers in VARIANTS:
                r = evaluate(backend, decisions, args.k, with_summary, tiers)
                print(
                    f"{name:<14}{label:<17}{r['same']:>11.1%}{r['outcome_share']:>13.1%}{r['vote']:>12.1%}"
                    f"{r['ovt_ovt']:>9.1%}{r['ovt_uph']:>9.1%}{r['short']:>5}{r['p50']:>8.1f}{r['p95']:>8.1f}",
                    flush=True,
                )
        print(
            f"ovt|ovt, ovt|uph: share overturned among the {args.k} for overturned resp. upheld held-out decisions; "
            f"< k: held-out decisions with fewer than {args.k} precedents; "
            f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
