"""Dates as the letters write them: 11/18/2016, 11-18-16, 1/3/17."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

DATE_PATTERN = r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}"
_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})$")


def parse_date(value: Optional[str]) -> Optional[date]:
    if not value:
        return None
    m = _DATE.match(value.strip())
    if not m:
        return None
    month, day, year = (int(g) for g in m.groups())
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None
