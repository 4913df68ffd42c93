"""Discipline periods as data: the defaults in ONE dict, committee overrides in DisciplinePolicy rows.

Resolution and the one writer are ``branches.policy.RuleBook``: the nearest committee at or above the unit with a row for the key whose
``effective_from <= on`` wins; otherwise the default. ``DisciplinePolicySet`` loads the rows once (one query).
"""
from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy

from branches.policy import RuleBook

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


class DisciplinePolicySet(RuleBook):
    """All discipline rules that can apply to ``unit``, loaded with one query (branches.policy.RuleBook)."""

    model = "discipline.DisciplinePolicy"
    defaults = DEFAULTS
    labels = LABELS
    audit_note = gettext_lazy("Discipline rule")
    choose_message = gettext_lazy("Choose one of the discipline rules.")


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


DisciplinePolicySet.bounds = BOUNDS
DisciplinePolicySet.ordered_pairs = ORDERED_PAIRS


def discipline_policy_add(*, actor, unit, key: str, value: int, effective_from: datetime.date, note: str):
    """A committee's new value for one discipline period from ``effective_from`` on (for its whole subtree); see
    ``branches.policy.RuleBook.add``. Rows are never edited or deleted: a correction is a newer row."""
    return DisciplinePolicySet.add(actor=actor, unit=unit, key=key, value=value, effective_from=effective_from,
                                   note=note)


