"""The real parts behind the reminders (issue 7): an SMTP server that records what arrives, a redis-server
process, and a Celery worker process. The fixtures that start them for a test are in conftest.py."""

import asyncio
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from django.conf import settings

# How long a test waits for something a worker does; a loaded 2-core machine needs a few seconds at most.
PATIENCE = 30.0
POLL = 0.05


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, *, timeout: float = PATIENCE, what: str = "the condition"):
    """Poll `condition` until it returns something truthy, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout:.0f} s for {what}.")
        time.sleep(POLL)


# SMTP


@dataclass(frozen=True)
class Received:
    """One message the SMTP server accepted, as it came over the wire."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def text(self) -> str:
        """Everything a reader could see: the raw bytes, plus the decoded headers and body (quoted-printable or
        base64 would hide a name from a search of the raw bytes alone)."""
        message = self.message
        headers = "\n".join(f"{name}: {value}" for name, value in message.items())
        body = message.get_body(preferencelist=("plain",)).get_content()
        return "\n".join([self.raw.decode("utf-8", "replace"), headers, body])


class RecordingHandler:
    """An aiosmtpd handler that keeps every accepted message, and on request refuses or hangs on the next ones."""

    def __init__(self):
        self.received: list[Received] = []
        self.attempts = 0  # DATA commands seen, accepted or not
        self._refuse = 0
        self._hang = 0
        self._lock = threading.Lock()
        self.hanging = threading.Event()
        self.released = threading.Event()

    def refuse_next(self, count: int) -> None:
        """Answer the next `count` messages with 451 (a transient refusal: try again later)."""
        with self._lock:
            self._refuse = count

    def hang_next(self, count: int = 1) -> None:
        """Receive the next `count` messages but never answer them (until released); they are not kept."""
        with self._lock:
            self._hang = count

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            hang, refuse = self._hang > 0, self._hang == 0 and self._refuse > 0
            if hang:
                self._hang -= 1
            if refuse:
                self._refuse -= 1
        if hang:
            self.hanging.set()
            while not self.released.is_set():
                await asyncio.sleep(POLL)
            # Whoever sent it is gone by now: this message was never accepted.
            return "421 4.3.2 Service shutting down"
        if refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 OK: queued"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def wait_for(self, count: int, *, timeout: float = PATIENCE) -> list[Received]:
        """Wait until `count` messages arrived, then a moment longer so that one too many would be seen too."""
        wait_until(lambda: len(self.handler.received) >= count, timeout=timeout, what=f"{count} email(s)")
        time.sleep(1.2)  # longer than the retry delay (NOTIFICATION_RETRY_SECONDS=1): a repeat would be here
        return self.received


# Redis


class RedisServer:
    """A redis-server process of this test alone: no persistence, so a restart comes back empty."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(  # noqa: S603 — a fixed command line, the binary found on PATH
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, timeout=10, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def _answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            return client.ping()
        except redis.ConnectionError:
            return False
        finally:
            client.close()


# Celery workers


class Worker:
    """`celery -A config worker` as a separate process, configured through its environment like production."""

    def __init__(self, name: str, env: dict, log: Path):
        self.name, self.log = name, log
        command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo"]
        command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", name]
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 — our own venv's celery
                command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self) -> "Worker":
        """Wait until it consumes from the broker. Only needed when the test must know: a task queued before
        waits in Redis for it."""
        wait_until(self._ready, timeout=PATIENCE, what=f"worker {self.name} to be ready")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"Worker {self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
        return " ready." in self.log.read_text(errors="replace")

    def log_lines(self, *words: str) -> int:
        """How many lines of the worker's log contain all of `words`."""
        lines = self.log.read_text(errors="replace").splitlines()
        return sum(all(word in line for word in words) for line in lines)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no rollback but the database's own."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
