"""Text normalisation shared by alias resolution, section matching and heading detection.

Letters and catalogs spell the same title many ways: case, punctuation, "&" or "and", plurals,
"Post-operative"/"Postoperative", a trailing parenthetical. `norm` maps them to one key.
"""

from __future__ import annotations

import re
import unicodedata

_PAREN = re.compile(r"\([^()]*\)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPACE = re.compile(r"\s+")
_JOINED_PREFIX = re.compile(r"\b(post|pre|non|anti|intra|inter|extra|multi|sub|re|co|x|e)-(?=[a-z])")


def _singular(token: str) -> str:
    # A crude plural strip, applied alike to both sides of every comparison.
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us")):
        if token.endswith("is") and len(token) > 5:  # diagnosis, arthritis, bursitis
            return token
        return token[:-1]
    return token


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in text if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    text = ascii_fold(text).lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "").replace("\u00ae", "")
    # "post-operative" == "postoperative", "x-ray" == "xray"; other hyphens separate words
    # ("Low Back-Lumbar", "imaging-Magnetic").
    text = _JOINED_PREFIX.sub(r"\1", text)
    return [_singular(t) for t in _NON_WORD.split(text) if t]


def norm(text: str) -> str:
    """'NSAIDs, GI symptoms & cardiovascular risk' -> 'nsaid gi symptom and cardiovascular risk'."""
    return " ".join(tokens(text))


def strip_parens(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _PAREN.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def paren_contents(text: str) -> list[str]:
    return [m.group(0)[1:-1].strip() for m in _PAREN.finditer(text or "") if m.group(0)[1:-1].strip()]


def slugify(text: str, max_length: int = 110) -> str:
    slug = _NON_WORD.sub("-", ascii_fold(text).lower().replace("&", " and ")).strip("-")
    return slug[:max_length].strip("-") or "section"


def contains_phrase(haystack: str, needle: str) -> int:
    """Token-bounded position of normalised `needle` in normalised `haystack`, or -1."""
    if not needle:
        return -1
    padded = f" {haystack} "
    pos = padded.find(f" {needle} ")
    return pos if pos >= 0 else -1
