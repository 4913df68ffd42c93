import datetime

from django.core.management.base import BaseCommand, CommandError

from members.reminders import development_reminders_send


class Command(BaseCommand):
    help = ("Send the membership-development reminders that are due (each person, item and period once). "
            "Safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        sent = development_reminders_send(today)
        self.stdout.write(f"{sent} development reminder(s) sent.")
        return None
