"""The 2016 header block: case number, dates, priority, application received."""
from __future__ import annotations

import re
from datetime import date
from typing import Optional

from .dates import DATE_PATTERN, parse_date

CASE_NUMBER = re.compile(r"Case\s+Number\s*:\s*([A-Z]{1,4}\d{2}-\d{5,8})", re.IGNORECASE)
_FIELDS = {
    "date_assigned": r"Date\s+Assigned",
    "date_of_injury": r"Date\s+of\s+Injury",
    "decision_date": r"Decision\s+Date",
    "ur_denial_date": r"UR\s+Denial\s+Date",
    "application_received": r"Application\s+Received",
}
_FIELD_RES = {
    name: re.compile(label + r"\s*:\s*(" + DATE_PATTERN + r")?", re.IGNORECASE) for name, label in _FIELDS.items()
}
_PRIORITY = re.compile(r"Priority\s*:\s*(Standard|Expedited|Expedite)\b", re.IGNORECASE)


def parse_header(flat: str) -> dict:
    """Fields from the flattened header text (everything before the first section heading).

    Returns a dict with case_number, the five dates, priority and `found` (labels present).
    """
    out: dict = {"found": set()}
    m = CASE_NUMBER.search(flat)
    out["case_number"] = m.group(1).upper() if m else None
    if m:
        out["found"].add("case_number")
    # "Priority: Standard Application Received: 11/14/2016" - pypdf puts the label words
    # of Application Received on two lines; flattening joins them again.
    for name, regex in _FIELD_RES.items():
        fm = regex.search(flat)
        value: Optional[date] = None
        if fm:
            out["found"].add(name)
            value = parse_date(fm.group(1))
        out[name] = value
    pm = _PRIORITY.search(flat)
    out["priority"] = None
    if pm:
        word = pm.group(1).capitalize()
        out["priority"] = "Expedited" if word.startswith("Expedite") else word
    return out
