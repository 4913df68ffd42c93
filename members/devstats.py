"""Membership development statistics for a unit's subtree, and the yearly development plans (计划发展数).

Selectors (reads, a fixed number of queries whatever the size of the subtree):

- ``development_stats(unit, year)``: people at each stage (cumulative for the subtree and per direct child
  unit), who is overdue, admissions and full memberships per year (last ``YEARS`` years), and the plan against
  the admissions for ``year``. About eight queries: the children, the stage counts, admissions per year,
  full memberships per year, the plans, the policy rows, one aggregate over the development steps and the
  probation extensions.
- ``overdue_people(unit)``: pipeline people whose next required step is past its latest date. The rules are
  those of members.pipeline / members.policy (committee rules resolved once per unit, not per person):

  * applicant: the talk within ``talk_within_months`` of the application;
  * activist, candidate, probationary: a thought report every ``thought_report_months`` (since the last one,
    else since the stage began); activist: an inspection every ``inspection_months``;
  * candidate with a passed branch vote and no decision of the higher committee since: the approval within
    ``approval_months`` of the vote (the pipeline still accepts it until ``approval_max_months``: it is late,
    not yet lapsed);
  * probationary: the full-membership decision at the end of probation (admission + ``probation_months``,
    plus extensions) when no full-membership vote was held; after the vote, the approval within
    ``approval_months`` of it.

Services (writes, audited): ``plan_create`` and ``plan_update``.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, UnitKind
from branches.models import Unit
from branches.permissions import VIEW
from branches.policy import ancestor_paths
from branches.selectors import unit_choices, user_root_units

from .choices import MemberStatus
from .models import DevelopmentPlan, DevelopmentPolicy, DevelopmentStep, DevelopmentStepKind as K, Person
from .policy import PolicySet, add_months

S = MemberStatus
STAGES = (S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY, S.FULL)
PIPELINE_STAGES = (S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY)
STATS_UNIT_KINDS = [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH]
YEARS = 5                     # admissions per year: this many years up to the current one
FIRST_PLAN_YEAR = 2000        # plans: from this year ...
PLAN_YEARS_AHEAD = 1          # ... to next year
MAX_PLANNED = 100_000

# The kinds of overdue item, in the order the page lists them.
OVERDUE_KINDS = (K.TALK, K.THOUGHT_REPORT, K.INSPECTION, K.COMMITTEE_APPROVAL, K.FULL_APPROVAL)


def plan_year_range(today: datetime.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return FIRST_PLAN_YEAR, today.year + PLAN_YEARS_AHEAD


# ---------------------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------------------

def stats_unit_choices(user):
    """Units whose statistics the user may open (committees, general branches and branches in scope)."""
    return unit_choices(user, VIEW, kinds=STATS_UNIT_KINDS)


def default_stats_unit(user, current: Unit | None = None) -> Unit | None:
    """The unit chosen in the top-bar switcher when it is a stats unit, else the user's top unit."""
    if current is not None and current.kind in STATS_UNIT_KINDS:
        return current
    return next((u for u in user_root_units(user, VIEW) if u.kind in STATS_UNIT_KINDS), None)


def child_units(unit: Unit) -> list[Unit]:
    """The direct children shown as rows (party groups for a branch), active ones only. One query."""
    return list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).active().order_by("path"))


def _child_path(unit: Unit, unit_path: str, group_path: str | None) -> str | None:
    """The path of the direct child of ``unit`` that a person (unit path, party group path) counts under."""
    if unit.kind == UnitKind.BRANCH:
        return group_path
    end = len(unit.path) + Unit.steplen
    return unit_path[:end] if len(unit_path) >= end else None


def _child_key(unit: Unit):
    """The same in SQL: the party group's path below a branch, else the unit path cut at the child's depth."""
    if unit.kind == UnitKind.BRANCH:
        return F("party_group__path")
    return Substr("unit__path", 1, len(unit.path) + Unit.steplen)


# ---------------------------------------------------------------------------------------------------------
# The statistics
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Row:
    """One row of the page: a direct child unit, the people directly in the unit (``unit`` None), or the total."""
    unit: Unit | None
    counts: dict = field(default_factory=dict)          # status -> n
    overdue: int = 0
    admissions: dict = field(default_factory=dict)      # year -> n
    full: dict = field(default_factory=dict)            # year -> n
    planned: int | None = None                          # for the chosen year
    plan_own: bool = False                              # the unit's own plan (else the sum of plans below it)
    plan_count: int = 0                                 # how many plans make up ``planned``
    plan: DevelopmentPlan | None = None                 # the unit's own plan row (pk, for the edit link)

    @property
    def stage_total(self) -> int:
        return sum(self.counts.get(s, 0) for s in STAGES)

    @property
    def is_empty(self) -> bool:
        return not (self.stage_total or self.overdue or any(self.admissions.values()) or any(self.full.values())
                    or self.planned)

    def actual(self, year: int) -> int:
        return self.admissions.get(year, 0)

    def percent(self, year: int) -> int | None:
        if not self.planned:
            return None
        return round(100 * self.actual(year) / self.planned)


@dataclass
class DevStats:
    unit: Unit
    year: int
    years: list[int]
    today: datetime.date
    total: Row
    rows: list[Row]                                     # children, then "directly in the unit" when not empty
    overdue: list                                       # OverduePerson, most overdue first
    overdue_by_kind: dict                               # kind -> n people
    plans_by_year: dict                                 # year -> planned total of the unit (None: no plan)

    @property
    def plan_rows(self) -> list[Row]:
        return [r for r in self.rows if r.planned is not None or r.actual(self.year)]

    @property
    def percent(self) -> int | None:
        return self.total.percent(self.year)

    def year_rows(self) -> list[tuple]:
        """(year, admissions, full memberships, planned, percent) of the whole subtree, oldest first."""
        out = []
        for y in self.years:
            planned = self.plans_by_year.get(y)
            adm = self.total.admissions.get(y, 0)
            out.append((y, adm, self.total.full.get(y, 0), planned,
                        round(100 * adm / planned) if planned else None))
        return out


def _yearly(unit: Unit, date_field: str, years: list[int]) -> dict[str | None, dict[int, int]]:
    """{child path or None: {year: n}}: people of the subtree whose ``date_field`` falls in ``years``. One query."""
    first, last = min(years), max(years)
    rows = (Person.objects.filter(unit__path__startswith=unit.path,
                                  **{f"{date_field}__gte": datetime.date(first, 1, 1),
                                     f"{date_field}__lte": datetime.date(last, 12, 31)})
            .annotate(key=_child_key(unit), y=ExtractYear(date_field))
            .values("key", "y").annotate(n=Count("pk")).order_by())
    out: dict = defaultdict(dict)
    wanted = set(years)
    for r in rows:
        if r["y"] in wanted:
            out[r["key"]][r["y"]] = out[r["key"]].get(r["y"], 0) + r["n"]
    return out


def _planned(path: str, plans: dict[str, tuple[int, DevelopmentPlan]]) -> tuple[int | None, bool, int]:
    """(planned, own, number of plans) for the unit at ``path``: its own plan, else the sum of the nearest
    plans below it (a general branch without a plan of its own adds up its branches' plans)."""
    if path in plans:
        return plans[path][0], True, 1
    below = sorted(p for p in plans if p.startswith(path) and p != path)
    nearest: list[str] = []
    for p in below:
        if not nearest or not p.startswith(nearest[-1]):
            nearest.append(p)
    if not nearest:
        return None, False, 0
    return sum(plans[p][0] for p in nearest), False, len(nearest)


def development_stats(unit: Unit, year: int | None = None, today: datetime.date | None = None) -> DevStats:
    """Everything the statistics page shows for ``unit`` and its subtree, in a fixed number of queries."""
    today = today or timezone.localdate()
    year = year or today.year
    years = list(range(today.year - YEARS + 1, today.year + 1))
    all_years = sorted(set(years) | {year})
    children = child_units(unit)
    by_path = {c.path: c for c in children}

    counts: dict = defaultdict(dict)
    stage_rows = (Person.objects.filter(unit__path__startswith=unit.path, status__in=STAGES)
                  .annotate(key=_child_key(unit)).values("key", "status").annotate(n=Count("pk")).order_by())
    for r in stage_rows:
        counts[r["key"]][r["status"]] = counts[r["key"]].get(r["status"], 0) + r["n"]
    admissions = _yearly(unit, "admission_date", all_years)
    full = _yearly(unit, "full_member_date", all_years)

    plans_by_year: dict[int, dict[str, tuple[int, DevelopmentPlan]]] = defaultdict(dict)
    for plan in (DevelopmentPlan.objects.filter(unit__path__startswith=unit.path, year__in=all_years)
                 .annotate(unit_path=F("unit__path")).only("pk", "unit_id", "year", "planned", "note")):
        plans_by_year[plan.year][plan.unit_path] = (plan.planned, plan)

    overdue = overdue_people(unit, today=today)
    overdue_counts: dict = defaultdict(int)
    by_kind: dict = {k: 0 for k in OVERDUE_KINDS}
    for o in overdue:
        overdue_counts[o.child_path] += 1
        for item in o.items:
            by_kind[item.kind] += 1

    def make_row(key, row_unit):
        row = Row(unit=row_unit, counts=dict(counts.get(key, {})), overdue=overdue_counts.get(key, 0),
                  admissions=dict(admissions.get(key, {})), full=dict(full.get(key, {})))
        if row_unit is not None:
            row.planned, row.plan_own, row.plan_count = _planned(row_unit.path, plans_by_year.get(year, {}))
            if row.plan_own:
                row.plan = plans_by_year[year][row_unit.path][1]
        return row

    rows = [make_row(c.path, c) for c in children]
    direct = Row(unit=None)
    for key in set(counts) | set(admissions) | set(full) | set(overdue_counts):
        if key not in by_path:
            part = make_row(key, None)
            for s, n in part.counts.items():
                direct.counts[s] = direct.counts.get(s, 0) + n
            for y, n in part.admissions.items():
                direct.admissions[y] = direct.admissions.get(y, 0) + n
            for y, n in part.full.items():
                direct.full[y] = direct.full.get(y, 0) + n
            direct.overdue += part.overdue
    if not direct.is_empty:
        rows.append(direct)

    total = Row(unit=unit)
    for r in rows:
        for s, n in r.counts.items():
            total.counts[s] = total.counts.get(s, 0) + n
        for y, n in r.admissions.items():
            total.admissions[y] = total.admissions.get(y, 0) + n
        for y, n in r.full.items():
            total.full[y] = total.full.get(y, 0) + n
        total.overdue += r.overdue
    total.planned, total.plan_own, total.plan_count = _planned(unit.path, plans_by_year.get(year, {}))
    if total.plan_own:
        total.plan = plans_by_year[year][unit.path][1]
    plan_totals = {y: _planned(unit.path, plans_by_year.get(y, {}))[0] for y in all_years}
    return DevStats(unit=unit, year=year, years=years, today=today, total=total, rows=rows, overdue=overdue,
                    overdue_by_kind=by_kind, plans_by_year=plan_totals)


# ---------------------------------------------------------------------------------------------------------
# Overdue: the pipeline's date rules over aggregates, no query per person
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OverdueItem:
    kind: str
    latest: datetime.date

    @property
    def label(self) -> str:
        return str(K(self.kind).label)


@dataclass
class OverduePerson:
    pk: int
    name: str
    status: str
    unit_name: str
    child_path: str | None
    items: list[OverdueItem]

    @property
    def since(self) -> datetime.date:
        return min(i.latest for i in self.items)

    def days(self, today: datetime.date) -> int:
        return (today - self.since).days

    def get_status_display(self) -> str:
        return str(S(self.status).label)


class _Policies:
    """The committee rules of every unit in a subtree from one query; a PolicySet per unit path, cached."""

    def __init__(self, unit: Unit):
        rows = (DevelopmentPolicy.objects.filter(unit__kind=UnitKind.COMMITTEE)
                .filter(Q(unit__path__in=ancestor_paths(unit)) | Q(unit__path__startswith=unit.path))
                .select_related("unit").order_by("-unit__depth", "-effective_from", "-pk"))
        self.rows = list(rows)
        self._sets: dict[str, PolicySet] = {}

    def for_path(self, path: str) -> PolicySet:
        if path not in self._sets:
            ps = PolicySet.__new__(PolicySet)     # PolicySet without its query: the rows are already here
            ps.rows = [r for r in self.rows if path.startswith(r.unit.path)]
            self._sets[path] = ps
        return self._sets[path]


def _step_max(kind, **extra):
    return Max("date", filter=Q(kind=kind, **extra))


_LAST_STEPS = {
    "last_application": (K.APPLICATION, {}), "last_talk": (K.TALK, {}), "last_report": (K.THOUGHT_REPORT, {}),
    "last_inspection": (K.INSPECTION, {}), "last_vote": (K.BRANCH_VOTE, {"extra__passed": True}),
    "last_decision": (K.COMMITTEE_APPROVAL, {}), "last_full_vote": (K.FULL_VOTE, {}),
    "last_full_approval": (K.FULL_APPROVAL, {}),
}


def overdue_people(unit: Unit, today: datetime.date | None = None) -> list[OverduePerson]:
    """Pipeline people of ``unit``'s subtree with an overdue item, most overdue first. Four queries: the people, the
    dates of their last steps (grouped by person on the steps table alone, then matched in Python: cheaper than
    grouping the people joined to every step), probation extensions and the committee rules."""
    today = today or timezone.localdate()
    in_subtree = {"unit__path__startswith": unit.path, "status__in": PIPELINE_STAGES}
    people = list(
        Person.objects.filter(**in_subtree)
        .values("pk", "name", "status", "unit__path", "unit__name", "unit__short_name", "party_group__path",
                "activist_date", "candidate_date", "admission_date").order_by()
    )
    if people:
        last = {row.pop("person_id"): row for row in (
            DevelopmentStep.objects.filter(**{f"person__{k}": v for k, v in in_subtree.items()})
            .values("person_id").annotate(**{name: _step_max(kind, **extra) for name, (kind, extra) in _LAST_STEPS.items()})
            .order_by())}
        empty = dict.fromkeys(_LAST_STEPS)
        for p in people:
            p.update(last.get(p["pk"], empty))
    if not people:
        return []
    extensions: dict[int, list[int]] = defaultdict(list)
    for person_id, extra in (DevelopmentStep.objects.filter(kind=K.PROBATION_EXTENDED,
                                                            person__unit__path__startswith=unit.path,
                                                            person__status=S.PROBATIONARY)
                             .values_list("person_id", "extra")):
        months = (extra or {}).get("months") if isinstance(extra, dict) else None
        if isinstance(months, int):
            extensions[person_id].append(months)
    policies = _Policies(unit)
    out = []
    for p in people:
        items = _overdue_items(p, policies.for_path(p["unit__path"]), extensions.get(p["pk"], []), today)
        if items:
            out.append(OverduePerson(
                pk=p["pk"], name=p["name"], status=p["status"], unit_name=p["unit__short_name"] or p["unit__name"],
                child_path=_child_path(unit, p["unit__path"], p["party_group__path"]), items=items))
    out.sort(key=lambda o: (o.since, o.name, o.pk))
    return out


def _overdue_items(p: dict, policy: PolicySet, extensions: list[int], today: datetime.date) -> list[OverdueItem]:
    items = []

    def late(kind, latest):
        if latest is not None and latest < today:
            items.append(OverdueItem(kind, latest))

    def periodic(kind, key, last, since):
        start = last or since
        if start is not None:
            late(kind, add_months(start, policy.value(key, today)))

    status = p["status"]
    if status == S.APPLICANT:
        app = p["last_application"]
        if app is not None and p["last_talk"] is None:
            late(K.TALK, add_months(app, policy.value("talk_within_months", app)))
    elif status == S.ACTIVIST:
        periodic(K.THOUGHT_REPORT, "thought_report_months", p["last_report"], p["activist_date"])
        periodic(K.INSPECTION, "inspection_months", p["last_inspection"], p["activist_date"])
    elif status == S.CANDIDATE:
        periodic(K.THOUGHT_REPORT, "thought_report_months", p["last_report"], p["candidate_date"])
        vote, decision = p["last_vote"], p["last_decision"]
        if vote is not None and (decision is None or decision < vote):
            late(K.COMMITTEE_APPROVAL, add_months(vote, policy.value("approval_months", vote)))
    elif status == S.PROBATIONARY:
        periodic(K.THOUGHT_REPORT, "thought_report_months", p["last_report"], p["admission_date"])
        admitted = p["admission_date"]
        full_vote, full_decision = p["last_full_vote"], p["last_full_approval"]
        if admitted is not None:
            if full_vote is None:
                end = add_months(admitted, policy.value("probation_months", admitted))
                for months in extensions:
                    end = add_months(end, months)
                late(K.FULL_APPROVAL, end)
            elif full_decision is None or full_decision < full_vote:
                late(K.FULL_APPROVAL, add_months(full_vote, policy.value("approval_months", full_vote)))
    return items


# ---------------------------------------------------------------------------------------------------------
# Plans: selectors and services
# ---------------------------------------------------------------------------------------------------------

def plan_list(user, year: int | None = None):
    """Plans the user may see, newest year first, with their unit."""
    qs = DevelopmentPlan.objects.restrict(user, VIEW).select_related("unit")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "unit__path", "pk")


def _plan_problems(*, unit: Unit, year, planned) -> dict:
    errors = {}
    first, last = plan_year_range()
    if year is None or not (first <= year <= last):
        errors["year"] = _("Enter a year from %(first)s to %(last)s.") % {"first": first, "last": last}
    if planned is None or planned < 0:
        errors["planned"] = _("The planned number of admissions cannot be negative.")
    elif planned > MAX_PLANNED:
        errors["planned"] = _("Enter at most %(n)s planned admissions.") % {"n": MAX_PLANNED}
    if unit is not None and unit.kind not in STATS_UNIT_KINDS:
        errors["unit"] = _("Plans are set for committees, general branches and branches, not party groups.")
    elif unit is not None and unit.is_dissolved:
        errors["unit"] = _("%(unit)s is dissolved; it has no development plan.") % {"unit": unit}
    return errors


def _duplicate_error(unit: Unit, year: int, existing: DevelopmentPlan) -> ValidationError:
    return ValidationError({"year": _("%(unit)s already has a plan for %(year)s (%(n)s planned admissions); edit "
                                      "that plan instead.") % {"unit": unit, "year": year, "n": existing.planned}})


@transaction.atomic
def plan_create(*, actor, unit: Unit, year: int, planned: int, note: str = "") -> DevelopmentPlan:
    """A unit's development plan for ``year``; one plan per unit and year."""
    errors = _plan_problems(unit=unit, year=year, planned=planned)
    if errors:
        raise ValidationError(errors)
    existing = DevelopmentPlan.objects.filter(unit=unit, year=year).first()
    if existing is not None:
        raise _duplicate_error(unit, year, existing)
    plan = DevelopmentPlan(unit=unit, year=year, planned=planned, note=(note or "").strip())
    plan.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:           # created at the same moment by someone else
        raise _duplicate_error(unit, year, DevelopmentPlan.objects.get(unit=unit, year=year)) from None
    audit_record(actor=actor, action=AuditAction.CREATE, obj=plan, after=snapshot(plan), unit=unit)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: DevelopmentPlan, planned: int, note: str = "") -> DevelopmentPlan:
    """Change the planned number or the note of a plan (its unit and year stay)."""
    plan = DevelopmentPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    errors = _plan_problems(unit=None, year=plan.year, planned=planned)
    errors.pop("year", None)                 # an old plan keeps its year
    if errors:
        raise ValidationError(errors)
    before = snapshot(plan)
    plan.planned, plan.note = planned, (note or "").strip()
    plan.full_clean(validate_unique=False, validate_constraints=False)
    after = snapshot(plan)
    if after == before:
        return plan
    plan.save(update_fields=["planned", "note", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=plan, before=before, after=after, unit=plan.unit)
    return plan
