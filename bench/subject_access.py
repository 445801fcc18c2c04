"""The `subject` section of bench/api.py: a subject-access bundle (issue 18 item 7). Placeholder while seeding."""

from bench.common import Result


def seed(seeded: dict, args) -> bool:
    """The admin section's access log and the casefile section's long histories, which the bundle reads."""
    from bench import admin, casefile

    wrote = admin.seed(seeded, args)
    return casefile.seed(seeded, args) or wrote


def measure(seeded: dict, args) -> list[Result]:
    return []
