"""The base of the scheduled jobs' management commands: ``--date`` to run as of another day, one summary line."""
from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError


class JobCommand(BaseCommand):
    """A job run by Celery beat and, with the same name, by hand or cron. Subclasses implement ``run(today,
    **options)`` (``today`` is None for today) and return the line to print."""

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def run(self, today: datetime.date | None, **options) -> str:
        raise NotImplementedError

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        self.stdout.write(self.run(today, **options))
