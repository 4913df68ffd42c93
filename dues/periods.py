"""Months as integers: ``month_no = year * 12 + (month - 1)``.

Ledger rows carry the month they are for as this number so that "consecutive months" is integer arithmetic in
SQL (``month_no - ROW_NUMBER()``), identical on PostgreSQL and SQLite, and a year end is nothing special.
"""
from __future__ import annotations

import datetime
import re

_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def month_no(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def of_date(day: datetime.date) -> int:
    return month_no(day.year, day.month)


def year_of(no: int) -> int:
    return no // 12


def month_of(no: int) -> int:
    return no % 12 + 1


def first_day(no: int) -> datetime.date:
    return datetime.date(year_of(no), month_of(no), 1)


def label(no: int | None) -> str:
    """"2026-05"."""
    if no is None:
        return ""
    return f"{year_of(no):04d}-{month_of(no):02d}"


def label_zh(no: int) -> str:
    return f"{year_of(no)}年{month_of(no)}月"


def parse(text) -> int | None:
    """"2026-05", "2026/5", "2026年5月" -> month number; None when unreadable."""
    if isinstance(text, int):
        return text
    if isinstance(text, datetime.date):
        return of_date(text)
    m = _PERIOD_RE.match(str(text or ""))
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        return None
    return month_no(year, month)


def year_range(year: int) -> range:
    return range(month_no(year, 1), month_no(year, 12) + 1)
