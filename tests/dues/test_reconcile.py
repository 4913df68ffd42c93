"""Reconciliation as a property: over random ledgers (charges, payments, reversals, base changes), charges minus
payments equals arrears for every member, every unit and every period, however the sums are grouped; and the
running balances the pages read (dues.balances) agree with the ledger lines, month by month."""
import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dues import balances, periods
from dues.choices import EntryKind
from dues.models import ZERO, LedgerEntry, Payment
from dues.selectors import arrears_list, month_sheet, person_totals, sheet_totals
from dues.services import dues_charges_generate, dues_payment_record, dues_payment_reverse

from .conftest import member_with_base

M = periods.month_no


def fen(value) -> Decimal:
    """A database sum to fen (SQLite sums decimals in floating point; PostgreSQL exactly)."""
    return (value or ZERO).quantize(Decimal("0.01"))
TODAY = datetime.date(2026, 12, 20)

incomes = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("30000.00"), places=2)
action = st.tuples(st.integers(0, 2), st.integers(M(2026, 1), M(2026, 12)), st.integers(0, 3),
                   st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900.00"), places=2), st.booleans())


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(income_list=st.lists(incomes, min_size=1, max_size=3), actions=st.lists(action, max_size=12))
def test_totals_reconcile(branch_a, branch_b, committee, income_list, actions):
    from django.db import transaction

    sid = transaction.savepoint()
    try:
        people = [member_with_base(branch_a if i % 2 == 0 else branch_b, name=f"党员{i}", income=str(inc))
                  for i, inc in enumerate(income_list)]
        dues_charges_generate(today=TODAY)
        for who, first, span, amount, reverse in actions:
            person = people[who % len(people)]
            try:
                p = dues_payment_record(actor=None, person=person, paid_on=TODAY, first_period=first,
                                        last_period=min(first + span, M(2027, 3)), amount=amount,
                                        back_payment_consent="同意", today=TODAY)
            except Exception:  # noqa: BLE001 - nothing due for these months: refused, ledger unchanged
                continue
            if reverse:
                dues_payment_reverse(actor=None, payment=p, reason="测试冲正")
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create(username="recon", is_superuser=True, is_active=True)
        lines = LedgerEntry.objects.all()
        charged = fen(lines.filter(kind=EntryKind.CHARGE).aggregate(s=Sum("amount"))["s"])
        paid = fen(lines.filter(kind=EntryKind.PAYMENT).aggregate(s=Sum("amount"))["s"])
        per_member = sum((person_totals(p)["arrears"] for p in people), ZERO)
        assert per_member == charged - paid
        # the balance rows are the ledger's sums, month by month, with running totals
        assert balances.mismatches(limit=0) == []
        # every unit: the members' arrears add up to the unit's, and the units to the committee's
        for upto in (M(2025, 12), M(2026, 6), M(2026, 12), M(2027, 3)):
            to_date = lines.filter(period__lte=upto)
            assert sheet_totals(admin, committee, upto).arrears == (
                fen(to_date.filter(kind=EntryKind.CHARGE).aggregate(s=Sum("amount"))["s"])
                - fen(to_date.filter(kind=EntryKind.PAYMENT).aggregate(s=Sum("amount"))["s"]))
            unit_arrears = {}
            for unit in (branch_a, branch_b, committee):
                t = sheet_totals(admin, unit, upto)
                rows = list(month_sheet(admin, unit, upto))
                assert sum((r.charged_to - r.paid_to for r in rows), ZERO) == t.arrears
                assert sum((r.charged for r in rows), ZERO) - sum((r.paid for r in rows), ZERO) == t.outstanding
                listed = sum((p.arrears for p in arrears_list(admin, unit, upto)), ZERO)
                assert listed == sum((max(r.charged_to - r.paid_to, ZERO) for r in rows), ZERO)
                unit_arrears[unit.pk] = t.arrears
            assert unit_arrears[branch_a.pk] + unit_arrears[branch_b.pk] == unit_arrears[committee.pk]
        # every period: the months' (charged − paid) add up to the total
        by_month = sum(((sheet_totals(admin, committee, m).outstanding) for m in range(M(2026, 1), M(2027, 4))), ZERO)
        assert by_month == charged - paid
        # a payment's lines add up to it; a reversed payment's lines to zero
        for p in Payment.objects.all():
            total = fen(p.entries.aggregate(s=Sum("amount"))["s"])
            assert total == (ZERO if hasattr(p, "reversal") else p.amount)
    finally:
        transaction.savepoint_rollback(sid)
