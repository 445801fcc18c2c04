"""What the benchmarks share to set up: a database of their own, dropped and made anew, filled by COPY."""

import datetime
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The NGO's own reference of a seeded case: what tells the base seed's cases from rows a section added (intake).
SEEDED_EXTERNAL_ID = "BS-"

# The person columns a seeded row gives (the rest take their defaults), as the app stores them: NIK and phone
# encrypted by the field itself (cases.encryption.EncryptedTextField), the NIK's keyed hash beside it.
PERSON_COLUMNS = [
    "id",
    "full_name",
    "known_as",
    "nik",
    "nik_hash",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "home_region_id",
    "address",
    "created_at",
    "updated_at",
]

WOMEN = ["Siti", "Sri", "Dewi", "Ani", "Rina", "Wati", "Endang", "Yuni", "Lilis", "Nur", "Ratna", "Tri", "Eka", "Ayu"]
MEN = ["Agus", "Budi", "Joko", "Slamet", "Heru", "Eko", "Bambang", "Dedi", "Rudi", "Wahyu"]
MIDDLE = ["", "Ayu", "Dwi", "Nur", "Puji", "Tutik", "Indah", "Sari", "Rahayu", "Wulan", "Kartika", "Lestari"]
LAST = ["Aminah", "Lestari", "Wahyuni", "Handayani", "Susanti", "Rahmawati", "Purwanti", "Safitri", "Yuliana", ""]
NICKNAMES = ["Nonik", "Ita", "Yayuk", "Mbak Tin", "Neng", "Cici", "Lala", "Uli"]
HAMLETS = ["Krajan", "Sumberejo", "Karanganyar", "Sidomulyo", "Tegalsari", "Kebonsari", "Wonorejo", "Sukorejo"]
OPERATORS = ["811", "812", "813", "821", "822", "852", "853", "857", "877", "878", "881", "895", "896"]
# Target groups a person is also in, beside the case's own (10, tuna susila): trafficking, HIV, NAPZA, BWBLP.
OTHER_GROUPS = [18, 16, 17, 15, 23]


def person_lines(first_id: int, last_id: int, regions: list[str], created: list[str]) -> tuple[str, str]:
    """CSV of the persons `first_id`..`last_id` (PERSON_COLUMNS) and of their target groups, as a pendataan
    gives them: nine in ten with a NIK (a valid shape: the home regency, a kecamatan, the birth date, day + 40 for a
    woman, a serial) stored encrypted with its keyed hash, most with a phone and an address, a birth date or only an
    estimated year, one or two target groups. `created[i]` is the creation time of person `first_id + i`.

    Run in worker processes (bench/api.py): encrypting a million NIKs and phones is most of a seed's time."""
    import random

    from cases.encryption import keyed_hash
    from cases.models import Person

    encrypt = Person._meta.get_field("nik").get_prep_value  # exactly as a save() stores it
    rng = random.Random(first_id)  # noqa: S311 (seed data, not secrets)
    people, groups = [], []
    for pk in range(first_id, last_id + 1):
        j = pk - 1
        woman = rng.random() < 0.9
        name = " ".join(filter(None, (rng.choice(WOMEN if woman else MEN), rng.choice(MIDDLE), rng.choice(LAST))))
        region = regions[0] if rng.random() < 0.6 else rng.choice(regions)
        # Unique by construction: the serial and kecamatan (01-09; intake's bench uses 10-99) from the id, and
        # what is left of it in the birth date's day count modulo 16.
        born = _BORN_FROM + datetime.timedelta(days=j // 89_991 + 16 * rng.randrange(1_000))
        nik = (
            f"{region.replace('.', '')}{j // 9_999 % 9 + 1:02d}"
            f"{born.day + (40 if woman else 0):02d}{born.month:02d}{born.year % 100:02d}{j % 9_999 + 1:04d}"
        )
        has_nik = rng.random() < 0.9
        exact_birth = rng.random() < 0.8
        phone = f"0{rng.choice(OPERATORS)}{rng.randrange(10**7, 10**8)}" if rng.random() < 0.85 else ""
        address = (
            f"Dusun {rng.choice(HAMLETS)} RT {rng.randrange(1, 20):03d}/RW {rng.randrange(1, 9):03d}"
            if rng.random() < 0.95
            else ""
        )
        at = created[pk - first_id]
        people.append(
            _csv(
                pk,
                name,
                rng.choice(NICKNAMES) if rng.random() < 0.3 else "",
                encrypt(nik) if has_nik else "",
                keyed_hash("nik", nik) if has_nik else None,
                born.isoformat() if exact_birth else None,
                None if exact_birth else born.year,
                "F" if woman else "M",
                encrypt(phone),
                region,
                address,
                at,
                at,
            )
        )
        groups.append(f"{pk},10\n")
        if rng.random() < 0.2:
            groups.append(f"{pk},{rng.choice(OTHER_GROUPS)}\n")
    return "".join(people), "".join(groups)


_BORN_FROM = datetime.date(1960, 1, 1)


def _csv(*values) -> str:
    """One CSV line; None is NULL (empty unquoted), text is quoted (an empty string stays '')."""
    cells = []
    for value in values:
        if value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append('"' + value.replace('"', '""') + '"')
        else:
            cells.append(str(value))
    return ",".join(cells) + "\n"


def database_url(base: str, name: str) -> str:
    """`base` (a DATABASE_URL) pointing at the database `name` on the same server."""
    return base.rsplit("/", 1)[0] + f"/{name}"


def recreate_database(base_url: str, name: str) -> None:
    """Drop the database `name` if it exists and create it empty, on the server of `base_url`."""
    import psycopg2

    admin = psycopg2.connect(base_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def copy(cursor, table: str, columns: list[str], lines) -> None:
    """COPY the CSV `lines` into `columns` of `table` through a psycopg2 cursor."""
    buffer = io.StringIO("".join(lines))
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the whole database, as a day's autovacuum would have: fresh COPYs have no visibility map
    and no statistics, which makes index-only scans and the planner's estimates lie in our favour or against us."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def copy_text(cursor, table: str, columns: list[str], text: str) -> None:
    """COPY CSV `text` (whole lines) into `columns` of `table` through a psycopg2 cursor."""
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", io.StringIO(text))
