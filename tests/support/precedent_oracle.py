"""What the precedent finder must return, from the database and the letter text, never from the
search code (search.documents, precedents, the taxonomy or the engines).

A precedent case is a pasted request with the procedure it names and, when it names one, the body
region, both written out by hand, plus a hand-written pattern for the requests about that region.
"Shares a word" is decided here with the Snowball English stemmer (the stemmer both engines'
analyzers implement) over lower-cased runs of letters and digits, without Lucene's English stop words.
osmem-server (the Elasticsearch stand-in) stems with the original Porter algorithm instead, which
makes some words others ("one" becomes "on"): the requests here avoid such words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import snowballstemmer

from tests.support.oracle import CERVICAL, LUMBAR, items

STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)
_stemmer = snowballstemmer.stemmer("english")


def stems(text: str) -> set[str]:
    words = [w for w in re.findall(r"[^\W_]+", (text or "").lower()) if w not in STOP]
    return set(_stemmer.stemWords(words))


def compared_text(item) -> str:
    """The fields a pasted text is compared with: request (and disputed portion), rationale, summary."""
    return "\n".join([item.request, item.disputed_portion or "", item.rationale, item.determination.clinical_summary])


@dataclass
class PrecedentCase:
    request: str
    procedure: str  # what the request names, as the taxonomy calls it
    region: str = ""  # pattern over a decision's request for "about the same region"
    regions: list[str] = field(default_factory=list)  # the canonical region names, by hand

    def tiers(self, exclude_letters=()) -> tuple[set[int], set[int]]:
        """(same procedure and region, same procedure elsewhere) decision ids."""
        pattern = re.compile(self.region, re.I) if self.region else None
        same, elsewhere = set(), set()
        for item in items().filter(procedure=self.procedure).exclude(determination_id__in=list(exclude_letters)):
            asked = item.request.split(" was the original request")[0]
            (same if pattern is None or pattern.search(asked) else elsewhere).add(item.pk)
        return same, elsewhere

    def similar(self, exclude_letters=()) -> set[int]:
        """Decisions of other procedures sharing a word with the request."""
        wanted = stems(self.request)
        return {
            item.pk
            for item in items()
            .select_related("determination")
            .exclude(procedure=self.procedure)
            .exclude(determination_id__in=list(exclude_letters))
            if wanted & stems(compared_text(item))
        }


PRECEDENT_CASES = [
    PrecedentCase("bilateral L4-5 facet joint injections", "facet joint injection", LUMBAR, ["lumbar spine"]),
    PrecedentCase("Lumbar epidural steroid injection at L5-S1", "epidural steroid injection", LUMBAR, ["lumbar spine"]),
    PrecedentCase("MRI of the lumbar spine without contrast", "MRI", LUMBAR, ["lumbar spine"]),
    PrecedentCase("cervical spine MRI", "MRI", CERVICAL, ["cervical spine"]),
    PrecedentCase("Physical therapy 2x6 for the low back", "physical therapy", LUMBAR, ["lumbar spine"]),
    PrecedentCase("Norco 10/325 mg #90", "hydrocodone/acetaminophen"),
    PrecedentCase("TENS unit rental for 30 days", "TENS unit"),
    PrecedentCase("Chiropractic treatment, 6 sessions", "chiropractic manipulation"),
]
