"""What the per-app benchmark sections (benchmarks.meetings, benchmarks.dues) share: writing their section into
docs/benchmarks.md below the marker, and running one section on its own (``python -m benchmarks.<app>``)."""
from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- more benchmark sections below -->"


def write_section(path: Path, heading: str, lines: list[str]) -> None:
    """Put a section (starting with ``heading``) right below the marker, replacing an earlier one with the same
    heading; the other sections stay."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{MARKER}\n"
    if MARKER not in text:
        text = text.rstrip("\n") + f"\n\n{MARKER}\n"
    head, tail = text.split(MARKER, 1)
    tail = re.sub(rf"{re.escape(heading)}\n.*?(?=^## |\Z)", "", tail, flags=re.S | re.M).strip("\n")
    body = "\n".join(lines).rstrip("\n") + "\n"
    path.write_text(head + MARKER + "\n\n" + body + (f"\n{tail}\n" if tail else ""), encoding="utf-8")


def standalone(doc: str, run: Callable, argv=None) -> int:
    """Run one section against BENCH_DATABASE_URL as the committee admin: ``run(client, runs, measure, output)``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--no-migrate", action="store_true", help="Use the database as it is.")
    args = parser.parse_args(argv)
    from benchmarks.__main__ import DEFAULT_DB, _ensure_database, _measure

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    import django

    django.setup()
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="committee"))
    run(client, args.runs, _measure, Path(args.output))
    print(f"Wrote {args.output}")
    return 0
