from django.core.management.base import BaseCommand, CommandError

from funding.reconciliation import find_drift


class Command(BaseCommand):
    help = "Check allocations, entitlements and disbursements against the ledger; exit 1 on any drift."

    def handle(self, *args, **options):
        drift = find_drift()
        for item in drift:
            self.stderr.write(str(item))
        if drift:
            raise CommandError(f"{len(drift)} disagreement(s) with the ledger.")
        self.stdout.write("The ledger and the totals agree.")
