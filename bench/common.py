"""What every section of the benchmark shares: paired timing, a result row, and the table they print."""

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    """One line of the table: our figure, the floor's (None when there is no floor), the target, and the SQL
    statements one call of ours runs (None when not counted)."""

    name: str
    ours: float
    floor: float | None = None
    target: str = ""
    queries: int | None = None

    @property
    def ratio(self) -> float | None:
        return self.ours / self.floor if self.floor else None


def paired_medians(ours, floor, repeat: int) -> tuple[float, float]:
    """Median milliseconds of `ours` and `floor`, called in turn so that the machine's load drifts over both."""
    ours(), floor()  # warm up
    samples = {ours: [], floor: []}
    for _ in range(repeat):
        for call in (ours, floor):
            started = time.perf_counter()
            call()
            samples[call].append((time.perf_counter() - started) * 1000)
    return statistics.median(samples[ours]), statistics.median(samples[floor])


def statements(call) -> int:
    """How many SQL statements one `call()` runs on the default connection."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def print_table(results: list[Result]) -> None:
    print(f"{'measure':<60}{'ours':>12}{'floor':>12}{'ratio':>9}{'queries':>9}  target")
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "-"
        queries = "-" if r.queries is None else str(r.queries)
        floor = "-" if r.floor is None else f"{r.floor:.2f}"
        print(f"{r.name:<60}{r.ours:>12.2f}{floor:>12}{ratio:>9}{queries:>9}  {r.target}")


def sign_in(client, user) -> None:
    """`client.force_login(user)` with the second factor passed, as a person's session is after the code page
    (issue 18): the admin admits no other session. The authenticator is made once per user."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies import step_up

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[step_up.SESSION_KEY] = time.time()
    session.save()
