"""Writes to the dues records. Every write goes through here, is atomic and audited; the ledger only grows.

- ``dues_base_declare``: a member's yearly base; a change after months were charged posts adjustment lines.
- ``dues_charges_generate``: the monthly charges (the job; idempotent per member and month by a unique constraint).
- ``dues_payment_record`` / ``dues_payment_reverse`` / ``dues_charge_reverse``: payments and reversals (冲正).
- ``dues_relief_record``: an approved deferral or hardship exemption.
- ``dues_remittance_record``: what a unit handed upward, checked against what it collected.
- ``lapse_case_advance``: a lapse case's next step.
- ``rate_table_create`` / ``dues_policy_set``: a committee's rate table and rules.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, UnitKind
from branches.models import Unit
from members.choices import MEMBER_STATUSES
from members.models import Person

from . import periods
from .choices import LAPSE_TRANSITIONS, EntryKind, EntryOrigin, LapseStatus, PaidBy, RateCategory, ReliefKind
from .models import (ZERO, DuesBase, DuesPolicy, DuesRelief, LapseCase, LapseCaseEvent, LedgerEntry, Payment,
                     PaymentReversal, RateBracket, RateTable, Remittance)
from .policy import DuesPolicySet
from .rates import RateError, compute, money, money_sum, table_for

MAX_MONTHS_PER_PAYMENT = 24


# ---------------------------------------------------------------------------------------------------------
# Rate tables and policy
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def rate_table_create(*, actor, unit: Unit | None, name: str, effective_from: datetime.date, note: str = "",
                      brackets: list[dict]) -> RateTable:
    """A new version of the rate table (central when ``unit`` is None) with its lines."""
    if unit is not None and unit.kind != UnitKind.COMMITTEE:
        raise ValidationError({"unit": _("Only a committee can set a rate table.")})
    table = RateTable(unit=unit, name=name, effective_from=effective_from, note=note)
    table.full_clean()
    table.save()
    if not brackets:
        raise ValidationError(_("Enter at least one line of the table."))
    for data in brackets:
        bracket = RateBracket(table=table, **data)
        bracket.full_clean()
        bracket.save()
    categories = {b["category"] for b in brackets}
    missing = [label for value, label in RateCategory.choices if value not in categories]
    if missing:
        raise ValidationError(_("The table has no line for: %(c)s.") % {"c": "、".join(str(m) for m in missing)})
    audit_record(actor=actor, action=AuditAction.CREATE, obj=table, after={
        **snapshot(table), "brackets": [{k: str(v) if v is not None else None for k, v in b.items()} for b in brackets]},
        unit=unit)
    return table


def dues_policy_set(*, actor, unit: Unit, key: str, value, effective_from: datetime.date, note: str = "") -> DuesPolicy:
    """A committee's dues rule from ``effective_from`` on: the shared rule writer (``branches.policy.RuleBook.add``:
    a live committee, a known rule, a valid value, a reason, one row per date, warnings before the lapse case)."""
    return DuesPolicySet.add(actor=actor, unit=unit, key=key, value=value, effective_from=effective_from, note=note)


# ---------------------------------------------------------------------------------------------------------
# Bases
# ---------------------------------------------------------------------------------------------------------

def base_compute(*, person: Person, year: int, category: str, income=None, declared_amount=None,
                 policy: DuesPolicySet | None = None, table=None):
    """(table, Computed) for a declaration, or ValidationError naming the field to fix."""
    table = table or table_for(person.unit, year)
    if table is None:
        raise ValidationError(_("No rate table is in force for %(y)s.") % {"y": year})
    policy = policy or DuesPolicySet(person.unit)
    farmer_default = policy.get("farmer_default_amount", datetime.date(year, 1, 1)).money
    try:
        result = compute(list(table.brackets.all()), category, income=income, declared=declared_amount,
                         farmer_default=farmer_default)
    except RateError as exc:
        raise ValidationError({exc.field: str(exc)} if exc.field else str(exc)) from exc
    return table, result


@transaction.atomic
def dues_base_declare(*, actor, person: Person, year: int, category: str, income=None, declared_amount=None,
                      voluntary_extra=ZERO, note: str = "", table=None, policy=None) -> DuesBase:
    """Create or change the member's base for ``year``. Money arrives as Decimal or text, never float."""
    if person.status not in MEMBER_STATUSES:
        raise ValidationError(_("Only probationary and full members pay dues."))
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    income = money(income) if income not in (None, "") else None
    declared_amount = money(declared_amount) if declared_amount not in (None, "") else None
    voluntary_extra = money(voluntary_extra or ZERO)
    if voluntary_extra < 0:
        raise ValidationError({"voluntary_extra": _("The voluntary extra cannot be negative.")})
    table, result = base_compute(person=person, year=year, category=category, income=income,
                                 declared_amount=declared_amount, policy=policy, table=table)
    base = DuesBase.objects.select_for_update().filter(person=person, year=year).first()
    before = snapshot(base) if base else None
    if base is None:
        base = DuesBase(person=person, year=year)
    base.category, base.income, base.declared_amount = category, income, declared_amount
    base.computed_amount, base.voluntary_extra = result.amount, voluntary_extra
    base.monthly_amount = result.amount + voluntary_extra
    base.rate_table, base.rule, base.note = table, result.rule[:200], note
    base.full_clean(validate_unique=False)
    base.save()
    audit_record(actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE, obj=base,
                 before=before, after=snapshot(base))
    if before is not None:
        _adjust_charged_months(actor=actor, person=person, months=periods.year_range(year),
                               target=lambda m: base.monthly_amount,
                               reason=_("Base for %(y)s changed to %(a)s a month") % {"y": year, "a": base.monthly_amount})
    return base


def _relief_months(person_ids, kinds=(ReliefKind.EXEMPTION,)) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for r in DuesRelief.objects.filter(person_id__in=person_ids, kind__in=kinds).values_list(
            "person_id", "first_period", "last_period"):
        out[r[0]].update(range(r[1], r[2] + 1))
    return out


def _adjust_charged_months(*, actor, person: Person, months, target, reason: str) -> int:
    """Post ADJUSTMENT charges so that each charged month (with its monthly charge not reversed) totals
    ``target(month)``. Returns how many lines were posted."""
    months = list(months)
    charged = set(LedgerEntry.objects.filter(person=person, period__in=months, origin=EntryOrigin.MONTHLY,
                                             reversed_by__isnull=True).values_list("period", flat=True))
    if not charged:
        return 0
    sums = dict(LedgerEntry.objects.filter(person=person, period__in=charged, kind=EntryKind.CHARGE)
                .values("period").annotate(s=Sum("amount")).values_list("period", "s"))
    exempt = _relief_months([person.pk]).get(person.pk, set())
    rows = []
    for m in sorted(charged):
        wanted = ZERO if m in exempt else money(target(m))
        delta = wanted - (sums.get(m) or ZERO)
        if delta:
            rows.append(LedgerEntry(person=person, unit=person.unit, period=m, kind=EntryKind.CHARGE,
                                    origin=EntryOrigin.ADJUSTMENT, amount=delta, reason=reason[:300], created_by=actor))
    for row in rows:
        row.full_clean(validate_constraints=False)
    LedgerEntry.objects.bulk_create(rows)
    if rows:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=person, unit=person.unit,
                     note=_("%(n)d dues adjustment line(s): %(r)s") % {"n": len(rows), "r": reason})
    return len(rows)


# ---------------------------------------------------------------------------------------------------------
# Monthly charges (the job)
# ---------------------------------------------------------------------------------------------------------

def charge_start(person) -> int | None:
    """The first month a member owes dues: the month of the branch meeting that admitted them."""
    return periods.of_date(person.admission_date) if person.admission_date else None


def dues_charges_generate(*, today: datetime.date | None = None, person_ids=None) -> int:
    """Create the missing monthly charges of the current year (and of last year in January) up to this month,
    for every member with a base for that year. Idempotent per member and month (unique constraint, inserts that
    conflict are skipped), safe to run concurrently. A fixed number of queries. Returns how many were created."""
    today = today or timezone.localdate()
    current = periods.of_date(today)
    years = sorted({today.year, periods.year_of(current - 1)})
    bases = (DuesBase.objects.filter(year__in=years, person__status__in=MEMBER_STATUSES,
                                     person__unit__dissolved_on__isnull=True)
             .select_related("person").only("person_id", "year", "monthly_amount", "person__admission_date",
                                            "person__unit_id", "person__status"))
    if person_ids is not None:
        bases = bases.filter(person_id__in=list(person_ids))
    bases = list(bases)
    if not bases:
        return 0
    pids = {b.person_id for b in bases}
    months = [m for y in years for m in periods.year_range(y) if m <= current]
    existing = set(LedgerEntry.objects.filter(person_id__in=pids, origin=EntryOrigin.MONTHLY, period__in=months)
                   .values_list("person_id", "period"))
    exempt = _relief_months(pids)
    rows = []
    for base in bases:
        start = charge_start(base.person)
        if start is None:
            continue
        for m in periods.year_range(base.year):
            if m > current or m < start or (base.person_id, m) in existing:
                continue
            amount = ZERO if m in exempt.get(base.person_id, ()) else base.monthly_amount
            rows.append(LedgerEntry(person_id=base.person_id, unit_id=base.person.unit_id, period=m,
                                    kind=EntryKind.CHARGE, origin=EntryOrigin.MONTHLY, amount=amount))
    created = LedgerEntry.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(created)


# ---------------------------------------------------------------------------------------------------------
# Payments and reversals
# ---------------------------------------------------------------------------------------------------------

def month_dues(person: Person, months: list[int]) -> dict[int, Decimal]:
    """What is still open for each month: charged minus paid for charged months, else the base's monthly
    amount (an advance payment). Three queries."""
    charged, paid = {}, {}
    for period, kind, total in (LedgerEntry.objects.filter(person=person, period__in=months,
                                                           kind__in=[EntryKind.CHARGE, EntryKind.PAYMENT])
                                .values("period", "kind").annotate(s=Sum("amount")).values_list("period", "kind", "s")):
        (charged if kind == EntryKind.CHARGE else paid)[period] = money_sum(total)
    bases = dict(DuesBase.objects.filter(person=person).order_by("-year").values_list("year", "monthly_amount"))
    latest = next(iter(bases.values()), ZERO)          # the newest base, for a year without one
    exempt = _relief_months([person.pk]).get(person.pk, set())
    out = {}
    for m in months:
        if m in charged:
            due = charged[m] - paid.get(m, ZERO)
        elif m in exempt:
            due = ZERO
        else:
            due = bases.get(periods.year_of(m), latest) - paid.get(m, ZERO)
        out[m] = max(due, ZERO)
    return out


def _next_receipt_no(unit: Unit, year: int) -> str:
    # Serialise numbering per unit. NO KEY UPDATE: it does not block (nor wait for) the key-share locks that other
    # transactions take when they insert rows pointing at the unit, such as ledger lines.
    Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).first()
    prefix = f"{unit.code}-{year}-"
    last = (Payment.objects.filter(receipt_no__startswith=prefix).order_by("-receipt_no")
            .values_list("receipt_no", flat=True).first())
    n = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{n:05d}"


@transaction.atomic
def dues_payment_record(*, actor, person: Person, paid_on: datetime.date, amount, first_period: int | None = None,
                        last_period: int | None = None, method: str = "cash", paid_by: str = PaidBy.IN_PERSON,
                        proxy_name: str = "", proxy_consent: str = "", back_payment_consent: str = "",
                        voluntary: bool = False, note: str = "", today: datetime.date | None = None) -> Payment:
    """Record a payment and spread it over the months it covers, oldest first; what is left after the months'
    dues goes to the last month (paid ahead). Refuses, with what to fix: a proxy without the committee's consent,
    a back payment beyond the policy limit without consent, months already paid, a date in the future."""
    today = today or timezone.localdate()
    amount = money(amount)
    errors: dict[str, list] = defaultdict(list)
    if person.status not in MEMBER_STATUSES:
        errors["person"].append(_("%(n)s is not a probationary or full member.") % {"n": person.name})
    if amount <= 0:
        errors["amount"].append(_("Enter an amount above zero."))
    if paid_on > today:
        errors["paid_on"].append(_("The payment date cannot be in the future."))
    if paid_by == PaidBy.PROXY:
        if not proxy_name.strip():
            errors["proxy_name"].append(_("Enter who paid on the member's behalf."))
        if not proxy_consent.strip():
            errors["proxy_consent"].append(
                _("Payment by another person needs the committee's consent: enter its reference (date, document)."))
    policy = DuesPolicySet(person.unit)
    threshold = policy.get("large_payment_threshold", paid_on)
    if voluntary:
        first_period = last_period = periods.of_date(paid_on)
    else:
        if first_period is None or last_period is None:
            errors["first_period"].append(_("Enter the months the payment covers."))
        elif last_period < first_period:
            errors["last_period"].append(_("The last month is before the first."))
        elif last_period - first_period + 1 > MAX_MONTHS_PER_PAYMENT:
            errors["last_period"].append(_("One payment covers at most %(n)d months.") % {"n": MAX_MONTHS_PER_PAYMENT})
        else:
            start = charge_start(person)
            if start is not None and first_period < start:
                errors["first_period"].append(_("%(n)s owes dues from %(m)s (the month of admission).")
                                              % {"n": person.name, "m": periods.label(start)})
            limit = policy.get("back_payment_months", paid_on)
            late = periods.of_date(paid_on) - first_period
            if late > limit.months and not back_payment_consent.strip():
                errors["back_payment_consent"].append(
                    _("%(m)s is %(late)d months late; back payment beyond %(n)d months needs the committee's consent "
                      "(%(src)s): enter its reference.") % {"m": periods.label(first_period), "late": late,
                                                            "n": limit.months, "src": limit.source})
    if errors:
        raise ValidationError(dict(errors))
    months = list(range(first_period, last_period + 1))
    allocation: dict[int, Decimal] = {}
    is_large = False
    if voluntary:
        is_large = amount > threshold.money
    else:
        dues = month_dues(person, months)
        if sum(dues.values(), ZERO) == 0:
            raise ValidationError({"first_period": _("Nothing is due for these months: they are paid already.")})
        left = amount
        for m in months:
            part = min(left, dues[m])
            if part > 0:
                allocation[m] = part
                left -= part
        if left > 0:
            allocation[months[-1]] = allocation.get(months[-1], ZERO) + left
        base = DuesBase.objects.filter(person=person, year=periods.year_of(last_period)).first()
        is_large = bool(base and base.monthly_amount > threshold.money)
    payment = Payment(person=person, unit=person.unit, receipt_no=_next_receipt_no(person.unit, paid_on.year),
                      paid_on=paid_on, first_period=first_period, last_period=last_period, amount=amount,
                      method=method, paid_by=paid_by, proxy_name=proxy_name.strip() if paid_by == PaidBy.PROXY else "",
                      proxy_consent=proxy_consent.strip() if paid_by == PaidBy.PROXY else "",
                      back_payment_consent=back_payment_consent.strip(), voluntary=voluntary, is_large=is_large,
                      note=note, created_by=actor if getattr(actor, "pk", None) else None)
    payment.full_clean()
    payment.save()
    if voluntary:
        entries = [LedgerEntry(person=person, unit=person.unit, period=first_period, kind=EntryKind.VOLUNTARY,
                               origin=EntryOrigin.PAYMENT, amount=amount, payment=payment, created_by=payment.created_by)]
    else:
        entries = [LedgerEntry(person=person, unit=person.unit, period=m, kind=EntryKind.PAYMENT,
                               origin=EntryOrigin.PAYMENT, amount=a, payment=payment, created_by=payment.created_by)
                   for m, a in sorted(allocation.items())]
    LedgerEntry.objects.bulk_create(entries)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=payment, after={
        **snapshot(payment), "allocation": {periods.label(m): str(a) for m, a in allocation.items()}})
    return payment


@transaction.atomic
def dues_payment_reverse(*, actor, payment: Payment, reason: str) -> PaymentReversal:
    """Reverse (冲正) a whole payment: a reversal row and one negative line per line of the payment."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the payment is reversed.")})
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise ValidationError(_("Receipt %(r)s has been reversed already.") % {"r": payment.receipt_no})
    reversal = PaymentReversal(payment=payment, reason=reason, created_by=actor if getattr(actor, "pk", None) else None)
    reversal.full_clean()
    reversal.save()
    lines = list(payment.entries.filter(reverses__isnull=True))
    LedgerEntry.objects.bulk_create([
        LedgerEntry(person_id=e.person_id, unit_id=e.unit_id, period=e.period, kind=e.kind,
                    origin=EntryOrigin.REVERSAL, amount=-e.amount, payment=payment, reverses=e, reason=reason,
                    created_by=reversal.created_by) for e in lines])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=reversal, after=snapshot(reversal),
                 unit=payment.person.unit, note=reason)
    return reversal


@transaction.atomic
def dues_charge_reverse(*, actor, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Reverse one wrong charge line (e.g. charged before admission): a negative line pointing at it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the charge is reversed.")})
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.kind != EntryKind.CHARGE or entry.origin == EntryOrigin.REVERSAL:
        raise ValidationError(_("Only a charge can be reversed here; reverse a payment from its receipt."))
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This charge has been reversed already."))
    line = LedgerEntry(person_id=entry.person_id, unit_id=entry.unit_id, period=entry.period, kind=entry.kind,
                       origin=EntryOrigin.REVERSAL, amount=-entry.amount, reverses=entry, reason=reason,
                       created_by=actor if getattr(actor, "pk", None) else None)
    line.full_clean(validate_constraints=False)
    line.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=line, after=snapshot(line), unit=entry.unit, note=reason)
    return line


# ---------------------------------------------------------------------------------------------------------
# Reliefs, remittances, lapse cases
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def dues_relief_record(*, actor, person: Person, kind: str, first_period: int, last_period: int, reason: str,
                       approved_by: str, approved_on: datetime.date, document: str = "") -> DuesRelief:
    relief = DuesRelief(person=person, kind=kind, first_period=first_period, last_period=last_period,
                        reason=reason, approved_by=approved_by, approved_on=approved_on, document=document,
                        created_by=actor if getattr(actor, "pk", None) else None)
    relief.full_clean()
    if last_period - first_period >= 36:
        raise ValidationError({"last_period": _("A deferral or exemption covers at most 36 months.")})
    relief.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=relief, after=snapshot(relief))
    if kind == ReliefKind.EXEMPTION:
        _adjust_charged_months(actor=actor, person=person, months=range(first_period, last_period + 1),
                               target=lambda m: ZERO, reason=_("Exempt: %(r)s") % {"r": reason})
    return relief


def collected_in_month(unit: Unit, period: int) -> Decimal:
    """Money received in the month (by payment date) from members of ``unit``'s subtree, reversals netted."""
    first = periods.first_day(period)
    nxt = periods.first_day(period + 1)
    total = (LedgerEntry.objects.filter(unit__path__startswith=unit.path, kind__in=[EntryKind.PAYMENT, EntryKind.VOLUNTARY],
                                        payment__paid_on__gte=first, payment__paid_on__lt=nxt)
             .aggregate(s=Sum("amount"))["s"])
    return money_sum(total)


@transaction.atomic
def dues_remittance_record(*, actor, unit: Unit, period: int, amount, remitted_on: datetime.date, document: str = "",
                           note: str = "", today: datetime.date | None = None) -> Remittance:
    today = today or timezone.localdate()
    amount = money(amount)
    if remitted_on > today:
        raise ValidationError({"remitted_on": _("The date cannot be in the future.")})
    if Remittance.objects.filter(unit=unit, period=period).exists():
        raise ValidationError({"period": _("The remittance of %(u)s for %(m)s is recorded already.")
                               % {"u": unit, "m": periods.label(period)}})
    collected = collected_in_month(unit, period)
    if amount != collected and not note.strip():
        raise ValidationError({"note": _("%(a)s differs from the %(c)s collected in %(m)s: explain the difference in "
                                         "the note.") % {"a": amount, "c": collected, "m": periods.label(period)}})
    parent = Unit.objects.get_parent(unit)
    remittance = Remittance(unit=unit, to_unit=parent, period=period, amount=amount, collected=collected,
                            remitted_on=remitted_on, document=document, note=note,
                            created_by=actor if getattr(actor, "pk", None) else None)
    remittance.full_clean()
    remittance.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=remittance, after=snapshot(remittance))
    return remittance


@transaction.atomic
def lapse_case_advance(*, actor, case: LapseCase, to_status: str, date: datetime.date, note: str = "",
                       document: str = "") -> LapseCase:
    """Move a lapse case one step (education talk → branch meeting decision → higher approval, or close it)."""
    case = LapseCase.objects.select_for_update().get(pk=case.pk)
    allowed = LAPSE_TRANSITIONS.get(case.status, ())
    if to_status not in allowed:
        raise ValidationError(_("A case that is “%(f)s” cannot move to “%(t)s”.")
                              % {"f": case.get_status_display(), "t": LapseStatus(to_status).label
                                 if to_status in LapseStatus.values else to_status})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    if to_status in (LapseStatus.BRANCH_DECIDED, LapseStatus.APPROVED) and not document.strip():
        raise ValidationError({"document": _("Enter the meeting record or decision document.")})
    if to_status == LapseStatus.CLOSED and not note.strip():
        raise ValidationError({"note": _("Say why the case is closed.")})
    before = snapshot(case)
    LapseCaseEvent.objects.create(case=case, from_status=case.status, to_status=to_status, date=date, note=note,
                                  document=document, actor=actor if getattr(actor, "pk", None) else None)
    case.status = to_status
    case.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditAction.STATUS, obj=case, before=before, after=snapshot(case), note=note)
    return case
