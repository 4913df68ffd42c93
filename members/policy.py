"""Development rules as data: the central defaults in ONE dict, committee overrides in DevelopmentPolicy rows.

``policy_value(unit, key, on=date)`` takes the nearest committee at or above ``unit`` that has a row for
``key`` with ``effective_from <= on`` (the latest such row of that committee); otherwise the default.
``PolicySet`` loads the rows of a unit's ancestors once (one query) so that a page resolves any number of
rules without further queries; each resolved value says which rule produced it.
"""
from __future__ import annotations

import calendar
import datetime

from django.utils.translation import gettext_lazy

from branches.policy import Resolved, RuleBook  # noqa: F401 - Resolved re-exported

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


class PolicySet(RuleBook):
    """All development rules that can apply to ``unit``, loaded with one query (branches.policy.RuleBook)."""

    model = "members.DevelopmentPolicy"
    defaults = DEFAULTS
    labels = LABELS
    audit_note = gettext_lazy("Development rule")
    choose_message = gettext_lazy("Choose one of the development rules.")


def policy_value(unit, key: str, on: datetime.date | None = None):
    """The value of development rule ``key`` for ``unit`` on ``on`` (today by default)."""
    return PolicySet(unit).value(key, on)


def policy_rule(unit, key: str, on: datetime.date | None = None) -> Resolved:
    return PolicySet(unit).get(key, on)


# -- date arithmetic ----------------------------------------------------------------------------------------

def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's end (as dateutil's relativedelta:
    2024-01-31 + 1 month = 2024-02-29). Plain arithmetic: the statistics pages call it for every person."""
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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


PolicySet.bounds = BOUNDS
PolicySet.ordered_pairs = ORDERED_PAIRS


def development_policy_add(*, actor, unit, key: str, value: int, effective_from: datetime.date, note: str):
    """A committee's new value for one development rule from ``effective_from`` on (for its whole subtree); see
    ``branches.policy.RuleBook.add`` for what it refuses. Rows are never edited or deleted."""
    return PolicySet.add(actor=actor, unit=unit, key=key, value=value, effective_from=effective_from, note=note)


def development_rules(unit, on: datetime.date | None = None) -> list[dict]:
    """Every development rule for ``unit`` on ``on`` with its source and the committee rows. One query."""
    return PolicySet.overview(unit, on)
