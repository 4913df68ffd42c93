from branches.management.jobs import JobCommand
from dues.services import dues_charges_generate


class Command(JobCommand):
    help = "Create the missing monthly dues charges up to this month from each member's base. Safe to run twice."

    def run(self, today, **options):
        return f"{dues_charges_generate(today=today)} charge(s) created."
