"""Discipline periods as data: the defaults in ONE dict, committee overrides in DisciplinePolicy rows.

Same resolution as ``members.policy``: the nearest committee at or above the unit with a row for the key whose
``effective_from <= on`` wins; otherwise the default. ``DisciplinePolicySet`` loads the rows once (one query).
"""
from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from branches.choices import UnitKind
from members.policy import Resolved, _ancestor_paths, add_months  # noqa: F401 - add_months re-exported

# Central defaults [Constitution Art. 40; discipline regulations; seed 004]. Change them here only.
DEFAULTS: dict[str, int] = {
    "answer_days": 10,                   # written answer to an inquiry letter or admonition notice [seed 004]
    "correction_months": 1,              # correction report after an order to correct [seed 004]
    "letter_lead_days": 3,               # remind this many days before an answer is due
    "probation_min_months": 12,          # probation within the party: 1 year ...
    "probation_max_months": 24,          # ... or 2 years [Constitution Art. 40]
    "probation_review_lead_days": 30,    # remind this many days before probation within the party ends
    "impact_warning_months": 12,         # impact periods (影响期)
    "impact_serious_warning_months": 18,
    "impact_removal_from_posts_months": 24,
    "impact_expulsion_months": 60,
    "lapse_months": 6,                   # 6 months without dues or organizational life [Constitution Art. 9]
}

LABELS = {
    "answer_days": gettext_lazy("Written answer due within (days)"),
    "correction_months": gettext_lazy("Correction report due within (months)"),
    "letter_lead_days": gettext_lazy("Remind before an answer is due (days)"),
    "probation_min_months": gettext_lazy("Probation within the party: minimum (months)"),
    "probation_max_months": gettext_lazy("Probation within the party: maximum (months)"),
    "probation_review_lead_days": gettext_lazy("Remind before probation within the party ends (days)"),
    "impact_warning_months": gettext_lazy("Impact period of a warning (months)"),
    "impact_serious_warning_months": gettext_lazy("Impact period of a serious warning (months)"),
    "impact_removal_from_posts_months": gettext_lazy("Impact period of removal from posts (months)"),
    "impact_expulsion_months": gettext_lazy("Period before re-admission after expulsion (months)"),
    "lapse_months": gettext_lazy("Months without dues or organizational life before a lapse case"),
}


class DisciplinePolicySet:
    """All discipline rules that can apply to ``unit``, loaded with one query."""

    def __init__(self, unit):
        from .models import DisciplinePolicy

        self.rows = list(DisciplinePolicy.objects.filter(unit__path__in=_ancestor_paths(unit),
                                                         unit__kind=UnitKind.COMMITTEE)
                         .select_related("unit").order_by("-unit__depth", "-effective_from", "-pk"))

    def get(self, key: str, on: datetime.date | None = None) -> Resolved:
        if key not in DEFAULTS:
            raise KeyError(key)
        on = on or timezone.localdate()
        for row in self.rows:
            if row.key == key and row.effective_from <= on:
                return Resolved(key, row.value, row.unit.name, row.effective_from)
        return Resolved(key, DEFAULTS[key])

    def value(self, key: str, on: datetime.date | None = None):
        return self.get(key, on).value


def policy_value(unit, key: str, on: datetime.date | None = None):
    return DisciplinePolicySet(unit).value(key, on)


# Allowed values of a committee's local rule (a committee may be stricter, not outside these).
BOUNDS: dict[str, tuple[int, int]] = {
    "answer_days": (3, 30),
    "correction_months": (1, 6),
    "letter_lead_days": (0, 15),
    "probation_min_months": (12, 12),
    "probation_max_months": (24, 24),
    "probation_review_lead_days": (7, 90),
    "impact_warning_months": (6, 24),
    "impact_serious_warning_months": (12, 36),
    "impact_removal_from_posts_months": (12, 48),
    "impact_expulsion_months": (60, 120),
    "lapse_months": (6, 6),
}
ORDERED_PAIRS = (("probation_min_months", "probation_max_months"),)


def discipline_policy_add(*, actor, unit, key: str, value: int, effective_from: datetime.date, note: str):
    """A committee's new value for one discipline period from ``effective_from`` on (for its whole subtree). Rows
    are never edited or deleted: a correction is a newer row (as ``members.policy.development_policy_add``)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from branches.audit import audit_record, snapshot
    from branches.choices import AuditAction

    from .models import DisciplinePolicy

    problems: dict[str, str] = {}
    if unit is None or unit.kind != UnitKind.COMMITTEE or unit.dissolved_on is not None:
        problems["unit"] = _("Rules are set by a committee: choose a committee that has not been dissolved.")
    if key not in DEFAULTS:
        problems["key"] = _("Choose one of the discipline rules.")
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
    if DisciplinePolicy.objects.filter(unit=unit, key=key, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _(
            "%(unit)s already has a value for this rule from %(date)s; choose another date (a later row corrects "
            "an earlier one).") % {"unit": unit.name, "date": effective_from.isoformat()}})
    rules = DisciplinePolicySet(unit)
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
        row = DisciplinePolicy(unit=unit, key=key, value=value, effective_from=effective_from, note=note)
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=row, after=snapshot(row), unit=unit,
                     note=_("Discipline rule"))
    return row


def discipline_rules(unit, on: datetime.date | None = None) -> list[dict]:
    """Every discipline period for ``unit`` on ``on``: label, default, the value in force with its source, the
    committee rows that apply (newest first). One query."""
    on = on or timezone.localdate()
    rules = DisciplinePolicySet(unit)
    out = []
    for key, default in DEFAULTS.items():
        resolved = rules.get(key, on)
        rows = [r for r in rules.rows if r.key == key]
        out.append({"key": key, "label": LABELS[key], "default": default, "value": resolved.value,
                    "source": resolved.source, "overridden": resolved.unit_name is not None,
                    "upcoming": sorted((r for r in rows if r.effective_from > on), key=lambda r: r.effective_from),
                    "rows": sorted(rows, key=lambda r: (r.effective_from, r.pk), reverse=True)})
    return out
