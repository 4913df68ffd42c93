"""Monthly dues by the rate table in force [Dues2008].

Brackets are inclusive at the top: "base ≤ 3000 → 0.5 %; 3000–5000 → 1 %" means exactly 3000 pays 0.5 % and
exactly 5000 pays 1 %. Amounts are Decimal, rounded to fen with ROUND_HALF_UP. Farmers pay a fixed amount within
0.20–1.00 (default: the policy's ``farmer_default_amount``); students, the unemployed and those on relief 0.20.

A year is charged by the table in force on 1 January of that year: the nearest committee's table, else the
central one (``table_for``).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from members.choices import PersonCategory

from .choices import RateCategory

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

# A person's 人员类别 -> the rate category used by default (a clerk may choose another on the declaration).
CATEGORY_FOR_PERSON = {
    PersonCategory.EMPLOYEE: RateCategory.EMPLOYEE,
    PersonCategory.RETIREE: RateCategory.RETIREE,
    PersonCategory.FARMER: RateCategory.FARMER,
    PersonCategory.STUDENT: RateCategory.STUDENT,
    PersonCategory.UNEMPLOYED: RateCategory.STUDENT,
    PersonCategory.OTHER: RateCategory.EMPLOYEE,
}
INCOME_CATEGORIES = (RateCategory.EMPLOYEE, RateCategory.RETIREE)


class RateError(ValueError):
    """The declaration cannot be computed; the message says what to fix (field name in ``field``)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def money(value) -> Decimal:
    """A Decimal with 2 places, ROUND_HALF_UP; never goes through float."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def money_sum(value) -> Decimal:
    """A database sum as money: None (no rows) is 0.00, and SQLite's floating-point sums of decimals come back to
    fen (PostgreSQL sums exactly anyway)."""
    return money(value if value is not None else 0)


@dataclass(frozen=True)
class Computed:
    amount: Decimal
    rule: str


def compute(brackets, category: str, *, income: Decimal | None = None, declared: Decimal | None = None,
            farmer_default: Decimal = Decimal("0.20")) -> Computed:
    """The monthly amount for ``category`` by ``brackets`` (RateBracket rows of one table)."""
    rows = [b for b in brackets if b.category == category]
    if not rows:
        raise RateError(_("The rate table has no line for this category."), "category")
    if category in INCOME_CATEGORIES:
        if income is None:
            raise RateError(_("Enter the monthly income after tax."), "income")
        income = money(income)
        if income < 0:
            raise RateError(_("The income cannot be negative."), "income")
        rows.sort(key=lambda b: (b.upper_bound is None, b.upper_bound or 0))
        prev = None
        for b in rows:
            if b.upper_bound is None or income <= b.upper_bound:
                if b.percent is not None:
                    amount = money(income * b.percent / HUNDRED)
                    span = (_("%(lo)s < base ≤ %(hi)s") % {"lo": prev, "hi": b.upper_bound} if prev is not None and
                            b.upper_bound is not None else
                            _("base ≤ %(hi)s") % {"hi": b.upper_bound} if b.upper_bound is not None else
                            _("base > %(lo)s") % {"lo": prev} if prev is not None else _("any base"))
                    return Computed(amount, _("%(base)s × %(pct)s%% (%(span)s)")
                                    % {"base": income, "pct": b.percent.normalize(), "span": span})
                return Computed(money(b.fixed_amount), _("fixed amount"))
            prev = b.upper_bound
        raise RateError(_("The rate table has no line for this base."), "income")
    line = rows[0]
    if line.percent is not None:
        if income is None:
            raise RateError(_("Enter the monthly income after tax."), "income")
        return Computed(money(money(income) * line.percent / HUNDRED), _("%(pct)s%% of the base") % {"pct": line.percent})
    lo, hi = line.min_amount, line.max_amount
    if declared is not None:
        declared = money(declared)
        if (lo is not None and declared < lo) or (hi is not None and declared > hi):
            raise RateError(_("The declared amount must be between %(lo)s and %(hi)s yuan.")
                            % {"lo": lo if lo is not None else line.fixed_amount,
                               "hi": hi if hi is not None else line.fixed_amount}, "declared_amount")
        return Computed(declared, _("declared amount within %(lo)s–%(hi)s yuan") % {"lo": lo, "hi": hi})
    if lo is not None and hi is not None and lo != hi:
        amount = money(farmer_default)
        if amount < lo or amount > hi:
            amount = money(line.fixed_amount)
        return Computed(amount, _("default amount (range %(lo)s–%(hi)s yuan)") % {"lo": lo, "hi": hi})
    return Computed(money(line.fixed_amount), _("fixed amount of %(a)s yuan a month") % {"a": line.fixed_amount})


def table_for(unit, year: int):
    """The RateTable in force on 1 January of ``year`` for ``unit``: its nearest committee's, else the central."""
    from .models import RateTable
    from branches.policy import ancestor_paths

    on = datetime.date(year, 1, 1)
    tables = list(RateTable.objects.filter(effective_from__lte=on)
                  .filter(models_q_unit(ancestor_paths(unit))).select_related("unit")
                  .prefetch_related("brackets"))
    if not tables:
        return None
    tables.sort(key=lambda t: (t.unit.depth if t.unit_id else 0, t.effective_from), reverse=True)
    return tables[0]


def models_q_unit(paths):
    from django.db.models import Q

    return Q(unit__isnull=True) | Q(unit__path__in=paths)


def _central_specs():
    D = Decimal
    employee_2008 = [(D("3000"), D("0.5")), (D("5000"), D("1.0")), (D("10000"), D("1.5")), (None, D("2.0"))]
    retiree_2008 = [(D("5000"), D("0.5")), (None, D("1.0"))]
    employee_old = [(D("400"), D("0.5")), (D("600"), D("1.0")), (D("800"), D("1.5")), (D("1500"), D("2.0")), (None, D("3.0"))]
    retiree_old = [(D("400"), D("0.5")), (None, D("1.0"))]
    return [
        ("党费收缴标准（1998年，各地沿用）", datetime.date(1998, 1, 1), "seed 000: 400/600/800/1500 元档", employee_old,
         retiree_old),
        ("中共中央组织部党费收缴标准（2008年）", datetime.date(2008, 4, 1),
         "关于中国共产党党费收缴、使用和管理的规定（2008）", employee_2008, retiree_2008),
    ]


def install_central_tables(RateTable, RateBracket) -> int:
    """Create the shipped central tables that are missing (migration 0002; tests after a database flush).

    - 2008 central table [Dues2008], in force from 2008-04-01: employees ≤3000 0.5 %, ≤5000 1 %, ≤10000 1.5 %,
      above 2 %; retirees ≤5000 0.5 %, above 1 %; farmers 0.20–1.00 yuan (default 0.20); students, unemployed,
      relief 0.20 yuan.
    - the earlier table seen in seed 000 (400/600/800/1500 yuan at 0.5–3 %), from 1998-01-01 until the 2008 one, so
      that a historic year is charged by the table then in force."""
    created = 0
    for name, day, note, employee, retiree in _central_specs():
        if RateTable.objects.filter(unit__isnull=True, effective_from=day).exists():
            continue
        table = RateTable.objects.create(unit=None, name=name, effective_from=day, note=note)
        for category, lines in (("employee", employee), ("retiree", retiree)):
            for upper, pct in lines:
                RateBracket.objects.create(table=table, category=category, upper_bound=upper, percent=pct)
        RateBracket.objects.create(table=table, category="farmer", fixed_amount=Decimal("0.20"),
                                   min_amount=Decimal("0.20"), max_amount=Decimal("1.00"))
        RateBracket.objects.create(table=table, category="student", fixed_amount=Decimal("0.20"))
        created += 1
    return created
