"""The plausible range of any date a user can enter (2000-01-01 … 2100-12-31), and a strict parser.

Every date that comes in — form fields, API parameters, calendar overrides, deadlines — is held to this
range, so no calendar arithmetic runs towards year 1 or 9999 (and never overflows ``date``).
"""
from __future__ import annotations

import re
from datetime import date, datetime

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
RANGE_TEXT = f"{MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()}"
# YYYY-MM-DD with a year 2000…2100 (form-js date fields are validated with this pattern).
DATE_PATTERN = r"^(20\d{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def in_range(day: date | datetime) -> bool:
    day = day.date() if isinstance(day, datetime) else day
    return MIN_DATE <= day <= MAX_DATE


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` only (no week dates, no ordinal dates), within the range; ValueError otherwise."""
    if not isinstance(text, str) or not _ISO_DAY.match(text):
        raise ValueError("日期格式应为 YYYY-MM-DD；expected YYYY-MM-DD")
    day = date.fromisoformat(text)
    if not in_range(day):
        raise ValueError(f"日期须在 {RANGE_TEXT} 之间；date out of range")
    return day
