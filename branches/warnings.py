"""Structural warnings: facts about the shape of the tree that a secretary should act on.

Each warning carries its rule in words and a severity (danger / warning / info). Warnings are computed
for many units at once by *providers*, each answering in a constant number of queries whatever the
number of units. Committee-term warnings are branches data and live here; warnings that need head
counts come from ``members.warnings``, registered in ``MembersConfig.ready()``.

The thresholds are policy defaults kept in ``POLICY`` (one place). Warnings never block anything.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import UnitKind

# Policy defaults [seed 001, Branch2018, Election]. Change them here, nowhere else.
POLICY: dict[str, int] = {
    "branch_min_full_members": 3,          # a branch needs at least 3 full members
    "general_branch_size": 50,             # 50+ members: usually a general branch
    "basic_committee_size": 100,           # 100+ members: usually a basic-level committee
    "committee_full_members": 7,           # 7+ full members: elect a branch committee
    "party_group_min_people": 3,           # a party group has 3+ people ...
    "party_group_min_full_members": 1,     # ... at least one of them a full member
    "term_request_months": 4,              # the election request (换届请示) is due 4 months before expiry
    "term_notice_months": 6,               # first notice 6 months before expiry
    "term_final_months": 1,                # last notice 1 month before expiry
    "term_postponement_max_months": 12,    # a postponement is at most 1 year
}

DANGER, WARNING, INFO = "danger", "warning", "info"
SEVERITY_RANK = {DANGER: 0, WARNING: 1, INFO: 2}

# Term thresholds, the most advanced first.
TERM_EXPIRED = "expired"
TERM_ONE_MONTH = "one_month"
TERM_REQUEST_DUE = "request_due"
TERM_SIX_MONTHS = "six_months"
TERM_THRESHOLDS = (TERM_EXPIRED, TERM_ONE_MONTH, TERM_REQUEST_DUE, TERM_SIX_MONTHS)


@dataclass(frozen=True)
class StructuralWarning:
    unit: object  # branches.models.Unit
    code: str
    severity: str
    message: str
    rule: str
    due: datetime.date | None = None

    @property
    def sort_key(self):
        return (SEVERITY_RANK.get(self.severity, 9), self.due or datetime.date.max, self.unit.path, self.code)

    @property
    def icon(self) -> str:
        return {DANGER: "exclamation-octagon", WARNING: "exclamation-triangle"}.get(self.severity, "info-circle")


Provider = Callable[[list, datetime.date, dict], Iterable[StructuralWarning]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider ``provider(units, today, policy) -> warnings``; registering twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def unit_warnings(units: Iterable, today: datetime.date | None = None) -> list[StructuralWarning]:
    """All warnings of the (non-dissolved) ``units``, most urgent first."""
    today = today or timezone.localdate()
    units = [u for u in units if u.dissolved_on is None]
    if not units:
        return []
    found: list[StructuralWarning] = []
    for provider in _providers:
        found.extend(provider(units, today, POLICY))
    return sorted(found, key=lambda w: w.sort_key)


# --- committee terms -------------------------------------------------------------------------------

def term_dates(end_date: datetime.date, policy: dict = POLICY) -> dict[str, datetime.date]:
    """The day each threshold starts, for a term ending on ``end_date``."""
    return {
        TERM_SIX_MONTHS: end_date - relativedelta(months=policy["term_notice_months"]),
        TERM_REQUEST_DUE: end_date - relativedelta(months=policy["term_request_months"]),
        TERM_ONE_MONTH: end_date - relativedelta(months=policy["term_final_months"]),
        TERM_EXPIRED: end_date + datetime.timedelta(days=1),
    }


def term_threshold(end_date: datetime.date, today: datetime.date, policy: dict = POLICY) -> str | None:
    """The most advanced threshold a term ending on ``end_date`` has reached by ``today`` (or None)."""
    starts = term_dates(end_date, policy)
    for threshold in TERM_THRESHOLDS:
        if today >= starts[threshold]:
            return threshold
    return None


def term_rule(policy: dict = POLICY) -> str:
    return _("A committee serves 3 or 5 years; the election request (换届请示) is due %(req)s months before the "
             "term ends; a postponement needs the higher committee's approval and is at most %(post)s months.") % {
        "req": policy["term_request_months"], "post": policy["term_postponement_max_months"]}


def term_warning(unit, end_date: datetime.date, today: datetime.date, policy: dict = POLICY):
    """The warning for a current term ending on ``end_date`` (or None when it is not yet due)."""
    starts = term_dates(end_date, policy)
    threshold = next((t for t in TERM_THRESHOLDS if today >= starts[t]), None)
    if threshold is None:
        return None
    request_by = starts[TERM_REQUEST_DUE]
    days = (end_date - today).days
    args = {"end": end_date.isoformat(), "days": abs(days), "req": request_by.isoformat()}
    if threshold == TERM_EXPIRED:
        severity, due = DANGER, end_date
        message = _("The committee term expired on %(end)s (%(days)s days ago): hold the election now.") % args
    elif threshold == TERM_ONE_MONTH:
        severity, due = WARNING, end_date
        message = _("The committee term ends on %(end)s (%(days)s days left): hold the election.") % args
    elif threshold == TERM_REQUEST_DUE:
        severity, due = WARNING, request_by
        message = _("Submit the election request (换届请示) by %(req)s; the committee term ends on %(end)s "
                    "(%(days)s days left).") % args
    else:
        severity, due = INFO, request_by
        message = _("The committee term ends on %(end)s (%(days)s days left): prepare the election and submit "
                    "the election request (换届请示) by %(req)s.") % args
    return StructuralWarning(unit=unit, code=f"term_{threshold}", severity=severity, message=message,
                             rule=term_rule(policy), due=due)


def term_warnings(units: list, today: datetime.date, policy: dict) -> list[StructuralWarning]:
    """Warnings of the current committee terms of ``units``: one query."""
    from .models import CommitteeTerm

    by_pk = {u.pk: u for u in units if u.kind != UnitKind.PARTY_GROUP}
    if not by_pk:
        return []
    # Only terms that have reached the earliest threshold can warn: filter them in the database.
    horizon = today + relativedelta(months=max(policy["term_notice_months"], policy["term_request_months"],
                                               policy["term_final_months"]))
    rows = CommitteeTerm.objects.filter(unit_id__in=list(by_pk), ended_on__isnull=True,
                                        end_date__lte=horizon).values_list("unit_id", "end_date")
    found = []
    for unit_id, end_date in rows:
        w = term_warning(by_pk[unit_id], end_date, today, policy)
        if w is not None:
            found.append(w)
    return found


register(term_warnings)
