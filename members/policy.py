"""Development rules as data: the central defaults in ONE dict, committee overrides in DevelopmentPolicy rows.

``policy_value(unit, key, on=date)`` takes the nearest committee at or above ``unit`` that has a row for
``key`` with ``effective_from <= on`` (the latest such row of that committee); otherwise the default.
``PolicySet`` loads the rows of a unit's ancestors once (one query) so that a page resolves any number of
rules without further queries; each resolved value says which rule produced it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.choices import UnitKind

# Central defaults [Dev2014, Constitution; seed 004 for the local activist notice]. Change them here only.
DEFAULTS: dict[str, int] = {
    "min_age_years": 18,                 # applicant at least 18 at application [Constitution]
    "talk_within_months": 1,             # talk within 1 month of the application
    "activist_min_months": 12,           # at least 1 year as activist before the candidate decision
    "training_min_days": 3,              # concentrated training: at least 3 days ...
    "training_min_hours": 24,            # ... or 24 class hours
    "notice_working_days": 5,            # public notice before the branch vote
    "approval_months": 3,                # higher committee approves within 3 months of the resolution ...
    "approval_max_months": 6,            # ... never beyond 6 (then the branch redoes the procedure)
    "probation_months": 12,              # probation 1 year
    "extension_min_months": 6,           # extension at least 6 months ...
    "extension_max_months": 12,          # ... at most 1 year ...
    "extension_max_count": 1,            # ... and once only
    "thought_report_months": 3,          # a thought report every quarter [seed 004]
    "inspection_months": 6,              # the branch inspects every half year
    "activist_notice_days": 0,           # notice before registering an activist: off centrally, 7 days [seed 004]
}

LABELS = {
    "min_age_years": gettext_lazy("Minimum age of an applicant (years)"),
    "talk_within_months": gettext_lazy("Talk with the applicant within (months)"),
    "activist_min_months": gettext_lazy("Activist period before the candidate decision (months)"),
    "training_min_days": gettext_lazy("Training: minimum days"),
    "training_min_hours": gettext_lazy("Training: minimum class hours"),
    "notice_working_days": gettext_lazy("Public notice (working days)"),
    "approval_months": gettext_lazy("Approval by the higher committee within (months)"),
    "approval_max_months": gettext_lazy("Approval never later than (months)"),
    "probation_months": gettext_lazy("Probation (months)"),
    "extension_min_months": gettext_lazy("Probation extension: minimum months"),
    "extension_max_months": gettext_lazy("Probation extension: maximum months"),
    "extension_max_count": gettext_lazy("Probation extensions allowed"),
    "thought_report_months": gettext_lazy("Thought report every (months)"),
    "inspection_months": gettext_lazy("Inspection every (months)"),
    "activist_notice_days": gettext_lazy("Notice before registering an activist (days; 0 = none)"),
}


@dataclass(frozen=True)
class Resolved:
    key: str
    value: object
    unit_name: str | None = None          # the committee whose row applies; None = central default
    effective_from: datetime.date | None = None

    @property
    def source(self) -> str:
        if self.unit_name is None:
            return _("central rule")
        return _("rule of %(unit)s from %(date)s") % {"unit": self.unit_name, "date": self.effective_from.isoformat()}


def _ancestor_paths(unit) -> list[str]:
    step = unit.steplen
    return [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]


class PolicySet:
    """All development rules that can apply to ``unit``, loaded with one query."""

    def __init__(self, unit):
        from .models import DevelopmentPolicy

        rows = (DevelopmentPolicy.objects.filter(unit__path__in=_ancestor_paths(unit), unit__kind=UnitKind.COMMITTEE)
                .select_related("unit").order_by("-unit__depth", "-effective_from", "-pk"))
        self.rows = list(rows)

    def get(self, key: str, on: datetime.date | None = None) -> Resolved:
        if key not in DEFAULTS:
            raise KeyError(key)
        on = on or timezone.localdate()
        for row in self.rows:          # nearest committee first, then its latest row
            if row.key == key and row.effective_from <= on:
                return Resolved(key, row.value, row.unit.name, row.effective_from)
        return Resolved(key, DEFAULTS[key])

    def value(self, key: str, on: datetime.date | None = None):
        return self.get(key, on).value


def policy_value(unit, key: str, on: datetime.date | None = None):
    """The value of development rule ``key`` for ``unit`` on ``on`` (today by default)."""
    return PolicySet(unit).value(key, on)


def policy_rule(unit, key: str, on: datetime.date | None = None) -> Resolved:
    return PolicySet(unit).get(key, on)


# -- date arithmetic ----------------------------------------------------------------------------------------

def add_months(day: datetime.date, months: int) -> datetime.date:
    return day + relativedelta(months=int(months))


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``day`` (the notice's first day counts when it is a working day).
    Working days follow the State Council's holiday schedule, make-up workdays included: the editable holiday
    table, else the ``chinesecalendar`` package, else Monday to Friday (members.workdays). One query."""
    from .workdays import add_working_days as _add

    return _add(day, days)


# -- committee overrides (the development rules page) -------------------------------------------------------

#: Sane bounds for each rule's value (inclusive); a value outside is refused with the range in the message.
BOUNDS: dict[str, tuple[int, int]] = {
    "min_age_years": (16, 30),
    "talk_within_months": (1, 6),
    "activist_min_months": (12, 36),
    "training_min_days": (1, 30),
    "training_min_hours": (8, 240),
    "notice_working_days": (1, 30),
    "approval_months": (1, 6),
    "approval_max_months": (1, 12),
    "probation_months": (12, 12),
    "extension_min_months": (1, 12),
    "extension_max_months": (1, 12),
    "extension_max_count": (0, 1),
    "thought_report_months": (1, 12),
    "inspection_months": (1, 12),
    "activist_notice_days": (0, 30),
}
#: Pairs that must stay ordered once the new value applies: (lower key, upper key).
ORDERED_PAIRS = (("approval_months", "approval_max_months"), ("extension_min_months", "extension_max_months"))


def development_policy_add(*, actor, unit, key: str, value: int, effective_from: datetime.date, note: str):
    """A committee's new value for one development rule from ``effective_from`` on (for its whole subtree).

    Rows are never edited or deleted: a correction, or a return to the central rule, is a newer row. Refuses a
    unit that is not a live committee, an unknown rule, a value outside the rule's bounds, a second row of the
    same rule and date, and a value that would put a pair of rules out of order (e.g. approval within 4
    months but never later than 3)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from branches.audit import audit_record, snapshot
    from branches.choices import AuditAction

    from .models import DevelopmentPolicy

    problems: dict[str, str] = {}
    if unit is None or unit.kind != UnitKind.COMMITTEE or unit.dissolved_on is not None:
        problems["unit"] = _("Rules are set by a committee: choose a committee that has not been dissolved.")
    if key not in DEFAULTS:
        problems["key"] = _("Choose one of the development rules.")
    else:
        low, high = BOUNDS[key]
        if not isinstance(value, int) or not (low <= value <= high):
            problems["value"] = _("%(rule)s must be between %(low)s and %(high)s.") % {
                "rule": LABELS[key], "low": low, "high": high}
    note = (note or "").strip()
    if not note:
        problems["note"] = _("Say why, for example the document that sets the local rule.")
    if problems:
        raise ValidationError(problems)
    if DevelopmentPolicy.objects.filter(unit=unit, key=key, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _(
            "%(unit)s already has a value for this rule from %(date)s; choose another date (a later row corrects "
            "an earlier one).") % {"unit": unit.name, "date": effective_from.isoformat()}})
    rules = PolicySet(unit)
    for low_key, high_key in ORDERED_PAIRS:
        if key in (low_key, high_key):
            low_value = value if key == low_key else rules.value(low_key, effective_from)
            high_value = value if key == high_key else rules.value(high_key, effective_from)
            if low_value > high_value:
                raise ValidationError({"value": _(
                    "From %(date)s “%(low)s” would be %(a)s and “%(high)s” %(b)s: the first may not exceed the "
                    "second.") % {"date": effective_from.isoformat(), "low": LABELS[low_key], "a": low_value,
                                  "high": LABELS[high_key], "b": high_value}})
    with transaction.atomic():
        row = DevelopmentPolicy(unit=unit, key=key, value=value, effective_from=effective_from, note=note)
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=row, after=snapshot(row), unit=unit,
                     note=_("Development rule"))
    return row


def development_rules(unit, on: datetime.date | None = None) -> list[dict]:
    """Every development rule for ``unit`` on ``on``: label, central default, the value in force with its
    source, and the committee rows that apply to the unit (its own and its ancestors'), newest first. One query."""
    on = on or timezone.localdate()
    rules = PolicySet(unit)
    out = []
    for key, default in DEFAULTS.items():
        resolved = rules.get(key, on)
        rows = [r for r in rules.rows if r.key == key]
        out.append({"key": key, "label": LABELS[key], "default": default, "value": resolved.value,
                    "source": resolved.source, "overridden": resolved.unit_name is not None,
                    "upcoming": sorted((r for r in rows if r.effective_from > on), key=lambda r: r.effective_from),
                    "rows": sorted(rows, key=lambda r: (r.effective_from, r.pk), reverse=True)})
    return out
