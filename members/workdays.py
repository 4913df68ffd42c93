"""Working days (工作日) per the State Council's holiday schedule, make-up workdays (调休上班) included.

``is_workday(day)`` decides in this order:

1. the editable holiday table (``members.models.Holiday``) when the date is listed there: ``is_workday`` True
   for a make-up working day on a weekend, False for a holiday;
2. otherwise the ``chinesecalendar`` package (``import chinese_calendar``) for the years it covers;
3. otherwise (a year the package does not know yet) Monday to Friday.

``add_working_days`` (members.policy) reads the table once per call (``holiday_overrides``), never per day. A
batch job can load the whole table once for many calls with ``preloaded_holidays()``.

The table also has its two writers here (``holiday_create``, ``holiday_delete``), audited like every write.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction

# How far ahead one read of the table reaches; add_working_days reads the next window if it ever gets there.
WINDOW_DAYS = 366

_preloaded: ContextVar[dict[datetime.date, bool] | None] = ContextVar("members_workdays_preloaded", default=None)


# -- the package --------------------------------------------------------------------------------------------

def package_is_workday(day: datetime.date) -> bool | None:
    """What ``chinesecalendar`` says about ``day``; None for a year it does not cover (or when not installed)."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - the package is a pinned requirement
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def package_years() -> tuple[int, int] | None:
    """The first and last year the package knows (None when not installed)."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover
        return None
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


@dataclass(frozen=True)
class PackageDay:
    date: datetime.date
    is_workday: bool
    name: str


def package_exceptions(year: int) -> list[PackageDay]:
    """The package's departures from Monday–Friday in ``year``: holidays on weekdays and make-up workdays on
    weekends (what a Holiday row would override). Empty for a year the package does not cover."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover
        return []
    days = [PackageDay(d, False, _package_name(name)) for d, name in chinese_calendar.holidays.items()
            if d.year == year and d.weekday() < 5]
    days += [PackageDay(d, True, _package_name(name)) for d, name in chinese_calendar.workdays.items()
             if d.year == year and d.weekday() >= 5]
    return sorted(days, key=lambda d: d.date)


def _package_name(name) -> str:
    """The package names holidays in English and Chinese (``Holiday.national_day.chinese``): the Chinese
    name when the page is Chinese."""
    from django.utils.translation import get_language

    chinese = getattr(name, "chinese", None)
    if chinese is None:
        try:
            import chinese_calendar

            chinese = next((h.chinese for h in chinese_calendar.Holiday if h.value == str(name)), None)
        except (ImportError, AttributeError):  # pragma: no cover
            chinese = None
    if chinese and (get_language() or "").lower().startswith("zh"):
        return str(chinese)
    return str(getattr(name, "value", name))


# -- the table ----------------------------------------------------------------------------------------------

def holiday_overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    """{date: is_workday} of the Holiday rows from ``start`` to ``end`` (one query; none inside
    ``preloaded_holidays``)."""
    preloaded = _preloaded.get()
    if preloaded is not None:
        return preloaded
    from .models import Holiday

    return dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


@contextmanager
def preloaded_holidays() -> Iterator[dict[datetime.date, bool]]:
    """Read the whole holiday table once; ``is_workday`` / ``add_working_days`` inside use it without queries."""
    from .models import Holiday

    token = _preloaded.set(dict(Holiday.objects.values_list("date", "is_workday")))
    try:
        yield _preloaded.get()
    finally:
        _preloaded.reset(token)


def _decide(day: datetime.date, overrides: dict[datetime.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    by_package = package_is_workday(day)
    if by_package is not None:
        return by_package
    return day.weekday() < 5


def is_workday(day: datetime.date) -> bool:
    """Is ``day`` a working day: the holiday table, else the package, else Monday to Friday."""
    return _decide(day, holiday_overrides(day, day))


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``day``, the first day counting when it is a working day (a
    notice of 5 working days posted on a Monday of an ordinary week ends on that Friday). One query."""
    days = max(int(days), 1)
    current, counted = day, 0
    window_end = day + datetime.timedelta(days=WINDOW_DAYS)
    overrides = holiday_overrides(day, window_end)
    while True:
        if current > window_end:       # only for absurd tables with a year of holidays
            window_end = current + datetime.timedelta(days=WINDOW_DAYS)
            overrides = holiday_overrides(current, window_end)
        if _decide(current, overrides):
            counted += 1
            if counted >= days:
                return current
        current += datetime.timedelta(days=1)


# -- services: the table's writers --------------------------------------------------------------------------

@transaction.atomic
def holiday_create(*, actor, date: datetime.date, is_workday: bool, name: str):
    """Add an entry to the holiday table (a holiday, or a make-up working day). One entry per date."""
    from .models import Holiday

    name = (name or "").strip()
    problems = {}
    if not name:
        problems["name"] = _("Enter a name, for example “National Day” or “National Day make-up working day”.")
    existing = Holiday.objects.filter(date=date).first()
    if existing is not None:
        problems["date"] = _("%(date)s is already in the table (%(name)s); delete that entry first to change it.") % {
            "date": date.isoformat(), "name": existing.name}
    if problems:
        raise ValidationError(problems)
    holiday = Holiday(date=date, is_workday=bool(is_workday), name=name)
    holiday.full_clean()
    holiday.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=holiday, after=snapshot(holiday), unit=None,
                 note=_("Holiday calendar"))
    return holiday


@transaction.atomic
def holiday_delete(*, actor, holiday) -> None:
    """Remove an entry (a correction of the table); the date then follows the package again. Audited."""
    before = snapshot(holiday)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=holiday, before=before, unit=None,
                 note=_("Holiday calendar"))
    holiday.delete()
