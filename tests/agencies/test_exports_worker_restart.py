"""An export survives its worker's death (issue 17 §5, Done when): with the real parts (a redis-server, Celery worker
processes, an SMTP server; tests/reminders/conftest.py), a worker killed in the middle of a file leaves its task
unacknowledged (acks late), the next worker is given it again, starts the file over, and finishes it whole; the
"ready" email arrives through the SMTP server, without a person's data."""

import csv
import io
import time

import pytest

from agencies import exports
from agencies.models import Export, Role
from tests.agencies.factories import MembershipFactory
from tests.cases.factories import CaseFactory, DistrictOfficeFactory, PersonFactory
from tests.reminders.conftest import redis_server, smtp_server, start_worker  # noqa: F401 — the real parts
from tests.reminders.real_parts import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CASES = 40
CHUNK = 2
# Seconds between chunks: 20 chunks, 6 s a file, long enough to kill the worker in the middle of one.
DELAY = 0.3


@pytest.fixture
def slow_exports(monkeypatch, tmp_path, settings):
    """Exports written slowly, a chunk of 2 rows at a time, into a directory of this test; the environment is the
    workers' (started after this fixture), the settings the test process's. A task whose worker died is given to
    another after 2 s instead of an hour."""
    directory = tmp_path / "exports"
    worker_env = {
        "EXPORT_DIR": str(directory),
        "EXPORT_CHUNK_SIZE": str(CHUNK),
        "EXPORT_CHUNK_DELAY": str(DELAY),
        "CELERY_VISIBILITY_TIMEOUT": "2",
    }
    for name, value in worker_env.items():
        monkeypatch.setenv(name, value)
    settings.EXPORT_DIR = str(directory)
    return directory


def _files(directory):
    return sorted(p.name for p in directory.iterdir() if p.is_file()) if directory.exists() else []


def test_an_export_whose_worker_is_killed_mid_file_is_started_over_and_finished_whole(
    slow_exports,
    target_groups,
    start_worker,  # noqa: F811
    smtp_server,  # noqa: F811 — the fixtures imported above
):
    first = start_worker()
    # given forty cases of an office, and its district staff
    office = DistrictOfficeFactory(name="Dinas Sosial Kota Semarang")
    staff = MembershipFactory(role=Role.DISTRICT_STAFF, agency=office).user
    people = [PersonFactory(full_name=f"Sri Lestari {n}") for n in range(CASES)]
    cases = [CaseFactory(owner=office, person=person) for person in people]

    # when the staff asks for the case list (queued to Redis on commit) and the worker is killed in the middle of it
    export = exports.export_request(actor=staff, kind="cases.case_list", format="csv", filters={})
    first_file = slow_exports / f"{export.pk}-1.csv.enc"
    wait_until(first_file.exists, what="the first attempt's file")
    time.sleep(1.5)  # a few chunks into the file, of 20 chunks that take 6 s
    first.kill()

    # then the row is left running by the dead attempt, and its file is not a file anyone can read
    export.refresh_from_db()
    assert (export.status, export.attempts) == (Export.Status.RUNNING, 1)
    with pytest.raises(exports.DamagedFile):
        b"".join(exports.decrypted(first_file))

    # when another worker starts: the unacknowledged task is delivered to it again
    second = start_worker()

    # then it starts the file over as attempt 2 and finishes it, whole
    wait_until(
        lambda: Export.objects.filter(pk=export.pk, status=Export.Status.DONE).exists(),
        timeout=90,
        what="the export to be finished by the second worker",
    )
    export.refresh_from_db()
    assert export.attempts == 2
    assert export.row_count == CASES
    assert export.file_name == f"{export.pk}-2.csv.enc"
    assert _files(slow_exports) == [export.file_name]  # the half file of the dead attempt is gone
    text = b"".join(exports.decrypted(slow_exports / export.file_name)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:2] == ["Nomor kasus", "Nama"]
    assert [row[0] for row in rows[1:]] == [case.number for case in cases]
    assert [row[1] for row in rows[1:]] == [person.full_name for person in people]
    # the row is committed before the task returns, and the worker logs "succeeded" only after: wait for it
    wait_until(
        lambda: second.log_lines("export_run_task", "succeeded") >= 1, what="the second worker to log the task done"
    )

    # and the "ready" email went through the SMTP server: the link and the count, nobody's name or case number
    (email,) = smtp_server.wait_for(1)
    assert email.rcpt_tos == (staff.email,)
    body = email.text
    assert "Daftar kasus, CSV, 40 baris" in body
    assert "/admin/agencies/export/download/" in body
    for person, case in zip(people, cases, strict=True):
        assert person.full_name not in body and case.number not in body
