import datetime

from django.core.management.base import BaseCommand, CommandError

from dues.services import dues_charges_generate


class Command(BaseCommand):
    help = "Create the missing monthly dues charges up to this month from each member's base. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        self.stdout.write(f"{dues_charges_generate(today=today)} charge(s) created.")
