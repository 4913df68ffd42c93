from branches.management.jobs import JobCommand
from discipline.effects import discipline_effects_apply


class Command(JobCommand):
    help = "Apply the discipline decisions whose effect date has come (each once). Safe to run twice."

    def run(self, today, **options):
        return f"{discipline_effects_apply(today)} decision(s) applied."
