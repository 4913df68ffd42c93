"""Measure median server time and query counts of the busiest pages, beside Django admin's changelist.

    make bench                    # or: .venv/bin/python -m benchmarks [--runs 30] [--output docs/benchmarks.md]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/branch_bench): the database is
created when missing, migrated, and filled with ``seed_demo --size large`` once. Each page is requested
in-process through Django's test client (full middleware, templates and database; no network), after
warm-up, and the median of the wall times is reported. Results are written to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/branch_bench"


def _ensure_database(url: str) -> None:
    import psycopg2
    from urllib.parse import urlparse

    u = urlparse(url)
    name = u.path.lstrip("/")
    conn = psycopg2.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                            password=u.password or None, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from members.models import DevelopmentPlan, DevelopmentStep, Person

    if Person.objects.count() < 10_000 or not DevelopmentStep.objects.exists() or not DevelopmentPlan.objects.exists():
        # seed_demo is idempotent: a database seeded before the pipeline population only gets that added
        print("Seeding the large demo data (once)…", flush=True)
        call_command("seed_demo", size="large")
    # Fresh planner statistics, as autovacuum keeps them in production (right after a bulk load they are stale).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(client, url: str, runs: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)  # read now: the next request clears the connection's query log
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), queries, resp.status_code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    _ensure_database(url)
    _setup(url)

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from branches.models import Unit
    from members.models import Person

    User = get_user_model()
    committee_user = User.objects.get(username="committee")
    superuser = User.objects.get(username="admin")
    app = Client()
    app.force_login(committee_user)
    admin = Client()
    admin.force_login(superuser)

    people, units = Person.objects.count(), Unit.objects.count()
    cases = [
        ("Member list, status = full member (page 1 of 25 rows)", app, reverse("members:person_list") + "?status=full"),
        ("Django admin changelist, Person, status = full member", admin, "/admin/members/person/?status__exact=full"),
        ("Member list, search by name", app, reverse("members:person_list") + "?q=%E7%8E%8B"),
        ("Django admin changelist, Person, search by name", admin, "/admin/members/person/?q=%E7%8E%8B"),
        ("Org tree (whole committee, cumulative counts)", app, reverse("branches:unit_tree")),
        ("Dashboard (committee admin)", app, reverse("branches:dashboard")),
    ]
    # Membership development (issue 3): target < 150 ms and a constant number of queries (no admin equivalent).
    top = Unit.objects.get(code="DEMO")
    dev_cases = [("Development statistics (whole committee: stages, overdue, years, plan)", app,
                  reverse("members:dev_stats") + f"?unit={top.pk}")]
    dev_cases.append(("Reviewer queue (committee reviewers, pending items)", app, reverse("members:review_queue")))
    rows = []
    for label, client, path in cases:
        median, queries, _status = _measure(client, path, args.runs)
        rows.append((label, path, median, queries))
        print(f"{median:8.1f} ms  {queries:3d} queries  {label}", flush=True)
    dev_rows = []
    for label, client, path in dev_cases:
        median, queries, _status = _measure(client, path, args.runs)
        dev_rows.append((label, path, median, queries))
        print(f"{median:8.1f} ms  {queries:3d} queries  {label}", flush=True)
    from members.models import DevelopmentStep, ReviewRequest

    steps, pending = DevelopmentStep.objects.count(), ReviewRequest.objects.filter(status="pending").count()

    admin_filter = rows[1][2]
    admin_search = rows[3][2]
    today = datetime.date.today().isoformat()
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Benchmarks",
        "",
        "Median server time of the busiest pages, measured in one run beside Django admin's changelist for",
        "the same model and filter. Produced by `make bench` (`.venv/bin/python -m benchmarks`); this file is",
        "rewritten by each run.",
        "",
        f"- Date: {today}; machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}",
        f"- Database: PostgreSQL (`{url.rsplit('@', 1)[-1]}`), large demo data: {units} units, {people} people",
        f"- Method: in-process Django test client (all middleware, templates, database), {args.runs} timed requests",
        "  per page after 3 warm-up requests; median wall time. User: the committee admin (whole tree in scope).",
        "- Targets: each page at or below the admin changelist's time and under 150 ms; query count constant",
        "  in the number of rows (asserted in the test suite).",
        "",
        "| page | median ms | queries | vs admin | target met |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for label, path, median, queries in rows:
        if "admin changelist" in label:
            ref, verdict = "reference", "—"
        else:
            ref_time = admin_search if "search" in label else admin_filter
            ref = f"{median / ref_time:.2f}×"
            verdict = "yes" if (median < 150 and median <= ref_time) else "NO"
        lines.append(f"| {label} (`{path}`) | {median:.1f} | {queries} | {ref} | {verdict} |")
    lines += [
        "",
        "## Membership development",
        "",
        f"Same data with the pipeline population: {steps} development steps, {pending} review items waiting.",
        "User: the committee admin. Target: < 150 ms, constant queries (the query count does not grow with the",
        "number of units and people; asserted in tests/members/test_devstats.py and the reviewer queue's tests).",
        "",
        "| page | median ms | queries | target met |",
        "| --- | ---: | ---: | --- |",
    ]
    for label, path, median, queries in dev_rows:
        lines.append(f"| {label} (`{path}`) | {median:.1f} | {queries} | {'yes' if median < 150 else 'NO'} |")
    lines.append("")
    out = Path(args.output)
    existing = out.read_text(encoding="utf-8") if out.exists() else ""
    from benchmarks.sections import MARKER

    tail = existing.split(MARKER, 1)[1] if MARKER in existing else "\n"
    out.write_text("\n".join(lines) + "\n" + MARKER + tail, encoding="utf-8")
    # Meetings (issue 4): its own section below the marker (benchmarks/meetings.py).
    from benchmarks import meetings as meetings_bench

    meetings_bench.run(app, args.runs, _measure, out)
    # Dues (issue 5): its own section below the marker (benchmarks/dues.py).
    from benchmarks import dues as dues_bench

    dues_bench.run(app, args.runs, _measure, out)
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
