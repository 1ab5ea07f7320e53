"""The 2016 header block: case number, dates, priority, application received.

The header is a two-column table. pypdf and pypdfium2 give it row by row ("Date Assigned:
11/18/2016 Date of Injury: 10/10/2016"), other extractors column by column ("Case Number:
Date Assigned: Decision Date: ... CM16-0219557 11/18/2016 12/19/2016 ..."). So the flattened
header is read as a stream of labels and values: a value belongs to the label right before it
when that label takes this kind of value, otherwise to the earliest label still waiting for one.
A label followed by nothing (a blank field) stays None.
"""
from __future__ import annotations

import re

from .dates import DATE_PATTERN, parse_date

_LABELS = {
    "case_number": (r"(?:IMR\s+)?Case\s+Number", "case"),
    "date_assigned": (r"Date\s+Assigned", "date"),
    "date_of_injury": (r"Date\s+of\s+Injury", "date"),
    "decision_date": (r"Decision\s+Date", "date"),
    "ur_denial_date": (r"UR\s+Denial\s+Date", "date"),
    "priority": (r"Priority", "priority"),
    "application_received": (r"Application\s+Received", "date"),
}
_TOKEN = re.compile(
    "|".join(f"(?P<{name}>\\b{label}\\s*:)" for name, (label, _) in _LABELS.items())
    + r"|(?P<v_case>\b[A-Z]{2}\d{2}-\d{5,8}\b)"
    + rf"|(?P<v_date>(?<![\d/-]){DATE_PATTERN}(?![\d/-]))"
    + r"|(?P<v_priority>\b(?:Standard|Expedited|Expedite)\b)",
    re.IGNORECASE,
)


def parse_header(flat: str) -> dict:
    """Fields from the flattened header text (everything before the first section heading).

    Returns a dict with case_number, the five dates, priority and `found` (labels present).
    """
    out: dict = {name: None for name in _LABELS}
    out["found"] = set()
    pending: list[str] = []   # labels seen, still without a value, in order
    previous: str | None = None
    orphans: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(flat):
        kind = m.lastgroup
        if kind in _LABELS:
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
        if previous in pending and _LABELS[previous][1] == vtype:
            target = previous
        else:
            target = next((p for p in pending if _LABELS[p][1] == vtype), None)
        previous = None
        if target is None:
            orphans.append((vtype, value))
            continue
        pending.remove(target)
        out[target] = value
    # values printed before their labels (column order): give them to labels still waiting
    for vtype, value in orphans:
        target = next((p for p in pending if _LABELS[p][1] == vtype), None)
        if target:
            pending.remove(target)
            out[target] = value
    if out["case_number"]:
        out["case_number"] = out["case_number"].upper()
    for name, (_, vtype) in _LABELS.items():
        if vtype == "date":
            out[name] = parse_date(out[name])
    if out["priority"]:
        word = out["priority"].capitalize()
        out["priority"] = "Expedited" if word.startswith("Expedite") else word
    return out
