"""The header block: case number, dates, priority, application received.

A layout declares the labels of its header (`Layout.header_labels`: field -> label regex); the
values are read here the same way for every layout. The 2016 header is a two-column table.
pypdf and pypdfium2 give it row by row ("Date Assigned: 11/18/2016 Date of Injury:
10/10/2016"), other extractors column by column ("Case Number: Date Assigned: Decision Date:
... CM16-0219557 11/18/2016 12/19/2016 ..."). So the flattened header is read as a stream of
labels and values: a value belongs to the label right before it when that label takes this kind
of value, otherwise to the earliest label still waiting for one. A label followed by nothing (a
blank field) stays None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from . import layouts
from .dates import DATE_PATTERN, parse_date

# The header fields of a ParsedLetter and the kind of value each takes.
FIELDS = {
    "case_number": "case",
    "date_assigned": "date",
    "date_of_injury": "date",
    "decision_date": "date",
    "ur_denial_date": "date",
    "priority": "priority",
    "application_received": "date",
}
_VALUES = (
    r"|(?P<v_case>\b[A-Z]{2}\d{2}-\d{5,8}\b)"
    rf"|(?P<v_date>(?<![\d/-]){DATE_PATTERN}(?![\d/-]))"
    r"|(?P<v_priority>\b(?:Standard|Expedited|Expedite)\b)"
)


@lru_cache(maxsize=16)
def _token(labels: tuple[tuple[str, str], ...]) -> re.Pattern:
    unknown = [name for name, _ in labels if name not in FIELDS]
    if unknown:
        raise ValueError(f"header labels for unknown fields {unknown}; the fields are {sorted(FIELDS)}")
    return re.compile(
        "|".join(f"(?P<{name}>\\b{label}\\s*:)" for name, label in labels) + _VALUES,
        re.IGNORECASE,
    )


def parse_header(flat: str, labels: Mapping[str, str] | None = None) -> dict:
    """Fields from the flattened header text (everything before the first section heading).

    `labels`: field -> label regex, in the order the token regex tries them (a layout's
    `header_labels`); by default those of the default layout (layouts.DEFAULT).
    Returns a dict with every field of FIELDS (None when absent) and `found` (labels present).
    """
    if labels is None:
        labels = layouts.default().header_labels
    token = _token(tuple(labels.items()))
    out: dict = dict.fromkeys(FIELDS)
    out["found"] = set()
    pending: list[str] = []  # labels seen, still without a value, in order
    previous: str | None = None
    orphans: list[tuple[str, str]] = []
    for m in token.finditer(flat):
        kind = m.lastgroup
        if kind in FIELDS:
            if kind not in out["found"]:
                out["found"].add(kind)
                pending.append(kind)
            previous = kind
            continue
        if not out["found"]:
            continue  # a value before any label ("Dated: 12/30/2013" in a cover letter): not header
        vtype = kind[2:]
        value = m.group(0)
        target = None
        if previous in pending and FIELDS[previous] == vtype:
            target = previous
        else:
            target = next((p for p in pending if FIELDS[p] == vtype), None)
        previous = None
        if target is None:
            orphans.append((vtype, value))
            continue
        pending.remove(target)
        out[target] = value
    # values printed before their labels (column order): give them to labels still waiting
    for vtype, value in orphans:
        target = next((p for p in pending if FIELDS[p] == vtype), None)
        if target:
            pending.remove(target)
            out[target] = value
    if out["case_number"]:
        out["case_number"] = out["case_number"].upper()
    for name, vtype in FIELDS.items():
        if vtype == "date":
            out[name] = parse_date(out[name])
    if out["priority"]:
        word = out["priority"].capitalize()
        out["priority"] = "Expedited" if word.startswith("Expedite") else word
    return out
