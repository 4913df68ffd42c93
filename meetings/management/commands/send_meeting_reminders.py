import datetime

from django.core.management.base import BaseCommand, CommandError

from meetings.policy import REMINDER_LEAD_DAYS
from meetings.reminders import meeting_reminders_send


class Command(BaseCommand):
    help = ("Send the meeting-frequency reminders that are due (each unit, meeting type, period and phase once). "
            "Safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")
        parser.add_argument("--lead-days", type=int, default=REMINDER_LEAD_DAYS,
                            help=f"Remind this many days before a period ends (default {REMINDER_LEAD_DAYS}).")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        sent = meeting_reminders_send(today, lead_days=options["lead_days"])
        self.stdout.write(f"{sent} meeting reminder(s) sent.")
