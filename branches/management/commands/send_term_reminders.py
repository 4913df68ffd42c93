from branches.management.jobs import JobCommand
from branches.reminders import term_reminders_send


class Command(JobCommand):
    help = "Send committee-term expiry reminders that are due (each unit and threshold once). Safe to run twice."

    def run(self, today, **options):
        return f"{term_reminders_send(today)} term reminder(s) sent."
