"""Meetings section of the benchmarks: the committee compliance matrix (200 branches x 12 months) with 5 years of
meetings, and the meeting list. Target: a constant number of queries and under 300 ms.

Called by ``python -m benchmarks`` (after the main sections), or on its own:

    BENCH_DATABASE_URL=postgres://... .venv/bin/python -m benchmarks.meetings [--runs 15] [--no-migrate]

The large demo data must be there (``seed_demo --size large``); the 5 years of meetings are added once when missing
(meetings.demo, idempotent). The section is written into docs/benchmarks.md below the "more sections" marker,
replacing an earlier meetings section and leaving the other sections alone.
"""
from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

from benchmarks.sections import standalone, write_section

HEADING = "## Meetings (三会一课)"
TARGET_MS = 300


def ensure_data(out=print) -> None:
    from django.db import connection
    from django.utils import timezone

    from meetings.demo import apply_meetings
    from meetings.models import Meeting

    if Meeting.objects.count() < 10_000:
        out("Adding 5 years of demo meetings (once)…")
        apply_meetings("large", today=timezone.localdate(), out=out)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(client, runs: int, measure_fn) -> tuple[list[tuple], dict]:
    from django.urls import reverse

    from branches.choices import UnitKind
    from branches.models import Unit
    from meetings.models import Meeting

    top = Unit.objects.get(code="DEMO")
    year = datetime.date.today().year
    branches = Unit.objects.filter(path__startswith=top.path, kind=UnitKind.BRANCH, system="party").count()
    cases = [
        ("Compliance matrix, whole committee, branches x 12 months", f"{reverse('meetings:compliance')}?unit={top.pk}&year={year}"),
        ("Compliance matrix, whole committee, branches and party groups x quarters",
         f"{reverse('meetings:compliance')}?unit={top.pk}&year={year}&mode=quarter&scope=groups"),
        ("Compliance matrix, previous year", f"{reverse('meetings:compliance')}?unit={top.pk}&year={year - 1}"),
        ("Meeting list (page 1 of 25 rows)", reverse("meetings:meeting_list")),
        ("Attendance and lapse risks (whole committee)", f"{reverse('meetings:attendance_report')}?unit={top.pk}"),
    ]
    rows = []
    for label, path in cases:
        median, queries, _status = measure_fn(client, path, runs)
        rows.append((label, path, median, queries))
        print(f"{median:8.1f} ms  {queries:3d} queries  {label}", flush=True)
    first = Meeting.objects.order_by("date").values_list("date", flat=True).first()
    from django.db import connection

    settings_dict = connection.settings_dict
    facts = {"branches": branches, "meetings": Meeting.objects.count(), "since": first, "runs": runs,
             "db": f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"}
    return rows, facts


def section(rows, facts) -> list[str]:
    lines = [
        HEADING,
        "",
        f"Same data with {facts['meetings']} meetings since {facts['since']} ({facts['branches']} party branches and their",
        "party groups, 5 years). User: the committee admin. Target: under 300 ms and a constant number of queries (the",
        "compliance is computed set-based: the units, the committee rules, the committee terms and ONE aggregate of held",
        "meetings per unit, type and month, plus the talks and the committee positions that say each talk's pair;",
        "asserted in tests/meetings/test_views.py and test_policy_compliance.py).",
        f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL (`{facts.get('db', '')}`), {facts.get('runs', '')} timed requests per page after 3 warm-up requests; "
        f"load average {os.getloadavg()[0]:.1f} during the run.",
        "",
        "| page | median ms | queries | target met |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, path, median, queries in rows:
        lines.append(f"| {label} (`{path}`) | {median:.1f} | {queries} | {'yes' if median < TARGET_MS else 'NO'} |")
    return lines + [""]


def run(client, runs: int, measure_fn, output: Path) -> None:
    ensure_data()
    rows, facts = measure(client, runs, measure_fn)
    write_section(Path(output), HEADING, section(rows, facts))


def main(argv=None) -> int:
    return standalone(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
