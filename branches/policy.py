"""Rules as data, for every app: central defaults in one dict, committee values in rows from a date on.

An app declares its rules as a :class:`RuleBook` subclass (``defaults``, ``labels``, ``bounds``, the row model
``model`` as "app_label.Model", optional ``ordered_pairs``) and its row model on :class:`CommitteeRuleBase`.

- Resolution: for a unit and a date, the nearest committee at or above the unit that has a row for the key with
  ``effective_from <= on`` wins (its latest such row); otherwise the central default. A book loads the rows of
  the unit's ancestors once (one query), so a page resolves any number of rules without further queries; each
  resolved value says which rule produced it (``Resolved.source``).
- Writing: ``Book.add(...)`` is the one service that adds a committee value (bounded, with a reason, one row
  per rule and date, ordered pairs kept in order, audited). Rows are never edited or deleted: a newer row
  corrects an older one, and a return to the central rule is a row with the central value.
- Reading for a page: ``Book.overview(unit, on)``.

The meetings app keeps its own book (``meetings.policy.PolicyBook``): its rules are keyed by meeting type and
unit kind and carry a period, not one number.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import UnitKind


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


def ancestor_paths(unit) -> list[str]:
    """The paths of ``unit`` and every unit above it (materialized paths: prefixes)."""
    step = unit.steplen
    return [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]


class RuleBook:
    """All rules of one app that can apply to ``unit``, loaded with one query (none when ``rows`` are given:
    a job resolving many units loads every row once and passes them)."""

    model: str = ""                                  # "app_label.Model", a CommitteeRuleBase subclass
    defaults: dict = {}
    labels: dict = {}
    bounds: dict[str, tuple[int, int]] = {}          # inclusive bounds of a committee's value
    ordered_pairs: tuple[tuple[str, str], ...] = ()  # (lower key, upper key) that must stay in order
    audit_note: str = ""                             # what the audit entry of a new row says
    choose_message: str = ""                         # the error for an unknown key

    resolved_class = Resolved

    def __init__(self, unit, rows=None):
        if rows is None:
            rows = (self.row_model().objects.filter(unit__path__in=ancestor_paths(unit), unit__kind=UnitKind.COMMITTEE)
                    .select_related("unit").order_by("-unit__depth", "-effective_from", "-pk"))
        else:
            paths = set(ancestor_paths(unit))
            rows = [r for r in rows if r.unit.path in paths and r.unit.kind == UnitKind.COMMITTEE]
        self.rows = list(rows)

    @classmethod
    def row_model(cls):
        return apps.get_model(cls.model)

    @classmethod
    def all_rows(cls) -> list:
        """Every committee row in nearest-first order, for a job that resolves many units: pass them as ``rows``
        (one query for the whole run)."""
        return list(cls.row_model().objects.filter(unit__kind=UnitKind.COMMITTEE).select_related("unit")
                    .order_by("-unit__depth", "-effective_from", "-pk"))

    def get(self, key: str, on: datetime.date | None = None) -> Resolved:
        if key not in self.defaults:
            raise KeyError(key)
        on = on or timezone.localdate()
        for row in self.rows:          # nearest committee first, then its latest row
            if row.key == key and row.effective_from <= on:
                return self.resolved_class(key, row.value, row.unit.name, row.effective_from)
        return self.resolved_class(key, self.defaults[key])

    def value(self, key: str, on: datetime.date | None = None):
        return self.get(key, on).value

    # -- the page ------------------------------------------------------------------------------------------

    @classmethod
    def overview(cls, unit, on: datetime.date | None = None) -> list[dict]:
        """Every rule for ``unit`` on ``on``: label, central default, the value in force with its source, and the
        committee rows that apply to the unit (its own and its ancestors'), upcoming ones apart. One query."""
        on = on or timezone.localdate()
        book = cls(unit)
        out = []
        for key, default in cls.defaults.items():
            resolved = book.get(key, on)
            rows = [r for r in book.rows if r.key == key]
            out.append({"key": key, "label": cls.labels[key], "default": default, "value": resolved.value,
                        "source": resolved.source, "overridden": resolved.unit_name is not None,
                        "upcoming": sorted((r for r in rows if r.effective_from > on), key=lambda r: r.effective_from),
                        "rows": sorted(rows, key=lambda r: (r.effective_from, r.pk), reverse=True)})
        return out

    # -- the one writer ------------------------------------------------------------------------------------

    @classmethod
    def clean_value(cls, key: str, value):
        """The value in its stored form; ValueError with a readable message when it is not allowed. Default: a
        whole number within the rule's bounds."""
        low, high = cls.bounds[key]
        if not isinstance(value, int) or isinstance(value, bool) or not (low <= value <= high):
            raise ValueError(_("%(rule)s must be between %(low)s and %(high)s.") % {
                "rule": cls.labels[key], "low": low, "high": high})
        return value

    @classmethod
    def check(cls, *, unit, key: str, value, effective_from: datetime.date, note: str) -> tuple:
        """Raise ValidationError unless a committee may add this row: refuses a unit that is not a live committee,
        an unknown rule, a value outside the rule's bounds, a missing reason, a second row of the same rule and date,
        and a value that would put a pair of rules out of order (e.g. approval within 4 months but never later than
        3). Returns the value as stored (``clean_value``) and the note, stripped."""
        from django.core.exceptions import ValidationError

        problems: dict[str, str] = {}
        if unit is None or unit.kind != UnitKind.COMMITTEE or unit.dissolved_on is not None:
            problems["unit"] = _("Rules are set by a committee: choose a committee that has not been dissolved.")
        if key not in cls.defaults:
            problems["key"] = str(cls.choose_message)
        else:
            try:
                value = cls.clean_value(key, value)
            except ValueError as exc:
                problems["value"] = str(exc)
        note = (note or "").strip()
        if not note:
            problems["note"] = _("Say why, for example the document that sets the local rule.")
        if problems:
            raise ValidationError(problems)
        model = cls.row_model()
        if model.objects.filter(unit=unit, key=key, effective_from=effective_from).exists():
            raise ValidationError({"effective_from": _(
                "%(unit)s already has a value for this rule from %(date)s; choose another date (a later row corrects "
                "an earlier one).") % {"unit": unit.name, "date": effective_from.isoformat()}})
        book = cls(unit)
        for low_key, high_key in cls.ordered_pairs:
            if key in (low_key, high_key):
                low_value = value if key == low_key else book.value(low_key, effective_from)
                high_value = value if key == high_key else book.value(high_key, effective_from)
                if low_value > high_value:
                    raise ValidationError({"value": _(
                        "From %(date)s “%(low)s” would be %(a)s and “%(high)s” %(b)s: the first may not exceed the "
                        "second.") % {"date": effective_from.isoformat(), "low": cls.labels[low_key], "a": low_value,
                                      "high": cls.labels[high_key], "b": high_value}})
        return value, note

    @classmethod
    def add(cls, *, actor, unit, key: str, value: int, effective_from: datetime.date, note: str):
        """A committee's new value for one rule from ``effective_from`` on, for its whole subtree (``check`` says
        what is refused); audited."""
        from django.db import transaction

        from .audit import audit_record, snapshot
        from .choices import AuditAction

        value, note = cls.check(unit=unit, key=key, value=value, effective_from=effective_from, note=note)
        model = cls.row_model()
        with transaction.atomic():
            row = model(unit=unit, key=key, value=value, effective_from=effective_from, note=note)
            row.full_clean()
            row.save()
            audit_record(actor=actor, action=AuditAction.CREATE, obj=row, after=snapshot(row), unit=unit,
                         note=str(cls.audit_note))
        return row
