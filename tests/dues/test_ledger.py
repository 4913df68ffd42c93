"""Charges, payments, reversals: the ledger only grows, and its totals reconcile."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import InternalError

from dues import periods
from dues.choices import EntryKind, EntryOrigin
from dues.models import AppendOnlyError, LedgerEntry, Payment
from dues.selectors import month_grid, person_totals
from dues.services import (dues_base_declare, dues_charge_reverse, dues_charges_generate, dues_payment_record,
                           dues_payment_reverse, dues_policy_set, dues_relief_record)

from .conftest import member_with_base

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 5, 20)
M = periods.month_no


def pay(person, first, last=None, amount=None, **kw):
    kw.setdefault("paid_on", TODAY)
    return dues_payment_record(actor=None, person=person, first_period=first, last_period=last or first,
                               amount=Decimal(amount), today=TODAY, **kw)


def test_charges_are_generated_once_per_member_and_month(paying_member):
    assert dues_charges_generate(today=TODAY) == 5                 # January to May
    assert dues_charges_generate(today=TODAY) == 0
    charges = LedgerEntry.objects.filter(person=paying_member, kind=EntryKind.CHARGE)
    assert sorted(charges.values_list("period", flat=True)) == list(range(M(2026, 1), M(2026, 6)))
    assert {c.amount for c in charges} == {Decimal("40.00")}


def test_charges_start_with_the_month_of_admission(branch_a):
    person = member_with_base(branch_a, admission=datetime.date(2026, 3, 15), status="probationary")
    dues_charges_generate(today=TODAY)
    assert sorted(LedgerEntry.objects.filter(person=person).values_list("period", flat=True)) == [M(2026, 3), M(2026, 4),
                                                                                                  M(2026, 5)]


def test_ledger_rows_refuse_edit_and_delete(paying_member):
    dues_charges_generate(today=TODAY)
    entry = LedgerEntry.objects.filter(person=paying_member).first()
    entry.amount = Decimal("1.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()


def test_the_database_refuses_updates_too(paying_member):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL only")
    dues_charges_generate(today=TODAY)
    entry = LedgerEntry.objects.filter(person=paying_member).first()
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE dues_ledgerentry SET amount = 0 WHERE id = %s", [entry.pk])
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dues_ledgerentry WHERE id = %s", [entry.pk])


def test_payment_spreads_oldest_first_and_shows_in_the_grid(paying_member):
    dues_charges_generate(today=TODAY)
    p = pay(paying_member, M(2026, 3), M(2026, 5), "100.00")
    lines = dict(p.entries.values_list("period", "amount"))
    assert lines == {M(2026, 3): Decimal("40.00"), M(2026, 4): Decimal("40.00"), M(2026, 5): Decimal("20.00")}
    states = [c.state for c in month_grid(paying_member, M(2026, 1), M(2026, 7))]
    assert states == ["unpaid", "unpaid", "paid", "paid", "partly", "not_due", "not_due"]
    assert person_totals(paying_member)["arrears"] == Decimal("100.00")     # 200 charged − 100 paid
    assert p.receipt_no == "C001-B01-2026-00001"


def test_advance_payment(paying_member):
    dues_charges_generate(today=TODAY)
    pay(paying_member, M(2026, 3), M(2026, 8), "240.00")
    assert person_totals(paying_member)["arrears"] == Decimal("-40.00")       # Jan, Feb owed; Jun–Aug paid ahead
    dues_charges_generate(today=datetime.date(2026, 8, 2))
    assert person_totals(paying_member)["arrears"] == Decimal("80.00")
    assert {c.state for c in month_grid(paying_member, M(2026, 3), M(2026, 8))} == {"paid"}


def test_back_payment_beyond_the_limit_needs_consent(paying_member, committee):
    dues_charges_generate(today=TODAY)
    with pytest.raises(ValidationError) as exc:
        pay(paying_member, M(2026, 1), M(2026, 1), "40.00")                   # 4 months late
    assert "back_payment_consent" in exc.value.message_dict
    pay(paying_member, M(2026, 1), M(2026, 1), "40.00", back_payment_consent="党委同意 2026-05-18")
    pay(paying_member, M(2026, 2), M(2026, 2), "40.00")                       # 3 months late: allowed


def test_a_committee_may_allow_six_months(branch_a, committee):
    dues_policy_set(actor=None, unit=committee, key="back_payment_months", value=6,
                    effective_from=datetime.date(2026, 1, 1), note="党委会决定")
    person = member_with_base(branch_a, name="补缴")
    dues_charges_generate(today=TODAY)
    assert pay(person, M(2026, 1), M(2026, 1), "40.00").back_payment_consent == ""


def test_proxy_payment_needs_the_committees_consent(paying_member):
    dues_charges_generate(today=TODAY)
    with pytest.raises(ValidationError) as exc:
        pay(paying_member, M(2026, 5), amount="40.00", paid_by="proxy", proxy_name="王父")
    assert "proxy_consent" in exc.value.message_dict
    p = pay(paying_member, M(2026, 5), amount="40.00", paid_by="proxy", proxy_name="王父", proxy_consent="党委 2026-05-01")
    assert p.proxy_consent


def test_months_already_paid_are_refused(paying_member):
    dues_charges_generate(today=TODAY)
    pay(paying_member, M(2026, 5), amount="40.00")
    with pytest.raises(ValidationError):
        pay(paying_member, M(2026, 5), amount="40.00")


def test_large_payments_are_flagged(branch_a):
    rich = member_with_base(branch_a, name="高收入", income="60000.00")      # 2 % = 1200 a month
    dues_charges_generate(today=TODAY)
    assert pay(rich, M(2026, 5), amount="1200.00").is_large
    other = member_with_base(branch_a, name="普通")
    assert pay(other, None, amount="1500.00", voluntary=True).is_large
    assert not pay(other, None, amount="500.00", voluntary=True).is_large
    assert person_totals(other)["voluntary"] == Decimal("2000.00")
    assert person_totals(other)["paid"] == Decimal("0.00")


def test_a_reversal_adds_lines_instead_of_editing(paying_member):
    dues_charges_generate(today=TODAY)
    p = pay(paying_member, M(2026, 4), M(2026, 5), "80.00")
    before = LedgerEntry.objects.count()
    dues_payment_reverse(actor=None, payment=p, reason="金额录错")
    assert LedgerEntry.objects.count() == before + 2
    assert Payment.objects.filter(pk=p.pk).exists()
    assert person_totals(paying_member)["arrears"] == Decimal("200.00")
    assert set(LedgerEntry.objects.filter(origin=EntryOrigin.REVERSAL).values_list("reverses__payment", flat=True)) == {p.pk}
    with pytest.raises(ValidationError):
        dues_payment_reverse(actor=None, payment=p, reason="again")
    with pytest.raises(ValidationError):
        dues_payment_reverse(actor=None, payment=pay(paying_member, M(2026, 5), amount="40.00"), reason=" ")


def test_a_wrong_charge_is_reversed(paying_member):
    dues_charges_generate(today=TODAY)
    charge = LedgerEntry.objects.filter(person=paying_member, period=M(2026, 1)).get()
    dues_charge_reverse(actor=None, entry=charge, reason="入党前误收")
    assert person_totals(paying_member)["charged"] == Decimal("160.00")
    with pytest.raises(ValidationError):
        dues_charge_reverse(actor=None, entry=charge, reason="again")
    assert dues_charges_generate(today=TODAY) == 0              # not charged again


def test_changing_the_base_adjusts_the_charged_months(paying_member):
    dues_charges_generate(today=TODAY)
    dues_base_declare(actor=None, person=paying_member, year=2026, category="employee", income=Decimal("6000"))
    assert person_totals(paying_member)["charged"] == Decimal("450.00")        # 5 × 90
    assert LedgerEntry.objects.filter(origin=EntryOrigin.ADJUSTMENT).count() == 5


def test_an_exemption_zeroes_the_months(paying_member):
    dues_charges_generate(today=TODAY)
    dues_relief_record(actor=None, person=paying_member, kind="exemption", first_period=M(2026, 4),
                       last_period=M(2026, 12), reason="重病", approved_by="测试党委", approved_on=TODAY)
    assert person_totals(paying_member)["charged"] == Decimal("120.00")
    dues_charges_generate(today=datetime.date(2026, 7, 1))
    assert person_totals(paying_member)["charged"] == Decimal("120.00")
    assert month_grid(paying_member, M(2026, 6), M(2026, 6))[0].state == "relief"


def test_change_records_show_months_and_allocations_readably(paying_member):
    from django.utils import translation

    from branches.models import AuditEntry

    dues_charges_generate(today=TODAY)
    p = pay(paying_member, M(2026, 4), M(2026, 5), "80.00")
    entry = AuditEntry.objects.filter(object_id=str(p.pk), content_type__model="payment").get()
    with translation.override("en"):
        changes = {label: new for label, _old, new in entry.changes}
    assert changes["First month"] == "2026-04" and changes["Last month"] == "2026-05"
    assert changes["Months and amounts"] == "2026-04: 40.00; 2026-05: 40.00"


def test_a_committee_cannot_open_lapse_cases_before_it_warns(committee):
    dues_policy_set(actor=None, unit=committee, key="first_warning_months", value=4,
                    effective_from=datetime.date(2026, 1, 1), note="党委会决定")
    with pytest.raises(ValidationError) as exc:
        dues_policy_set(actor=None, unit=committee, key="lapse_months", value=2,
                        effective_from=datetime.date(2026, 2, 1), note="党委会决定")
    assert "value" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:                  # a reason is required, and one row per date
        dues_policy_set(actor=None, unit=committee, key="first_warning_months", value=5,
                        effective_from=datetime.date(2026, 1, 1), note=" ")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        dues_policy_set(actor=None, unit=committee, key="first_warning_months", value=5,
                        effective_from=datetime.date(2026, 1, 1), note="再次")
    assert "effective_from" in exc.value.message_dict
