from branches.management.jobs import JobCommand
from discipline.effects import discipline_reminders_send


class Command(JobCommand):
    help = "Send the discipline reminders that are due (each once). Safe to run twice."

    def run(self, today, **options):
        return f"{discipline_reminders_send(today)} discipline reminder(s) sent."
