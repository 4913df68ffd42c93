from branches.management.jobs import JobCommand
from dues.lapse import dues_lapse_check


class Command(JobCommand):
    help = ("The six-month dues lapse check: warn the secretaries at 3 and 5 consecutive unpaid months, open a lapse "
            "case at 6. Each warning and case once; safe to run twice.")

    def run(self, today, **options):
        return str(dues_lapse_check(today))
