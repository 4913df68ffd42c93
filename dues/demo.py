"""Dues demo data for ``seed_demo`` (called after the people exist). Idempotent and deterministic.

- small / tiny: this year's bases for every member on the roll, through ``dues_base_declare``; the charges up to this
  month (the job); payments through ``dues_payment_record``, mostly each quarter in person, a few by proxy, some
  members behind by 1-2, 3-4, 5 and 7+ months; one reversal; then the lapse check (warnings and cases).
- large: the benchmark's population, 10,000 members x 5 years of ledger, built with bulk_create (the same rows the
  services write: bases computed by the rate table, monthly charges, payments with their ledger lines) for speed.

A member whose base for the year already exists is left alone, so running it again creates nothing.
"""
from __future__ import annotations

import datetime
import hashlib
import random
import time
from decimal import Decimal

from django.db import transaction

from members.choices import MEMBER_STATUSES
from members.models import Person

from . import balances, periods
from .choices import EntryKind, EntryOrigin, PaidBy
from .lapse import dues_lapse_check
from .models import ZERO, DuesBase, LedgerEntry, Payment
from .policy import DuesPolicySet
from .rates import CATEGORY_FOR_PERSON, INCOME_CATEGORIES, compute, money, table_for
from .services import (charge_start, dues_base_declare, dues_charges_generate, dues_payment_record,
                       dues_payment_reverse)

HISTORY_YEARS = 5


def _rng(person) -> random.Random:
    return random.Random(int(hashlib.sha1(person.citizen_id.encode()).hexdigest()[:12], 16))


def _income(rng: random.Random, category: str) -> Decimal | None:
    if category == "employee":
        return Decimal(rng.choice([2600, 2980, 3000, 3500, 4200, 4800, 5000, 5600, 6800, 8200, 9500, 10000, 12600,
                                   16800])) + Decimal(rng.randrange(0, 100))
    if category == "retiree":
        return Decimal(rng.choice([2200, 3100, 3900, 4600, 5000, 5400, 6200]))
    return None


def _behind(rng: random.Random) -> int:
    """How many of the last months this member has not paid: most pay, a few are behind."""
    roll = rng.random()
    return 0 if roll < 0.80 else 1 if roll < 0.88 else 3 if roll < 0.93 else 5 if roll < 0.96 else 7


def apply_dues(size: str, *, today: datetime.date | None = None, out=print, actor=None) -> None:
    from django.utils import timezone

    from .models import RateBracket, RateTable
    from .rates import install_central_tables

    today = today or timezone.localdate()
    started = time.monotonic()
    install_central_tables(RateTable, RateBracket)      # shipped by a migration; back after a test-database flush
    if actor is None:
        from django.contrib.auth import get_user_model

        actor = get_user_model().objects.filter(username="admin").first()   # the demo's writes are the admin's
    people = list(Person.objects.filter(status__in=MEMBER_STATUSES, unit__dissolved_on__isnull=True,
                                        unit__code__startswith="DEMO").select_related("unit").order_by("pk"))
    if size == "large":
        _apply_large(people, today, out, actor=actor)
    else:
        _apply_small(people, today, out, actor)
    out(f"Dues: done in {time.monotonic() - started:.1f}s.")


def _apply_small(people, today, out, actor) -> None:
    year = today.year
    done = set(DuesBase.objects.filter(year=year, person__in=people).values_list("person_id", flat=True))
    todo = [p for p in people if p.pk not in done]
    with transaction.atomic():
        for p in todo:
            rng = _rng(p)
            category = CATEGORY_FOR_PERSON.get(p.category, "employee")
            dues_base_declare(actor=actor, person=p, year=year, category=category, income=_income(rng, category),
                              declared_amount=Decimal("0.50") if category == "farmer" and rng.random() < 0.3 else None,
                              voluntary_extra=Decimal("20.00") if rng.random() < 0.03 else ZERO, note="seed_demo")
    out(f"Dues bases {year}: {len(todo)} declared, {len(done)} already there.")
    if not todo:
        return
    created = dues_charges_generate(today=today, person_ids=[p.pk for p in todo])
    current = periods.of_date(today)
    payments = 0
    with transaction.atomic():
        for p in todo:
            rng = _rng(p)
            start = max(periods.month_no(year, 1), charge_start(p) or current)
            last_paid = current - 1 - _behind(rng)          # the current month is usually paid at the end of it
            m = start
            while m <= last_paid:
                end = min(m + 2, last_paid)                  # quarterly, in person, at the end of the quarter
                day = min(periods.first_day(end + 1) - datetime.timedelta(days=rng.randint(1, 8)), today)
                proxy = rng.random() < 0.04
                try:
                    dues_payment_record(
                        actor=actor, person=p, paid_on=day, first_period=m, last_period=end,
                        amount=sum((b.monthly_amount for b in p.dues_bases.filter(year=year)), ZERO) * (end - m + 1),
                        method=rng.choice(["cash", "cash", "wechat", "transfer"]),
                        paid_by=PaidBy.PROXY if proxy else PaidBy.IN_PERSON, proxy_name="家属代缴" if proxy else "",
                        proxy_consent="党委同意（党委会 %s）" % day.isoformat() if proxy else "",
                        back_payment_consent="", today=today)
                    payments += 1
                except Exception:  # noqa: BLE001 - a month the rules refuse (e.g. admitted mid-quarter): skip it
                    pass
                m = end + 1
        # One reversal, as a clerk would make: a payment recorded twice by mistake.
        last = Payment.objects.filter(person__in=todo).order_by("-pk").first()
        if last is not None and not hasattr(last, "reversal"):
            dues_payment_reverse(actor=actor, payment=last, reason="重复录入，冲正")
    result = dues_lapse_check(today, actor=actor)
    out(f"Dues: {created} charges, {payments} payments; lapse check {result}.")


def _apply_large(people, today, out, batch: int = 5000, *, actor=None) -> None:
    first_year = today.year - HISTORY_YEARS + 1
    if DuesBase.objects.filter(year=first_year, person__unit__code__startswith="DEMO").exists():
        out("Dues history: already there.")
        return
    current = periods.of_date(today)
    tables = {}
    policies = {}
    bases, charges, pays, lines = [], [], [], []
    receipt = 0
    rows_written = 0

    def flush():
        nonlocal bases, charges, pays, lines, rows_written
        with transaction.atomic(), balances.deferred():      # one balance rebuild per member, not two
            DuesBase.objects.bulk_create(bases, batch_size=batch)
            LedgerEntry.objects.bulk_create(charges, batch_size=batch)
            created = Payment.objects.bulk_create([p for p, _m in pays], batch_size=batch)
            for pay, months in zip(created, (m for _p, m in pays)):
                for m, amount in months:
                    lines.append(LedgerEntry(person_id=pay.person_id, unit_id=pay.unit_id, period=m,
                                             kind=EntryKind.PAYMENT, origin=EntryOrigin.PAYMENT, amount=amount,
                                             payment=pay))
            LedgerEntry.objects.bulk_create(lines, batch_size=batch)
        rows_written += len(charges) + len(lines)
        bases, charges, pays, lines = [], [], [], []

    for i, p in enumerate(people, start=1):
        rng = _rng(p)
        category = CATEGORY_FOR_PERSON.get(p.category, "employee")
        behind = _behind(rng)
        start = charge_start(p)
        if start is None:
            continue
        unit_key = p.unit_id
        if unit_key not in policies:
            policies[unit_key] = DuesPolicySet(p.unit).get("farmer_default_amount").money
        for year in range(first_year, today.year + 1):
            if year not in tables:
                table = table_for(p.unit, year)
                tables[year] = (table, list(table.brackets.all()))
            table, brackets = tables[year]
            income = _income(rng, category)
            result = compute(brackets, category, income=income, farmer_default=policies[unit_key])
            amount = result.amount
            bases.append(DuesBase(person_id=p.pk, year=year, category=category, income=income,
                                  computed_amount=amount, voluntary_extra=ZERO, monthly_amount=amount, rate_table=table,
                                  rule=result.rule[:200], note="seed_demo large"))
            months = [m for m in periods.year_range(year) if start <= m <= current]
            for m in months:
                charges.append(LedgerEntry(person_id=p.pk, unit_id=p.unit_id, period=m, kind=EntryKind.CHARGE,
                                           origin=EntryOrigin.MONTHLY, amount=amount))
            last_paid = current - 1 - behind
            paid = [m for m in months if m <= last_paid]
            for q in range(0, len(paid), 3):
                chunk = paid[q:q + 3]
                receipt += 1
                day = min(periods.first_day(chunk[-1] + 1) - datetime.timedelta(days=rng.randint(1, 8)), today)
                pays.append((Payment(person_id=p.pk, unit_id=p.unit_id, receipt_no=f"DEMO-L-{receipt:07d}", paid_on=day,
                                     first_period=chunk[0], last_period=chunk[-1], amount=money(amount * len(chunk)) or
                                     Decimal("0.01"), method="cash", paid_by=PaidBy.IN_PERSON,
                                     is_large=amount > Decimal("1000")),
                             [(m, amount) for m in chunk]))
        if len(charges) >= 50_000:
            flush()
            out(f"  dues history {i:>6}/{len(people)} members, {rows_written} ledger lines")
    flush()
    out(f"Dues history: {HISTORY_YEARS} years for {len(people)} members, {rows_written} ledger lines.")
    result = dues_lapse_check(today, actor=actor)
    out(f"Dues lapse check: {result}.")


__all__ = ["apply_dues", "INCOME_CATEGORIES"]
