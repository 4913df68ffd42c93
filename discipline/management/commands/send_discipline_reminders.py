import datetime

from django.core.management.base import BaseCommand, CommandError

from discipline.effects import discipline_reminders_send


class Command(BaseCommand):
    help = "Send the discipline reminders that are due (each once). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        n = discipline_reminders_send(today)
        self.stdout.write(f"{n} discipline reminder(s) sent.")
