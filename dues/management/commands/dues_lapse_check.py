import datetime

from django.core.management.base import BaseCommand, CommandError

from dues.lapse import dues_lapse_check


class Command(BaseCommand):
    help = ("The six-month dues lapse check: warn the secretaries at 3 and 5 consecutive unpaid months, open a lapse "
            "case at 6. Each warning and case once; safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        self.stdout.write(str(dues_lapse_check(today)))
