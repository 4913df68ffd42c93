"""Dues section of the benchmarks: the six-month lapse check for the whole tree beside a straightforward per-member
loop, and the arrears list and collection sheet pages, on 10,000 people with 5 years of ledger.

Called by ``python -m benchmarks`` (after the main sections), or on its own:

    BENCH_DATABASE_URL=postgres://... .venv/bin/python -m benchmarks.dues [--runs 15]

The 5 years of ledger are added once (dues.demo, large size, idempotent). The section is written into
docs/benchmarks.md below the "more sections" marker, replacing an earlier dues section and leaving the others alone.
"""
from __future__ import annotations

import datetime
import statistics
import time
from pathlib import Path

from benchmarks.sections import standalone, write_section

HEADING = "## Dues (党费)"
PAGE_TARGET_MS = 150
CHECK_TARGET_MS = 2000


def ensure_data(out=print) -> None:
    from django.db import connection
    from django.utils import timezone

    from dues.demo import HISTORY_YEARS, apply_dues
    from dues.models import DuesBase

    if not DuesBase.objects.filter(year=timezone.localdate().year - HISTORY_YEARS + 1).exists():
        out("Adding 5 years of dues ledger (once)…")
        apply_dues("large", today=timezone.localdate(), out=out)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def per_member_loop(ref: int) -> dict:
    """The straightforward version: for each member, read their months and count back from ``ref`` in Python."""
    from django.db.models import Q, Sum

    from dues.models import DuesRelief, LedgerEntry
    from members.choices import MEMBER_STATUSES
    from members.models import Person

    out = {}
    for person in Person.objects.filter(status__in=MEMBER_STATUSES):
        months = {r["period"]: r for r in LedgerEntry.objects.filter(person=person, period__lte=ref)
                  .values("period").annotate(c=Sum("amount", filter=Q(kind="charge")),
                                             p=Sum("amount", filter=Q(kind="payment")))}
        reliefs = list(DuesRelief.objects.filter(person=person).values_list("first_period", "last_period"))
        n, m = 0, ref
        while m in months:
            row = months[m]
            c, p = row["c"] or 0, row["p"] or 0
            if not (c > 0 and p < c) or any(a <= m <= b for a, b in reliefs):
                break
            n, m = n + 1, m - 1
        if n:
            out[person.pk] = (n, m + 1)
    return out


def ledger_arrears(user, unit, upto: int) -> dict:
    """Arrears of every member as the pages computed them before the running balances: Σ charges − Σ payments over
    each member's ledger lines up to ``upto``."""
    from django.db.models import DecimalField, Q, Sum, Value
    from django.db.models.functions import Coalesce

    from dues.selectors import members_of

    money = DecimalField(max_digits=14, decimal_places=2)

    def total(kind):
        return Coalesce(Sum("dues_entries__amount", filter=Q(dues_entries__kind=kind, dues_entries__period__lte=upto)),
                        Value(0), output_field=money)

    rows = members_of(user, unit).annotate(arrears=total("charge") - total("payment")).filter(arrears__gt=0)
    return dict(rows.values_list("pk", "arrears"))


def facts_members(user, unit) -> int:
    """Queries of the per-member loop: one per member plus the list (Django's query log keeps at most 9000)."""
    from dues.selectors import members_of

    return 1 + members_of(user, unit).count()


def _timed(fn, runs: int):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()          # the query log is capped: a full log would count nothing
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), queries, result


def measure(client, runs: int, measure_fn) -> tuple[list[tuple], list[tuple], dict]:
    from django.db import connection, transaction
    from django.urls import reverse
    from django.utils import timezone

    from branches.choices import UnitKind
    from branches.models import Reminder, Unit
    from dues import periods
    from dues.lapse import dues_lapse_check, unpaid_runs
    from dues.models import LapseCase, LedgerEntry

    today = timezone.localdate()
    ref = periods.of_date(today) - 1
    top = Unit.objects.get(code="DEMO")
    branch = (Unit.objects.filter(path__startswith=top.path, kind=UnitKind.BRANCH, system="party")
              .order_by("path").first())
    period = periods.label(periods.of_date(today))
    checks = []
    median, queries, runs_found = _timed(lambda: unpaid_runs(ref), runs)
    checks.append(("Consecutive unpaid months, whole tree (set-based: the last 13 months, then the longer runs)",
                   median, queries))
    loop_runs = 1
    loop_median, loop_queries, loop_found = _timed(lambda: per_member_loop(ref), loop_runs)
    assert loop_found == runs_found, "the per-member loop and the set-based query disagree"
    from members.choices import MEMBER_STATUSES as _ON_ROLL
    from members.models import Person as _Person

    # Django keeps at most 9000 queries in its log: count the loop's queries as it runs them (2 per member + 1).
    loop_queries = max(loop_queries, 1 + 2 * _Person.objects.filter(status__in=_ON_ROLL).count())
    checks.append(("Same, straightforward per-member loop (reference)", loop_median, loop_queries))

    def cold_check():
        # A first run of the month: nothing sent yet. Run inside a transaction that is rolled back.
        with transaction.atomic():
            Reminder.objects.filter(kind="dues_lapse").delete()
            LapseCase.objects.all().delete()
            result = dues_lapse_check(today)
            transaction.set_rollback(True)
        return result

    median, queries, result = _timed(cold_check, max(1, min(5, runs)))
    checks.append((f"Lapse check, whole tree, first run of the month ({result.warnings} warnings, {result.cases} cases)",
                   median, queries))
    median, queries, _r = _timed(lambda: dues_lapse_check(today), runs)
    checks.append(("Lapse check, whole tree, run again (nothing new)", median, queries))

    # Arrears up to last month for the whole tree: from the balance rows (what the pages do) beside summing every
    # member's ledger lines (what they did before dues.balances).
    from django.contrib.auth import get_user_model

    from dues.selectors import arrears_list

    admin = get_user_model().objects.get(username="committee")
    median, queries, via_rows = _timed(lambda: {p.pk: p.arrears for p in arrears_list(admin, top, ref)}, runs)
    checks.append(("Arrears of every member, whole committee, from the running balances", median, queries))
    median, queries, via_lines = _timed(lambda: ledger_arrears(admin, top, ref), max(1, min(5, runs)))
    assert via_rows == via_lines, "the running balances and the ledger sums disagree"
    checks.append(("Same, summing every member's ledger lines (reference)", median, queries))

    def arrears_loop():
        # The straightforward version: each member's charges and payments up to the month, one query per member.
        from dues.selectors import members_of, person_totals

        found = {}
        for person in members_of(admin, top):
            owed = person_totals(person, ref)["arrears"]
            if owed > 0:
                found[person.pk] = owed
        return found

    median, queries, via_loop = _timed(arrears_loop, 1)
    assert via_loop == via_rows, "the per-member loop and the running balances disagree"
    checks.append(("Same, a straightforward per-member loop (reference)", median, max(queries, facts_members(admin, top))))

    from dues import balances

    month_starts = dict(LedgerEntry.objects.filter(period=ref + 1, kind="charge").values_list("person_id", "period"))

    def new_month():
        # What the charge job adds on the 1st of a month: rebuilding every charged member's balance from that month
        # (rolled back).
        with transaction.atomic():
            n = balances.refresh(month_starts)
            transaction.set_rollback(True)
        return n

    median, queries, rebuilt = _timed(new_month, max(1, min(5, runs)))
    checks.append((f"Balance rebuild after the monthly charge job ({rebuilt} members, one month each)", median, queries))

    cases = [
        ("Dues overview, every unit of the committee (month, paid, arrears per unit)", reverse("dues:home")),
        ("Arrears list, one branch", f"{reverse('dues:arrears', args=[branch.pk])}"),
        ("Arrears list, whole committee (page 1 of 50 rows)", f"{reverse('dues:arrears', args=[top.pk])}"),
        ("Collection sheet, one branch", f"{reverse('dues:month_sheet', args=[branch.pk])}?period={period}"),
        ("Collection sheet, whole committee (page 1 of 50 rows)",
         f"{reverse('dues:month_sheet', args=[top.pk])}?period={period}"),
    ]
    pages = []
    for label, path in cases:
        median, queries, _status = measure_fn(client, path, runs)
        pages.append((label, path, median, queries))
        print(f"{median:8.1f} ms  {queries:3d} queries  {label}", flush=True)
    for label, median, queries in checks:
        print(f"{median:8.1f} ms  {queries:3d} queries  {label}", flush=True)
    s = connection.settings_dict
    facts = {"lines": LedgerEntry.objects.count(),
             "behind": sum(1 for n, _s in runs_found.values() if n >= 3), "runs": runs, "ratio": loop_median / checks[0][1],
             "db": f"{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}/{s['NAME']}"}
    from members.choices import MEMBER_STATUSES
    from members.models import Person

    facts["members"] = Person.objects.filter(status__in=MEMBER_STATUSES).count()
    return checks, pages, facts


def section(checks, pages, facts) -> list[str]:
    lines = [
        HEADING,
        "",
        f"- Date: {datetime.date.today().isoformat()}; database `{facts['db']}` (PostgreSQL); {facts['members']} members "
        f"on the roll, {facts['lines']} ledger lines (5 years of monthly charges and quarterly payments); "
        f"{facts['behind']} members 3+ months behind.",
        f"- Method: median of {facts['runs']} runs (the per-member loop: 1); pages through the in-process test "
        "client as above, user: the committee admin. The first-run lapse check deletes the month's reminders and cases "
        "inside a transaction that is rolled back, so it inserts every warning and case as on the 1st of a month.",
        f"- Targets: the lapse check for the whole tree under {CHECK_TARGET_MS} ms with a constant number of queries; "
        f"pages under {PAGE_TARGET_MS} ms (query counts do not grow with rows; asserted in tests/dues).",
        "",
        "| job | median ms | queries | target met |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, median, queries in checks:
        ref = "reference" if "reference" in label else ("yes" if median < CHECK_TARGET_MS else "NO")
        lines.append(f"| {label} | {median:.1f} | {queries} | {ref} |")
    lines += ["", f"Set-based count vs per-member loop: **{facts['ratio']:.0f}× faster**, {checks[0][2]} query(ies) "
              f"instead of {checks[1][2]}.", "", "| page | median ms | queries | target met |", "| --- | ---: | ---: | --- |"]
    for label, path, median, queries in pages:
        lines.append(f"| {label} (`{path}`) | {median:.1f} | {queries} | {'yes' if median < PAGE_TARGET_MS else 'NO'} |")
    rows_ms = next(m for label, m, _q in checks if "from the running balances" in label)
    lines_ms = next(m for label, m, _q in checks if "ledger lines (reference)" in label)
    loop_ms = next(m for label, m, _q in checks if label == "Same, a straightforward per-member loop (reference)")
    lines += ["", f"Arrears from the running balances vs summing the ledger lines: **{lines_ms / rows_ms:.0f}× faster**; "
              f"vs the per-member loop: **{loop_ms / rows_ms:.0f}× faster**. "
              "The pages read each member's balance row in force at the month (`dues.balances`: one row per member "
              "and month with lines, running totals, rebuilt from the ledger in the writer's transaction) instead of "
              "summing every line of five years; the write side's cost is the rebuild figure above."]
    if any(median >= PAGE_TARGET_MS for _l, _p, median, _q in pages):
        lines += ["", "Not met: the pages marked NO above."]
    return lines + [""]


def run(client, runs: int, measure_fn, output: Path) -> None:
    ensure_data()
    checks, pages, facts = measure(client, runs, measure_fn)
    write_section(Path(output), HEADING, section(checks, pages, facts))


def main(argv=None) -> int:
    return standalone(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
