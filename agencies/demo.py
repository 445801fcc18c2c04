"""Demo agencies and people from the field reports in shared/seeds/: the offices and partners they name,
one login per role, and a working login for each office the later demo data (cases, batches) needs.
"""

import datetime
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from agencies import services
from agencies.models import Agency, ApiClient, Membership, Region, Role, User

DEMO_PASSWORD = "demo-sandi-2026"  # passes AUTH_PASSWORD_VALIDATORS (tests/agencies/test_passwords.py)

K = Agency.Kind
# key: (name, kind, region code, parent key). Regions are Kemendagri codes (the seeds' towns in brackets).
AGENCIES = {
    "kemensos": ("Kementerian Sosial Republik Indonesia", K.MINISTRY, "31", None),
    "jateng": ("Dinas Sosial Provinsi Jawa Tengah", K.SOCIAL_SERVICE_PROVINCE, "33", None),
    "purbalingga": (
        "Dinsosdalduk KB P3A Kabupaten Purbalingga",
        K.SOCIAL_SERVICE_DISTRICT,
        "33.03",
        "jateng",
    ),
    "semarang": ("Dinas Sosial Kota Semarang", K.SOCIAL_SERVICE_DISTRICT, "33.74", "jateng"),
    "banyuwangi": ("Dinas Sosial Kabupaten Banyuwangi", K.SOCIAL_SERVICE_DISTRICT, "35.10", None),
    "kupang": ("Dinas Sosial Kota Kupang", K.SOCIAL_SERVICE_DISTRICT, "53.71", None),
    # Sampit is the seat of Kotawaringin Timur.
    "kotim": ("Dinsosnakertrans Kabupaten Kotawaringin Timur", K.SOCIAL_SERVICE_DISTRICT, "62.02", None),
    "polres_kotim": ("Polres Kotawaringin Timur", K.POLICE, "62.02", None),
    "kemenag_kotim": (
        "Kantor Kementerian Agama Kabupaten Kotawaringin Timur",
        K.RELIGIOUS_AFFAIRS,
        "62.02",
        None,
    ),
    "bpjs_sampit": ("BPJS Ketenagakerjaan Cabang Sampit", K.SOCIAL_SECURITY, "62.02", None),
    "dinkes_purbalingga": ("Dinas Kesehatan Kabupaten Purbalingga", K.HEALTH, "33.03", None),
    "dinpermades_purbalingga": ("Dinpermades Kabupaten Purbalingga", K.VILLAGE_DEVELOPMENT, "33.03", None),
    "lentera_asa": ("Lentera Asa Semarang", K.NGO, "33.74", None),
    "bina_sehat": ("LKS Kelompok Kerja Bina Sehat", K.NGO, "35.10", None),
    # The Kupang report names no LKS, only that one was appointed for intake: this name is ours.
    "lks_kupang": ("LKS Pendamping Karang Dempel", K.NGO, "53.71", None),
}

# username: (first name, role, agency key, what they will see)
USERS = {
    "provinsi": (
        "Demo Provinsi",
        Role.PROVINCE_STAFF,
        "jateng",
        "agencies, people and API clients of Jawa Tengah",
    ),
    "kabupaten": ("Demo Kabupaten", Role.DISTRICT_STAFF, "banyuwangi", "the people of Dinsos Banyuwangi"),
    "keuangan": ("Demo Keuangan", Role.FINANCE_APPROVER, "banyuwangi", "the people of Dinsos Banyuwangi"),
    "lks": ("Demo LKS", Role.NGO_CASEWORKER, "bina_sehat", "the people and API clients of Bina Sehat"),
    "mitra": ("Demo Mitra", Role.PARTNER_TRAINER, "polres_kotim", "the people of Polres Kotawaringin Timur"),
    "pimpinan": ("Demo Pimpinan", Role.LEADERSHIP_VIEWER, "kemensos", "the agency directory only"),
    "auditor": ("Demo Auditor", Role.AUDITOR, "jateng", "Jawa Tengah read-only, and its audit trail"),
    "dpo": ("Demo Pelindungan Data", Role.DATA_PROTECTION_OFFICER, "jateng", "privacy registers, Jawa Tengah trail"),
    # The other offices of the seeds, so each has someone to work its cases.
    "semarang": ("Demo Semarang", Role.DISTRICT_STAFF, "semarang", "the cases of Kota Semarang"),
    "purbalingga": ("Demo Purbalingga", Role.DISTRICT_STAFF, "purbalingga", "the cases of Purbalingga"),
    "kupang": ("Demo Kupang", Role.DISTRICT_STAFF, "kupang", "the cases of Kota Kupang"),
    "kotim": ("Demo Kotim", Role.DISTRICT_STAFF, "kotim", "the cases of Kotawaringin Timur"),
    "lentera": ("Demo Lentera", Role.NGO_CASEWORKER, "lentera_asa", "the cases Lentera Asa registered"),
    "lkskupang": ("Demo LKS Kupang", Role.NGO_CASEWORKER, "lks_kupang", "the cases the Kupang LKS registered"),
}

API_CLIENTS = {
    # agency key: (client name, scope)
    "bina_sehat": ("Aplikasi lapangan Bina Sehat", ApiClient.Scope.READ_WRITE),
    "lentera_asa": ("Aplikasi lapangan Lentera Asa", ApiClient.Scope.READ_WRITE),
}


@dataclass
class Demo:
    """What each app's demo loader builds on and adds to; the command prints `lines` at the end."""

    admin: User | None = None
    agencies: dict[str, Agency] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def days_ago(days: int) -> datetime.date:
    """The day `days` before today, in the installation's time zone (the day the demo is loaded)."""
    return timezone.localdate() - datetime.timedelta(days=days)


@contextmanager
def on(day: datetime.date, hour: int = 9) -> Iterator[None]:
    """Run services as on `day` (a past day of the demo's history), from `hour` o'clock in the installation's zone.

    Every moment a service or a model stamps (`timezone.now`: a case's registration and number of that year, a stage
    change, an audit row, a ledger row, which PostgreSQL refuses to update afterwards) and every "today" a rule checks
    against (no visit recorded in the future, no attendance before the session) read as on that day, so the demo's
    history is written as it would have happened: through the services, each row dated once. The moments advance a
    second a call, keeping their order. Demo use only (load_demo refuses to run with DEBUG off).
    """
    start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))
    if start.date() > timezone.localdate():
        raise ValueError("the demo's history is in the past")
    ticks = (start.astimezone(datetime.UTC) + datetime.timedelta(seconds=n) for n in itertools.count())
    # Swapped on the module, where every caller (ours, Django's fields and timezone.localdate) looks it up.
    before = timezone.now
    timezone.now = lambda: next(ticks)
    try:
        yield
    finally:
        timezone.now = before


def load(demo: Demo) -> None:
    demo.admin = _superuser()
    demo.agencies = _agencies(demo.admin)
    demo.users = _users(demo.admin, demo.agencies)
    _authenticators([demo.admin, *demo.users.values()])
    tokens = _api_tokens(demo.admin, demo.agencies)
    demo.lines += _logins(tokens)


def _authenticators(users: list[User]) -> None:
    """Every demo login has an authenticator set up (issue 18): `manage.py demo_code USERNAME` prints the code it
    shows now, so a person trying the demo signs in without a phone. A new account (or one reset) enrols instead."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for user in users:
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def _superuser() -> User:
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_superuser": True, "is_staff": True, "email": "admin@demo.invalid"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    return admin


def _agencies(admin: User) -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for key, (name, kind, region_code, parent_key) in AGENCIES.items():
        region = Region.objects.get(code=region_code)
        agency = Agency.objects.filter(name=name, region=region).first()
        if agency is None:
            agency = services.agency_create(
                actor=admin,
                name=name,
                kind=kind,
                region=region,
                parent=agencies.get(parent_key),
                contact_email=f"{key.replace('_', '.')}@demo.invalid",
            )
        agencies[key] = agency
    return agencies


def _users(admin: User, agencies: dict[str, Agency]) -> dict[str, User]:
    users = {}
    for username, (first_name, role, agency_key, _scope) in USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "email": f"{username}@demo.invalid"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        agency = agencies[agency_key]
        if not Membership.objects.filter(user=user, agency=agency, active=True).exists():
            services.membership_create(actor=admin, user=user, agency=agency, role=role)
        users[username] = user
    return users


def _api_tokens(admin: User, agencies: dict[str, Agency]) -> list[tuple[ApiClient, str]]:
    # Tokens are stored hashed, so a rerun cannot show the old one: it rotates and shows the new one.
    tokens = []
    for agency_key, (name, scope) in API_CLIENTS.items():
        client = ApiClient.objects.filter(agency=agencies[agency_key], name=name, revoked_at=None).first()
        if client is None:
            tokens.append(services.api_client_create(actor=admin, agency=agencies[agency_key], name=name, scope=scope))
        else:
            tokens.append(services.api_client_rotate(actor=admin, client=client))
    return tokens


def _logins(tokens) -> list[str]:
    lines = [
        "",
        "Demo logins (local use only), password for all: " + DEMO_PASSWORD,
        "Then the code of the account's authenticator: DEBUG=1 .venv/bin/python manage.py demo_code USERNAME",
    ]
    lines.append(f"  {'username':<12} {'role':<20} {'agency':<46} sees")
    lines.append(f"  {'admin':<12} {'superuser (set-up)':<20} {'-':<46} everything")
    for username, (_name, role, agency_key, scope) in USERS.items():
        lines.append(f"  {username:<12} {role:<20} {AGENCIES[agency_key][0]:<46} {scope}")
    lines += ["", "Demo API tokens (shown once per run; each run rotates them):"]
    lines += [f"  {client.agency.name}: {token}" for client, token in tokens]
    return lines


def approve_a_month(demo: Demo) -> None:
    """Kota Semarang approves last month's figures, so province staff (Jawa Tengah) and leadership find an approved
    month under Laporan → Angka bulanan; Purbalingga's is left for its staff to approve. Runs after every app's demo
    (the figures count their cases), recomputing the figures first. Skipped when already approved (a rerun)."""
    from agencies import figures_refresh, snapshots
    from agencies.models import MonthlySnapshot

    semarang = demo.agencies["semarang"].region
    month = snapshots.recent_months(semarang.time_zone)[0]
    if MonthlySnapshot.objects.filter(district=semarang, month=month).exists():
        return
    figures_refresh.figures_refresh()
    snapshot = snapshots.monthly_snapshot_approve(actor=demo.users["semarang"], district=semarang, month=month)
    demo.lines.append(
        f"\nMonthly figures of {snapshots.month_label(month)} approved for {semarang.name} (SHA-256 {snapshot.sha256})."
    )


def record_an_incident(demo: Demo) -> None:
    """A past personal data incident in Jawa Tengah's register, handled end to end by the demo's data-protection
    officer (`dpo`): Lentera Asa's field account signed in from elsewhere; its search of the access log finds the
    cases that account touched. Runs after every app's demo (the trail must hold the cases). Skipped on a rerun."""
    import datetime

    from django.utils import timezone

    from agencies import incidents
    from agencies.models import Incident

    title = "Akun lapangan LKS Lentera Asa dipakai dari luar kantor"
    if Incident.objects.filter(title=title).exists():
        return
    officer, now = demo.users["dpo"], timezone.now()
    days = datetime.timedelta(days=1)
    incident = incidents.incident_record(
        actor=officer,
        agency=demo.agencies["semarang"],
        title=title,
        detected_at=now - 9 * days,
        occurred_at=now - 10 * days,
        description=(
            "Kata sandi akun lapangan LKS Lentera Asa diketahui pihak lain melalui pesan palsu (phishing). Akun "
            "itu dipakai masuk dari perangkat yang tidak dikenal dan membuka data kasus yang didaftarkan LKS."
        ),
        data_categories=["name", "nik", "contact", "case_record", "sex_work"],
    )
    incidents.incident_query_save(
        actor=officer,
        incident=incident,
        query_from=now - 30 * days,
        query_until=now + datetime.timedelta(minutes=1),
        actor_username="lentera",
    )
    incidents.incident_contain(
        actor=officer,
        incident=incident,
        containment=(
            "Kata sandi akun diganti dan semua sesi akun diakhiri; akun dikunci sampai dua faktor dipasang. Staf LKS "
            "dilatih mengenali pesan palsu."
        ),
        contained_at=now - 9 * days + datetime.timedelta(hours=3),
    )
    incidents.incident_subjects_notify(
        actor=officer,
        incident=incident,
        notified_at=now - 8 * days,
        channel="Surat diserahkan langsung oleh pendamping LKS saat kunjungan rumah",
    )
    incidents.incident_authority_notify(
        actor=officer, incident=incident, notified_at=now - 8 * days, reference="PDP/2026/0412"
    )
    incidents.incident_close(
        actor=officer,
        incident=incident,
        conclusion="Tidak ada data yang disebarkan lebih lanjut; pemberitahuan dikirim dalam 3 × 24 jam.",
    )
    demo.lines.append(f"A closed personal data incident ({incident.reference}) in Jawa Tengah's register (login dpo).")
