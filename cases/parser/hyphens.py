"""Line-wrap hyphen repair: "Electro-" / "diagnostic" -> "Electrodiagnostic", but
"non-" / "certified" -> "non-certified", "10-30-" / "2016" -> "10-30-2016".

A hyphen at a line end is either a soft wrap inside a word or a real compound hyphen that
happened to fall at the margin. The decision uses word lists derived from the letters
(data/words.txt, data/hyphenated.txt) plus the letter's own text, and keeps the hyphen when
in doubt (a kept hyphen loses nothing; a wrong join mangles a compound).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"
_TAIL_WORD = re.compile(r"([A-Za-z][A-Za-z']*)-$")
_HEAD_WORD = re.compile(r"^([A-Za-z][A-Za-z']*)")
_URLISH = re.compile(r"(?:://|www\.|\.(?:com|org|gov|net|html?)\b|/)\S*-$", re.IGNORECASE)
# Prefixes that are written with a hyphen far more often than closed up.
_COMPOUND_PREFIXES = frozenset(
    "non anti pre post self re co x follow peer evidence short long well full part half high low "
    "over under multi mid semi sub inter intra extra ex de".split()
)


@lru_cache(maxsize=1)
def _vocab() -> tuple[frozenset, frozenset]:
    def load(name: str) -> frozenset:
        path = _DATA / name
        if not path.exists():
            return frozenset()
        return frozenset(w.strip().lower() for w in path.read_text(encoding="utf-8").split("\n") if w.strip())

    return load("words.txt"), load("hyphenated.txt")


def _has_word(text: str, word: str) -> bool:
    """`word` occurs in `text` as a whole word (plain string search: cheaper than a regex)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(word, start + 1)
    return False


def keep_hyphen(left: str, right: str, context: str = "") -> bool:
    """True if left + '-' + right is a hyphenated compound rather than a wrapped word.

    `context` is the whole letter in lower case (the letter's own usage is the best evidence)."""
    words, hyphenated = _vocab()
    joined = (left + right).lower()
    compound = f"{left}-{right}".lower()
    ctx = context  # already lower-cased by the caller
    if ctx:
        in_ctx_compound = compound in ctx
        in_ctx_joined = _has_word(ctx, joined)
        if in_ctx_joined and not in_ctx_compound:
            return False
        if in_ctx_compound and not in_ctx_joined:
            return True
    if compound in hyphenated and joined not in words:
        return True
    if joined in words and compound not in hyphenated:
        return False
    if left.lower() in _COMPOUND_PREFIXES:
        return True
    if joined in words:
        return False
    return True


def join_hyphenated(before: str, after: str, context: str = "") -> str:
    """Join `before` (ending in '-') with the next line `after`."""
    last = before.rsplit(" ", 1)[-1]
    if not last.strip("-"):
        # a free-standing dash ("Shoulder --" / "Magnetic ..."): punctuation, not a wrap
        return before + " " + after
    if _URLISH.search(before):
        return before + after
    tail = _TAIL_WORD.search(before)
    head = _HEAD_WORD.match(after)
    if not tail or not head:
        # digits ("10-30-" / "2016"), punctuation: a real hyphen, no space
        return before + after
    if before[tail.start() - 1 : tail.start()] == "-" and tail.start() > 0:
        # already a compound on the left ("range-of-"): keep the hyphen
        return before + after
    if keep_hyphen(tail.group(1), head.group(1), context):
        return before + after
    return before[:-1] + after
