"""Turning the data file's phrases into regular expressions.

A phrase matches as whole words; inside it, a space or hyphen matches any run of spaces or
hyphens ("x-ray" = "x ray" = "xray"), a slash may have spaces around it ("EMG / NCV"), and a
trailing plural "s"/"es" is optional, because letters write "Facet joint injections" and users
type "facet injection".
"""

from __future__ import annotations

import re

BOUNDARY_BEFORE = r"(?<![A-Za-z0-9])"
BOUNDARY_AFTER = r"(?![A-Za-z0-9])"


def phrase_regex(phrase: str) -> str:
    parts = []
    for ch in phrase.strip():
        if ch in " -":
            if parts and parts[-1] == r"[\s\-]*":
                continue
            parts.append(r"[\s\-]*")
        elif ch == "/":
            parts.append(r"\s*/\s*")
        else:
            parts.append(re.escape(ch))
    body = "".join(parts)
    if phrase[-1:].isalpha():
        body += r"(?:s|es)?"
    return BOUNDARY_BEFORE + body + BOUNDARY_AFTER


def compile_phrase(phrase: str, case_sensitive: bool = False) -> re.Pattern:
    return re.compile(phrase_regex(phrase), 0 if case_sensitive else re.IGNORECASE)


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
