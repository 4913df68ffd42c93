"""Running balances: one derived row per member and month that has ledger lines, kept beside the append-only ledger.

Why: "arrears up to month M" for a whole committee is Σ charges − Σ payments over every line of every member's
history (5 years × 12 months × 10,000 members is close to a million lines). With the balance rows it is one row per
member: the row *in force* at M, the member's latest month at or before M, which carries the running totals.

A row ``(person, period)`` holds the month's charged, paid and voluntary sums and the running totals
``charged_to`` / ``paid_to`` up to and including the month. ``until`` is the member's next row's month (``OPEN`` for
the latest), so the row in force at M is a plain condition, ``period <= M < until``, that joins like any other
(``in_force(M)``), with no "latest row per member" subquery.

How they stay true: they are never written by hand. Every ledger write goes through ``LedgerEntry.save()`` or
``LedgerEntry.objects.bulk_create()``, and both call ``refresh()`` with each member's earliest month written. It
locks those members' rows (concurrent writers for one member queue up), deletes their balance rows from that month
on and rebuilds them from the ledger, in the writer's transaction. The ledger stays the record: the balance rows
can be rebuilt from it at any time (``manage.py dues_balances --rebuild``) and checked against it
(``manage.py dues_balances --check``, ``mismatches()``).
"""
from __future__ import annotations

import contextvars
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from .choices import EntryKind
from .rates import money_sum

OPEN = 2**31 - 1          # ``until`` of a member's latest row
CHUNK = 1000              # members per statement (SQLite's variable limit, memory)
ZERO = Decimal("0.00")

_deferred: contextvars.ContextVar[dict | None] = contextvars.ContextVar("dues_balances_deferred", default=None)


def in_force(upto: int, prefix: str = "") -> Q:
    """The balance rows in force at month ``upto``: one per member with any line up to it."""
    return Q(**{f"{prefix}period__lte": upto, f"{prefix}until__gt": upto})


def starts_of(entries) -> dict[int, int]:
    """{person id: earliest month} of some ledger lines."""
    out: dict[int, int] = {}
    for e in entries:
        if e.person_id not in out or e.period < out[e.person_id]:
            out[e.person_id] = e.period
    return out


def written(starts: dict[int, int]) -> None:
    """Ledger lines were written for these members from these months on: refresh now, or at the end of the
    enclosing ``deferred()`` block."""
    if not starts:
        return
    pending = _deferred.get()
    if pending is None:
        refresh(starts)
        return
    for pid, start in starts.items():
        if pid not in pending or start < pending[pid]:
            pending[pid] = start


@contextmanager
def deferred():
    """Collect the members written in the block and refresh each once at its end (bulk loads write the same
    members in several statements)."""
    if _deferred.get() is not None:          # nested: the outer block refreshes
        yield
        return
    token = _deferred.set({})
    try:
        yield
        pending = _deferred.get()
    finally:
        _deferred.reset(token)
    refresh(pending)


def refresh(starts: dict[int, int | None]) -> int:
    """Rebuild the balance rows of each member from its month on (None: the whole history). Returns the number of
    rows written. Members sharing a start month are done together, ``CHUNK`` at a time."""
    from members.models import Person

    from .models import LedgerEntry, MonthBalance

    groups: dict[int | None, list[int]] = defaultdict(list)
    for pid, start in starts.items():
        groups[start].append(pid)
    n = 0
    with transaction.atomic():
        for start, ids in groups.items():
            ids.sort()
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i:i + CHUNK]
                # Lock the members (in id order: no deadlock between two writers) before reading their ledger: a
                # concurrent writer's lines are then either committed and read here, or its own refresh follows.
                # FOR NO KEY UPDATE: it does not wait for the key-share locks that inserting ledger lines takes.
                list(Person.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
                n += rebuild(MonthBalance, LedgerEntry, chunk, start)
    return n


def rebuild(balance_model, entry_model, person_ids: list[int], start: int | None) -> int:
    """Replace the balance rows of ``person_ids`` from month ``start`` on (None: all) by sums of their ledger lines.
    Takes the models as arguments so that a migration can run it with its historical models."""
    old = balance_model.objects.filter(person_id__in=person_ids)
    lines = entry_model.objects.filter(person_id__in=person_ids)
    if start is not None:
        old = old.filter(period__gte=start)
        lines = lines.filter(period__gte=start)
    old.delete()
    # After the delete, a member's latest remaining row is the one whose ``until`` reached into the deleted months
    # (or was OPEN): it carries the running totals before ``start``.
    before = {}
    if start is not None:
        before = {b.person_id: b for b in balance_model.objects.filter(person_id__in=person_ids, until__gte=start)}
    sums = (lines.values("person_id", "period")
            .annotate(c=Sum("amount", filter=Q(kind=EntryKind.CHARGE)), p=Sum("amount", filter=Q(kind=EntryKind.PAYMENT)),
                      v=Sum("amount", filter=Q(kind=EntryKind.VOLUNTARY)))
            .order_by("person_id", "period"))
    months: dict[int, list[dict]] = defaultdict(list)
    for r in sums:
        months[r["person_id"]].append(r)
    new, relink = [], defaultdict(list)
    for pid in person_ids:
        rows = months.get(pid, [])
        prev = before.get(pid)
        charged_to = prev.charged_to if prev else ZERO
        paid_to = prev.paid_to if prev else ZERO
        if prev is not None:
            wanted = rows[0]["period"] if rows else OPEN
            if prev.until != wanted:
                relink[wanted].append(prev.pk)
        for k, r in enumerate(rows):
            c, p, v = money_sum(r["c"]), money_sum(r["p"]), money_sum(r["v"])
            charged_to, paid_to = charged_to + c, paid_to + p
            new.append(balance_model(person_id=pid, period=r["period"],
                                     until=rows[k + 1]["period"] if k + 1 < len(rows) else OPEN,
                                     charged=c, paid=p, voluntary=v, charged_to=charged_to, paid_to=paid_to))
    for until, pks in relink.items():
        balance_model.objects.filter(pk__in=pks).update(until=until)
    balance_model.objects.bulk_create(new, batch_size=5000)
    return len(new)


def rebuild_all(*, out=None) -> int:
    """Rebuild every member's balance rows from the whole ledger, a chunk of members per transaction (each member's
    rows are replaced at once; readers see either the old rows or the new). Returns the number of rows written."""
    from .models import LedgerEntry, MonthBalance

    # members with lines, and members with rows but (wrongly) no lines: their rows go
    ids = sorted(set(LedgerEntry.objects.values_list("person_id", flat=True).distinct().order_by())
                 | set(MonthBalance.objects.values_list("person_id", flat=True).distinct().order_by()))
    n = 0
    for i in range(0, len(ids), CHUNK):          # a transaction per chunk: writers wait for one chunk at most
        n += refresh({pid: None for pid in ids[i:i + CHUNK]})
        if out and ((i // CHUNK) % 5 == 4 or i + CHUNK >= len(ids)):
            out(f"  balances {min(i + CHUNK, len(ids)):>6}/{len(ids)} members")
    return n


def mismatches(person_ids=None, limit: int = 20) -> list[str]:
    """Balance rows that disagree with the ledger (should be none): per member and month, the month's sums and the
    running totals, and each member's chain of ``until``. Reads everything: a check, not a page."""
    from .models import LedgerEntry, MonthBalance

    lines = LedgerEntry.objects.all()
    rows = MonthBalance.objects.all()
    if person_ids is not None:
        lines, rows = lines.filter(person_id__in=list(person_ids)), rows.filter(person_id__in=list(person_ids))
    expected = {}
    running: dict[int, tuple[Decimal, Decimal]] = {}
    for r in (lines.values("person_id", "period")
              .annotate(c=Sum("amount", filter=Q(kind=EntryKind.CHARGE)), p=Sum("amount", filter=Q(kind=EntryKind.PAYMENT)),
                        v=Sum("amount", filter=Q(kind=EntryKind.VOLUNTARY))).order_by("person_id", "period")):
        c, p, v = money_sum(r["c"]), money_sum(r["p"]), money_sum(r["v"])
        ct, pt = running.get(r["person_id"], (ZERO, ZERO))
        running[r["person_id"]] = (ct + c, pt + p)
        expected[(r["person_id"], r["period"])] = (c, p, v, ct + c, pt + p)
    found = {}
    chains: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for b in rows.order_by("person_id", "period"):
        found[(b.person_id, b.period)] = (b.charged, b.paid, b.voluntary, b.charged_to, b.paid_to)
        chains[b.person_id].append((b.period, b.until))
    out = []
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            out.append(f"member {key[0]} month {key[1]}: ledger {expected.get(key)} balance {found.get(key)}")
    for pid, chain in chains.items():
        for (period, until), nxt in zip(chain, chain[1:] + [(OPEN, None)]):
            if until != nxt[0]:
                out.append(f"member {pid} month {period}: until {until}, next row {nxt[0]}")
    return out[:limit] if limit else out
