from branches.management.jobs import JobCommand
from meetings.policy import REMINDER_LEAD_DAYS
from meetings.reminders import meeting_reminders_send


class Command(JobCommand):
    help = ("Send the meeting-frequency reminders that are due (each unit, meeting type, period and phase once). "
            "Safe to run twice.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--lead-days", type=int, default=REMINDER_LEAD_DAYS,
                            help=f"Remind this many days before a period ends (default {REMINDER_LEAD_DAYS}).")

    def run(self, today, **options):
        return f"{meeting_reminders_send(today, lead_days=options['lead_days'])} meeting reminder(s) sent."
