"""Rate table boundaries, category rules, Decimal rounding, versioned tables."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dues.models import RateTable
from dues.rates import RateError, compute, money, table_for
from dues.services import dues_base_declare, rate_table_create

from ..factories import make_person

pytestmark = pytest.mark.django_db


def central(year=2026):
    table = RateTable.objects.get(unit__isnull=True, effective_from=datetime.date(2008, 4, 1))
    return list(table.brackets.all())


@pytest.mark.parametrize("income,expected", [
    ("0.00", "0.00"), ("2999.99", "15.00"), ("3000.00", "15.00"), ("3000.01", "30.00"), ("4999.99", "50.00"),
    ("5000.00", "50.00"), ("5000.01", "75.00"), ("10000.00", "150.00"), ("10000.01", "200.00"), ("20000", "400.00"),
])
def test_employee_brackets_are_inclusive_at_the_top(income, expected):
    assert compute(central(), "employee", income=Decimal(income)).amount == Decimal(expected)


@pytest.mark.parametrize("income,expected", [("5000.00", "25.00"), ("5000.01", "50.00"), ("3000", "15.00")])
def test_retiree_brackets(income, expected):
    assert compute(central(), "retiree", income=Decimal(income)).amount == Decimal(expected)


def test_round_half_up_to_fen():
    # 2999.00 × 0.5 % = 14.995 → 15.00 (half up, not banker's 14.99 … 15.00 either way), 1234.50 × 0.5 % = 6.1725 → 6.17
    assert compute(central(), "employee", income=Decimal("2999.00")).amount == Decimal("15.00")
    assert compute(central(), "employee", income=Decimal("1234.50")).amount == Decimal("6.17")
    assert compute(central(), "employee", income=Decimal("1233.00")).amount == Decimal("6.17")  # 6.165 → 6.17
    assert money("0.125") == Decimal("0.13")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


def test_farmers_students_and_the_range():
    assert compute(central(), "farmer").amount == Decimal("0.20")
    assert compute(central(), "farmer", declared=Decimal("0.50")).amount == Decimal("0.50")
    with pytest.raises(RateError):
        compute(central(), "farmer", declared=Decimal("1.50"))
    assert compute(central(), "student").amount == Decimal("0.20")
    with pytest.raises(RateError):
        compute(central(), "employee")           # an employee needs an income


def test_a_historic_year_is_charged_by_the_table_then_in_force(branch_a):
    person = make_person(branch_a, name="老赵", admission_date=datetime.date(1990, 7, 1))
    old = dues_base_declare(actor=None, person=person, year=2005, category="employee", income=Decimal("1000"))
    new = dues_base_declare(actor=None, person=person, year=2026, category="employee", income=Decimal("1000"))
    assert old.monthly_amount == Decimal("20.00")        # 800 < 1000 ≤ 1500: 2 % (seed 000 table)
    assert new.monthly_amount == Decimal("5.00")         # ≤ 3000: 0.5 % (2008 table)
    assert old.rate_table.effective_from.year == 1998 and new.rate_table.effective_from.year == 2008


def test_a_committee_table_overrides_the_central_one_from_its_date(committee, branch_a):
    brackets = [{"category": "employee", "upper_bound": None, "percent": Decimal("1.00")},
                {"category": "retiree", "upper_bound": None, "percent": Decimal("0.50")},
                {"category": "farmer", "fixed_amount": Decimal("0.50")},
                {"category": "student", "fixed_amount": Decimal("0.20")}]
    rate_table_create(actor=None, unit=committee, name="本委", effective_from=datetime.date(2027, 1, 1), brackets=brackets)
    assert table_for(branch_a, 2026).unit is None
    assert table_for(branch_a, 2027).unit == committee


def test_a_table_without_every_category_is_refused(committee):
    with pytest.raises(ValidationError):
        rate_table_create(actor=None, unit=committee, name="残缺", effective_from=datetime.date(2027, 1, 1),
                          brackets=[{"category": "employee", "percent": Decimal("1.00")}])
    assert not RateTable.objects.filter(unit=committee).exists()


def test_voluntary_extra_adds_to_the_monthly_amount(branch_a):
    person = make_person(branch_a, name="钱多")
    base = dues_base_declare(actor=None, person=person, year=2026, category="employee", income=Decimal("4000"),
                             voluntary_extra=Decimal("10.00"))
    assert (base.computed_amount, base.monthly_amount) == (Decimal("40.00"), Decimal("50.00"))
