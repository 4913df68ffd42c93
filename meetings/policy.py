"""Required meeting frequencies as data: the central defaults in ONE dict, committee overrides in MeetingPolicy rows.

A rule says: units of kind K must hold at least N meetings of type T per period P (month, quarter, half year,
year; periods are aligned to the calendar year: quarters start in January, April, July and October).

Resolution follows members.policy: for a unit and a period, the nearest committee at or above the unit that has
a row for (type, unit kind) with ``effective_from`` on or before the period's first day wins (its latest such row);
otherwise the central default. A rule changed in the middle of a period applies from the next period on.
``PolicyBook`` loads the rows of all the given units' ancestors in ONE query, so a matrix of hundreds of units
resolves every rule without further queries; each resolved rule says which rule produced it.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from branches.choices import System, UnitKind
from branches.policy import ancestor_paths

from .choices import PERIOD_MONTHS, MeetingType as T, Period as P

# Central defaults [Branch2018; DOMAIN.md section 4]. (type, unit kind) -> (period, at least). Change them here only.
DEFAULTS: dict[tuple[str, str], tuple[str, int]] = {
    (T.GENERAL, UnitKind.BRANCH): (P.QUARTER, 1),
    (T.COMMITTEE, UnitKind.BRANCH): (P.MONTH, 1),        # only where the branch has an elected committee
    (T.GROUP, UnitKind.PARTY_GROUP): (P.MONTH, 1),
    (T.LECTURE, UnitKind.BRANCH): (P.QUARTER, 1),
    (T.THEME_DAY, UnitKind.BRANCH): (P.MONTH, 1),
    (T.ORG_LIFE, UnitKind.BRANCH): (P.YEAR, 1),
    (T.APPRAISAL, UnitKind.BRANCH): (P.YEAR, 1),
    (T.TALK, UnitKind.BRANCH): (P.YEAR, 1),
    (T.DEMOCRATIC_LIFE, UnitKind.COMMITTEE): (P.YEAR, 1),
}
# A branch committee meeting is required only while the branch has an elected committee (a committee term).
NEEDS_COMMITTEE = {T.COMMITTEE}
TYPE_ORDER = list(T.values)
# Reminders: this many days before a period ends without its required meetings [issue 4].
REMINDER_LEAD_DAYS = 7


@dataclass(frozen=True)
class Rule:
    meeting_type: str
    unit_kind: str
    period: str
    min_count: int
    unit_name: str | None = None              # the committee whose row applies; None = central default
    effective_from: datetime.date | None = None

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.period]

    @property
    def required(self) -> bool:
        return self.min_count > 0

    @property
    def source(self) -> str:
        if self.unit_name is None:
            return _("central rule")
        return _("rule of %(unit)s from %(date)s") % {"unit": self.unit_name, "date": self.effective_from.isoformat()}

    @property
    def text(self) -> str:
        from .choices import MeetingType, Period

        return _("%(type)s: at least %(n)d, %(period)s") % {
            "type": MeetingType(self.meeting_type).label, "n": self.min_count, "period": Period(self.period).label}


class PolicyBook:
    """Every frequency rule that can apply to ``units``, loaded with one query."""

    def __init__(self, units: Iterable):
        from .models import MeetingPolicy

        paths: set[str] = set()
        for u in units:
            paths.update(ancestor_paths(u))
        rows = (MeetingPolicy.objects.filter(unit__path__in=sorted(paths), unit__kind=UnitKind.COMMITTEE)
                .select_related("unit").order_by("-unit__depth", "-effective_from", "-pk")) if paths else []
        self.by_key: dict[tuple[str, str], list] = {}
        self.span_cache: dict = {}
        self._types: dict[str, list[str]] = {}
        for row in rows:                        # nearest committee first, then its latest row
            self.by_key.setdefault((row.meeting_type, row.unit_kind), []).append(row)

    def rule(self, unit, meeting_type: str, on: datetime.date) -> Rule | None:
        """The rule for ``unit`` and ``meeting_type`` for a period starting on ``on`` (None: nothing required).
        The rules are those of Party organizations; Youth League units have none here."""
        if unit.system != System.PARTY:
            return None
        key = (meeting_type, unit.kind)
        for row in self.by_key.get(key, ()):
            if row.effective_from <= on and unit.path.startswith(row.unit.path):
                return Rule(meeting_type, unit.kind, row.period, row.min_count, row.unit.name, row.effective_from)
        default = DEFAULTS.get(key)
        if default is None:
            return None
        return Rule(meeting_type, unit.kind, default[0], default[1])

    def signature(self, unit, meeting_type: str) -> tuple:
        """The ids of the rows that can apply to ``unit`` for ``meeting_type``: units with the same signature have
        the same rules."""
        return tuple(row.pk for row in self.by_key.get((meeting_type, unit.kind), ()) if unit.path.startswith(row.unit.path))

    def types_for(self, unit) -> list[str]:
        """Meeting types that have a rule (default or override) for this unit's kind, in the order of MeetingType."""
        if unit.system != System.PARTY:
            return []
        cached = self._types.get(unit.kind)
        if cached is None:
            keys = {t for (t, k) in DEFAULTS if k == unit.kind} | {t for (t, k) in self.by_key if k == unit.kind}
            cached = self._types[unit.kind] = [t for t in TYPE_ORDER if t in keys]
        return cached


def rules_on(unit, on: datetime.date) -> list[Rule]:
    """The rules in force for ``unit`` on ``on`` (for the rules page), required or not."""
    book = PolicyBook([unit])
    return [r for r in (book.rule(unit, t, on) for t in book.types_for(unit)) if r is not None]


#: The most meetings of one type a rule may require per period (a daily meeting is not a frequency rule).
MAX_COUNT = {"month": 8, "quarter": 12, "half_year": 24, "year": 48}
#: Unit kinds that hold meetings and so may have frequency rules.
RULE_UNIT_KINDS = (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH, UnitKind.PARTY_GROUP, UnitKind.COMMITTEE)


def meeting_policy_add(*, actor, unit, meeting_type: str, unit_kind: str, period: str, min_count: int,
                       effective_from: datetime.date, note: str):
    """A committee's own frequency for one meeting type and unit kind in its subtree, for the periods that start on
    or after ``effective_from`` (``min_count`` 0: not required there). Rows are never edited or deleted: a newer row
    corrects an older one. Refuses a unit that is not a live committee, unknown choices, a count out of range, a
    missing reason and a second row of the same rule and date. Audited."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from branches.audit import audit_record, snapshot
    from branches.choices import AuditAction

    from .choices import Period
    from .models import MeetingPolicy

    problems: dict[str, str] = {}
    if unit is None or unit.kind != UnitKind.COMMITTEE or unit.dissolved_on is not None:
        problems["unit"] = _("Rules are set by a committee: choose a committee that has not been dissolved.")
    if meeting_type not in T.values:
        problems["meeting_type"] = _("Choose a meeting type.")
    if unit_kind not in RULE_UNIT_KINDS:
        problems["unit_kind"] = _("Choose the kind of unit the rule is for.")
    if period not in Period.values:
        problems["period"] = _("Choose a period.")
    elif not isinstance(min_count, int) or not (0 <= min_count <= MAX_COUNT[period]):
        problems["min_count"] = _("Enter a number between 0 (not required) and %(n)s.") % {"n": MAX_COUNT[period]}
    note = (note or "").strip()
    if not note:
        problems["note"] = _("Say why, for example the document that sets the local rule.")
    if problems:
        raise ValidationError(problems)
    if MeetingPolicy.objects.filter(unit=unit, meeting_type=meeting_type, unit_kind=unit_kind,
                                    effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _(
            "%(unit)s already has this rule from %(date)s; choose another date (a later rule corrects an earlier "
            "one).") % {"unit": unit.name, "date": effective_from.isoformat()}})
    with transaction.atomic():
        row = MeetingPolicy(unit=unit, meeting_type=meeting_type, unit_kind=unit_kind, period=period,
                            min_count=min_count, effective_from=effective_from, note=note)
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=row, after=snapshot(row), unit=unit,
                     note=_("Meeting frequency rule"))
    return row
