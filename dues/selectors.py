"""Scoped reads of the dues records: every page gets its rows through here, in a fixed number of queries.

Totals reconcile by construction: a member's arrears up to a month are charges minus payments, read from their
running balance row in force at that month (``dues.balances``, rebuilt from the ledger lines on every write), and a
unit's and a period's figures are sums of the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (Case, Count, DecimalField, ExpressionWrapper, F, FilteredRelation, OuterRef, Q,
                              Subquery, Sum, Value, When)
from django.db.models.functions import Coalesce

from branches.choices import UnitKind
from branches.models import Unit
from branches.permissions import DUES_VIEW
from branches.scope import scope_paths
from branches.selectors import unit_choices
from members.choices import MEMBER_STATUSES
from members.models import Person

from . import balances, periods
from .choices import EntryKind, MonthState
from .models import ZERO, DuesBase, DuesRelief, LapseCase, LedgerEntry, MonthBalance, Payment, Remittance
from .rates import money_sum

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
DUES_UNIT_KINDS = [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH]


def dues_units(user, action: str = DUES_VIEW):
    """Units whose dues pages the user may open (committees, general branches, branches)."""
    return unit_choices(user, action, kinds=DUES_UNIT_KINDS)


def members_of(user, unit: Unit, action: str = DUES_VIEW):
    """Members on the roll in ``unit``'s subtree that the user may see the dues of."""
    return (Person.objects.restrict(user, action).filter(unit__path__startswith=unit.path, status__in=MEMBER_STATUSES)
            .select_related("unit"))


def _in_force(upto: int) -> FilteredRelation:
    """Join a member to their balance row in force at ``upto`` (at most one; none before their first line)."""
    return FilteredRelation("dues_balances", condition=balances.in_force(upto, "dues_balances__"))


def _zero(expr):
    return Coalesce(expr, Value(ZERO), output_field=MONEY_FIELD)


def month_sheet(user, unit: Unit, period: int):
    """One row per member for the month: base amount, charged and paid for the month, and the running totals up
    to it (arrears = charged_to − paid_to), read from the member's balance row in force. One query."""
    base = DuesBase.objects.filter(person=OuterRef("pk"), year=periods.year_of(period)).values("monthly_amount")[:1]
    this_month = Q(bal__period=period)
    return (members_of(user, unit)
            .annotate(bal=_in_force(period))
            .annotate(monthly_amount=Subquery(base, output_field=MONEY_FIELD),
                      charged=_zero(Case(When(this_month, then=F("bal__charged")))),
                      paid=_zero(Case(When(this_month, then=F("bal__paid")))),
                      charged_to=_zero(F("bal__charged_to")), paid_to=_zero(F("bal__paid_to")))
            .order_by("unit__path", "name", "pk"))


@dataclass
class Totals:
    charged: Decimal = ZERO
    paid: Decimal = ZERO
    charged_to: Decimal = ZERO
    paid_to: Decimal = ZERO
    members: int = 0
    received: Decimal = ZERO      # received in the month (payment date), all months covered, reversals netted
    voluntary: Decimal = ZERO

    def __post_init__(self):
        # SQLite sums decimals in floating point: bring every total back to fen (PostgreSQL is exact anyway).
        for name in ("charged", "paid", "charged_to", "paid_to", "received", "voluntary"):
            setattr(self, name, money_sum(getattr(self, name)))

    @property
    def outstanding(self) -> Decimal:
        return self.charged - self.paid

    @property
    def arrears(self) -> Decimal:
        return self.charged_to - self.paid_to

    @property
    def rate(self) -> int | None:
        return round(self.paid * 100 / self.charged) if self.charged else None


def sheet_totals(user, unit: Unit, period: int) -> Totals:
    """The sheet's totals, summed over the same balance rows as the sheet's rows (so they reconcile), and the money
    received in the month by payment date from the ledger. Two queries."""
    people = members_of(user, unit)
    this_month = Q(bal__period=period)
    agg = people.annotate(bal=_in_force(period)).aggregate(
        members=Count("pk"),
        charged=_zero(Sum("bal__charged", filter=this_month)), paid=_zero(Sum("bal__paid", filter=this_month)),
        voluntary=_zero(Sum("bal__voluntary", filter=this_month)),
        charged_to=_zero(Sum("bal__charged_to")), paid_to=_zero(Sum("bal__paid_to")))
    agg["received"] = (LedgerEntry.objects.filter(person__in=people.values("pk"),
                                                  kind__in=[EntryKind.PAYMENT, EntryKind.VOLUNTARY],
                                                  payment__paid_on__gte=periods.first_day(period),
                                                  payment__paid_on__lt=periods.first_day(period + 1))
                       .aggregate(s=_zero(Sum("amount")))["s"])
    return Totals(**agg)


def month_state(charged: Decimal, paid: Decimal, has_charge: bool, relief: bool) -> str:
    if relief and (not has_charge or charged == 0):
        return MonthState.RELIEF
    if not has_charge or charged <= 0:
        return MonthState.NOT_DUE if paid <= 0 else MonthState.PAID
    if paid >= charged:
        return MonthState.PAID
    if paid > 0:
        return MonthState.PARTLY
    return MonthState.UNPAID


@dataclass
class MonthCell:
    period: int
    charged: Decimal
    paid: Decimal
    state: str
    relief: bool = False

    @property
    def label(self) -> str:
        return periods.label(self.period)

    @property
    def state_label(self) -> str:
        return MonthState(self.state).label


def month_grid(person: Person, first: int, last: int) -> list[MonthCell]:
    """One cell per month from ``first`` to ``last``: charged, paid, state. Two queries."""
    rows = (LedgerEntry.objects.filter(person=person, period__gte=first, period__lte=last,
                                       kind__in=[EntryKind.CHARGE, EntryKind.PAYMENT])
            .values("period", "kind").annotate(s=Sum("amount")))
    charged, paid, has_charge = {}, {}, set()
    for r in rows:
        if r["kind"] == EntryKind.CHARGE:
            charged[r["period"]] = r["s"]
            has_charge.add(r["period"])
        else:
            paid[r["period"]] = r["s"]
    relief = set()
    for a, b in DuesRelief.objects.filter(person=person, first_period__lte=last, last_period__gte=first).values_list(
            "first_period", "last_period"):
        relief.update(range(a, b + 1))
    cells = []
    for m in range(first, last + 1):
        c, p = money_sum(charged.get(m, ZERO)), money_sum(paid.get(m, ZERO))
        cells.append(MonthCell(m, c, p, month_state(c, p, m in has_charge, m in relief), m in relief))
    return cells


def person_totals(person: Person, upto: int | None = None) -> dict:
    qs = LedgerEntry.objects.filter(person=person)
    if upto is not None:
        qs = qs.filter(period__lte=upto)
    agg = qs.aggregate(
        charged=Coalesce(Sum("amount", filter=Q(kind=EntryKind.CHARGE)), Value(ZERO), output_field=MONEY_FIELD),
        paid=Coalesce(Sum("amount", filter=Q(kind=EntryKind.PAYMENT)), Value(ZERO), output_field=MONEY_FIELD),
        voluntary=Coalesce(Sum("amount", filter=Q(kind=EntryKind.VOLUNTARY)), Value(ZERO), output_field=MONEY_FIELD),
    )
    agg = {k: money_sum(v) for k, v in agg.items()}
    agg["arrears"] = agg["charged"] - agg["paid"]
    return agg


def ledger_lines(person: Person, year: int | None = None):
    qs = (LedgerEntry.objects.filter(person=person)
          .select_related("payment", "reverses", "created_by").prefetch_related("reversed_by"))
    if year is not None:
        qs = qs.filter(period__in=periods.year_range(year))
    return qs.order_by("period", "created_at", "pk")


def payments_of(person: Person):
    return Payment.objects.filter(person=person).select_related("reversal", "created_by").order_by("-paid_on", "-pk")


def arrears_list(user, unit: Unit, upto: int):
    """Members of ``unit``'s subtree with arrears up to ``upto``, most owed first: each member's balance row in
    force at ``upto``. One query."""
    return (members_of(user, unit)
            .annotate(bal=_in_force(upto))
            .annotate(charged_to=F("bal__charged_to"), paid_to=F("bal__paid_to"),
                      arrears=ExpressionWrapper(F("bal__charged_to") - F("bal__paid_to"), output_field=MONEY_FIELD))
            .filter(arrears__gt=0)
            .order_by("-arrears", "unit__path", "name", "pk"))


def bases_of(user, unit: Unit, year: int):
    """Members with their base for ``year`` (None when missing), members without one first. One query."""
    base = DuesBase.objects.filter(person=OuterRef("pk"), year=year)
    return (members_of(user, unit)
            .annotate(monthly_amount=Subquery(base.values("monthly_amount")[:1], output_field=MONEY_FIELD),
                      income=Subquery(base.values("income")[:1], output_field=MONEY_FIELD),
                      dues_category=Subquery(base.values("category")[:1]),
                      base_pk=Subquery(base.values("pk")[:1]))
            .order_by(Coalesce("base_pk", Value(0)).asc(), "unit__path", "name", "pk"))


def without_base_count(units: list[Unit], year: int, user) -> int:
    q = Q()
    for u in units:
        q |= Q(unit__path__startswith=u.path)
    return (Person.objects.restrict(user, DUES_VIEW).filter(q, status__in=MEMBER_STATUSES)
            .exclude(dues_bases__year=year).count())


def remittances_of(user, unit: Unit):
    return (Remittance.objects.restrict(user, DUES_VIEW).filter(unit__path__startswith=unit.path)
            .select_related("unit", "to_unit", "created_by").order_by("-period", "unit__path"))


def lapse_cases(user):
    return LapseCase.objects.restrict(user, DUES_VIEW).select_related("person", "unit").order_by("-opened_on", "-pk")


def unit_rollup(user, period: int, action: str = DUES_VIEW, units=None) -> list[dict]:
    """For each unit the user may see dues of (or of ``units``, already read): members, charged and paid for
    ``period``, arrears to date, summed over the unit's subtree. Two queries (one with ``units``), whatever the
    number of units."""
    units = list(dues_units(user, action)) if units is None else units
    if not units:
        return []
    paths = scope_paths(user, action)
    rows = MonthBalance.objects.filter(balances.in_force(period), person__status__in=MEMBER_STATUSES)
    if paths is not None:
        q = Q()
        for p in paths:
            q |= Q(person__unit__path__startswith=p)
        rows = rows.filter(q)
    rows = (rows.values("person__unit__path")
            .annotate(charged=_zero(Sum("charged", filter=Q(period=period))),
                      paid=_zero(Sum("paid", filter=Q(period=period))),
                      arrears=_zero(Sum(F("charged_to") - F("paid_to"), output_field=MONEY_FIELD))))
    # each unit's sums go to every unit above it (tree paths: a prefix per level)
    step = Unit.steplen
    sums: dict[str, dict] = {}
    for r in rows:
        path = r["person__unit__path"]
        for i in range(step, len(path) + 1, step):
            t = sums.setdefault(path[:i], {"charged": ZERO, "paid": ZERO, "arrears": ZERO})
            for k in t:
                t[k] += r[k]
    out = []
    for u in units:
        t = {"unit": u, **{k: money_sum(v) for k, v in sums.get(u.path, {"charged": ZERO, "paid": ZERO,
                                                                         "arrears": ZERO}).items()}}
        t["rate"] = round(t["paid"] * 100 / t["charged"]) if t["charged"] else None
        out.append(t)
    return out
