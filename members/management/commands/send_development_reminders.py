from branches.management.jobs import JobCommand
from members.reminders import development_reminders_send


class Command(JobCommand):
    help = ("Send the membership-development reminders that are due (each person, item and period once). "
            "Safe to run twice.")

    def run(self, today, **options):
        return f"{development_reminders_send(today)} development reminder(s) sent."
