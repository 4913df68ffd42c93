"""Running balances (dues.balances): every ledger write keeps them equal to the ledger, whatever month it touches;
the pages read arrears up to any month from them; they can be checked and rebuilt from the ledger."""
import datetime
import importlib
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from dues import balances, periods
from dues.choices import EntryKind
from dues.models import ZERO, LedgerEntry, MonthBalance
from dues.selectors import arrears_list, month_sheet, sheet_totals
from dues.services import (dues_base_declare, dues_charge_reverse, dues_charges_generate, dues_payment_record,
                           dues_payment_reverse, dues_relief_record)

from ..factories import UserFactory
from .conftest import member_with_base

M = periods.month_no
TODAY = datetime.date(2026, 5, 20)


def ledger_arrears(person, upto):
    lines = LedgerEntry.objects.filter(person=person, period__lte=upto)
    return ((lines.filter(kind=EntryKind.CHARGE).aggregate(s=Sum("amount"))["s"] or ZERO)
            - (lines.filter(kind=EntryKind.PAYMENT).aggregate(s=Sum("amount"))["s"] or ZERO))


def pay(person, first, last=None, amount="40.00", **kw):
    return dues_payment_record(actor=None, person=person, paid_on=kw.pop("paid_on", TODAY), first_period=first,
                               last_period=last or first, amount=Decimal(amount), back_payment_consent="党委同意",
                               today=TODAY, **kw)


@pytest.fixture
def admin(db):
    return UserFactory(username="balances_admin", is_superuser=True)


@pytest.mark.django_db
def test_every_kind_of_write_keeps_the_balances_equal_to_the_ledger(branch_a):
    person = member_with_base(branch_a, year=[2025, 2026])          # 40.00 a month
    dues_charges_generate(today=datetime.date(2026, 1, 10))         # all of 2025 and January 2026
    dues_charges_generate(today=TODAY)
    assert MonthBalance.objects.filter(person=person).count() == 17
    assert balances.mismatches() == []
    p = pay(person, M(2025, 3), M(2025, 5), "120.00")                # an old month: every later total moves
    assert balances.mismatches() == []
    dues_payment_reverse(actor=None, payment=p, reason="录错")
    assert balances.mismatches() == []
    dues_charge_reverse(actor=None, entry=LedgerEntry.objects.get(person=person, period=M(2025, 1)), reason="误收")
    dues_base_declare(actor=None, person=person, year=2026, category="employee", income=Decimal("6000"))
    dues_relief_record(actor=None, person=person, kind="exemption", first_period=M(2026, 3), last_period=M(2026, 4),
                       reason="重病", approved_by="党委", approved_on=TODAY)
    pay(person, M(2026, 8), amount="90.00")                         # in advance: a month with no charge yet
    pay(person, M(2026, 1), amount="500.00", voluntary=True)
    assert balances.mismatches() == []
    for upto in range(M(2024, 12), M(2026, 10)):
        assert sheet_arrears(person, upto) == ledger_arrears(person, upto), periods.label(upto)
    assert MonthBalance.objects.get(person=person, period=M(2026, 5)).voluntary == Decimal("500.00")   # paid in May


def sheet_arrears(person, upto):
    """The collection sheet's "arrears to date" of the member for month ``upto``."""
    admin = UserFactory(username=f"a{upto}", is_superuser=True)
    rows = [r for r in month_sheet(admin, person.unit, upto) if r.pk == person.pk]
    return rows[0].charged_to - rows[0].paid_to


@pytest.mark.django_db
def test_the_row_in_force_is_the_latest_month_at_or_before(branch_a, admin):
    person = member_with_base(branch_a, admission=datetime.date(2026, 3, 1), status="probationary")
    dues_charges_generate(today=TODAY)                              # March–May
    assert list(MonthBalance.objects.filter(person=person).values_list("period", "until")) == [
        (M(2026, 3), M(2026, 4)), (M(2026, 4), M(2026, 5)), (M(2026, 5), balances.OPEN)]
    assert not [p for p in arrears_list(admin, branch_a, M(2026, 2)) if p.pk == person.pk]     # nothing before
    assert [p.arrears for p in arrears_list(admin, branch_a, M(2026, 4)) if p.pk == person.pk] == [Decimal("80.00")]
    assert [p.arrears for p in arrears_list(admin, branch_a, M(2030, 1)) if p.pk == person.pk] == [Decimal("120.00")]
    pay(person, M(2026, 3), M(2026, 5), "120.00")
    assert not [p for p in arrears_list(admin, branch_a, M(2026, 5)) if p.pk == person.pk]
    t = sheet_totals(admin, branch_a, M(2026, 6))                   # no line in June: May's totals are in force
    assert (t.charged, t.charged_to, t.arrears) == (ZERO, Decimal("120.00"), ZERO)


@pytest.mark.django_db
def test_deferred_refreshes_each_member_once_at_the_end(branch_a):
    person = member_with_base(branch_a)
    with balances.deferred():
        dues_charges_generate(today=TODAY)
        pay(person, M(2026, 1))
        assert not MonthBalance.objects.filter(person=person).exists()     # not yet
    assert MonthBalance.objects.filter(person=person).count() == 5
    assert balances.mismatches() == []


@pytest.mark.django_db
def test_the_command_finds_drift_and_rebuilds_from_the_ledger(branch_a, capsys):
    person = member_with_base(branch_a)
    dues_charges_generate(today=TODAY)
    call_command("dues_balances", "--check")
    assert "agree" in capsys.readouterr().out
    MonthBalance.objects.filter(person=person, period=M(2026, 2)).update(paid_to=Decimal("999.00"))
    MonthBalance.objects.filter(person=person, period=M(2026, 5)).delete()
    stray = member_with_base(branch_a, name="李强")                 # rows without any ledger line
    MonthBalance.objects.create(person=stray, period=M(2026, 1), until=balances.OPEN, charged=ZERO, paid=ZERO,
                                voluntary=ZERO, charged_to=Decimal("40.00"), paid_to=ZERO)
    with pytest.raises(CommandError, match="4 balance row"):
        call_command("dues_balances", "--check")
    call_command("dues_balances", "--rebuild")
    assert "5 balance row(s) rebuilt" in capsys.readouterr().out
    call_command("dues_balances", "--check")
    assert balances.mismatches() == [] and not MonthBalance.objects.filter(person=stray).exists()


@pytest.mark.django_db
def test_the_migration_builds_the_balances_of_an_existing_ledger(branch_a, branch_b):
    people = [member_with_base(branch_a), member_with_base(branch_b, name="李强", income="12000")]
    dues_charges_generate(today=TODAY)
    pay(people[0], M(2026, 1), M(2026, 2), "80.00")
    MonthBalance.objects.all().delete()
    migration = importlib.import_module("dues.migrations.0004_month_balances")
    migration.build_balances(apps, None)
    assert MonthBalance.objects.count() == 10
    assert balances.mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_for_one_member_leave_true_balances(branch_a):
    """Charge reversals (no other lock serialises them), payments and the charge job write one member's ledger at
    the same moment: each writer's balance rebuild waits for the others, none fails, the balances are true."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database")
    person = member_with_base(branch_a, year=[2025, 2026])
    dues_charges_generate(today=datetime.date(2026, 1, 10))
    charges = {e.period: e for e in LedgerEntry.objects.filter(person=person, kind=EntryKind.CHARGE)}
    jobs = [("reverse", M(2025, m)) for m in range(1, 11)] + [("pay", M(2025, 11)), ("pay", M(2025, 12)),
                                                               ("generate", None), ("generate", None)]
    start, errors = threading.Barrier(len(jobs)), []

    def work(kind, month):
        try:
            start.wait()
            if kind == "reverse":
                dues_charge_reverse(actor=None, entry=charges[month], reason="并发冲正")
            elif kind == "pay":
                pay(person, month)
            else:
                dues_charges_generate(today=TODAY)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert balances.mismatches() == []
    assert ledger_arrears(person, M(2026, 5)) == Decimal("200.00")     # 2025 reversed or paid; 2026 to May open
    admin = UserFactory(username="concurrent_admin", is_superuser=True)
    assert [p.arrears for p in arrears_list(admin, branch_a, M(2026, 5))] == [Decimal("200.00")]
