"""Case numbers: `<owning region>-<year>-<serial>`, consecutive per owning region and year, never reused."""

from django.db import connection


def take_case_numbers(counts: dict[str, int], year: int) -> dict[str, int]:
    """Reserve `counts[region]` consecutive case numbers of `year` in each owning region; the first of each.

    One upsert for every region at once: it creates the sequence row the first time and otherwise locks it until
    commit, so concurrent intakes queue behind each other and numbers neither collide nor skip (a rollback gives
    them back). Regions in one order for everyone, so two batches never deadlock.
    """
    regions = sorted(counts)
    placeholders = ", ".join(["(%s, %s, %s)"] * len(regions))  # only placeholders: the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO cases_casenumbersequence (region_id, year, "last") VALUES {placeholders} '  # noqa: S608
            'ON CONFLICT (region_id, year) DO UPDATE SET "last" = cases_casenumbersequence."last" + EXCLUDED."last" '
            'RETURNING region_id, "last"',
            [value for region in regions for value in (region, year, counts[region])],
        )
        return {region: taken - counts[region] + 1 for region, taken in cursor.fetchall()}


def case_number(region: str, serial: int, year: int) -> str:
    """The number of the `serial`th case of `year` owned in `region`."""
    return f"{region}-{year}-{serial:05d}"
