from django.core.management.base import BaseCommand, CommandError

from dues import balances


class Command(BaseCommand):
    help = ("Check the members' running dues balances against the ledger (--check), or rebuild them all from the "
            "ledger (--rebuild). The ledger is the record; the balances are derived from it.")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="Report balances that disagree with the ledger.")
        group.add_argument("--rebuild", action="store_true", help="Rebuild every member's balances from the ledger.")

    def handle(self, *args, **options):
        if options["rebuild"]:
            n = balances.rebuild_all(out=self.stdout.write)
            self.stdout.write(f"{n} balance row(s) rebuilt from the ledger.")
            return
        wrong = balances.mismatches(limit=0)
        if wrong:
            for line in wrong[:20]:
                self.stderr.write(line)
            raise CommandError(f"{len(wrong)} balance row(s) disagree with the ledger: run dues_balances --rebuild.")
        self.stdout.write("The balances agree with the ledger.")
