"""The real parts behind the reminders (issue 7), started for one test: a local SMTP server, our own
redis-server, and Celery workers running as separate processes against the pytest database.

Everything listens on 127.0.0.1 on a free port, and the Redis is a process of this test alone, so a test may stop
and restart it without touching the machine's shared Redis. The workers are other processes: they only see
committed rows, so these tests are transactional and need PostgreSQL.
"""

import os
import shutil
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app

from .real_parts import RecordingHandler, RedisServer, SmtpServer, Worker, free_port


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; the test process's own email goes to it too."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield SmtpServer(controller.hostname, controller.port, handler)
    handler.released.set()
    controller.stop()


@pytest.fixture
def redis_server(tmp_path, monkeypatch):
    """Our own Redis, and the test process's Celery pointed at it (tasks no longer run eagerly)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: these tests start their own Redis (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    # The environment variable outranks app.conf in Celery; both are restored after the test.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=server.url, task_always_eager=False)
    _forget_broker_connections()
    yield server
    _forget_broker_connections()
    celery_app.conf.update(saved)
    server.stop()


def _forget_broker_connections() -> None:
    # The app keeps a pool of broker connections made for the first URL it saw; drop it so the next publish
    # connects to the current one (what Celery itself does after a fork). The pools live in kombu's registry too,
    # keyed by URL: closed but still registered, the suite's own broker's pool would answer "Acquire on closed
    # pool" to whatever publishes after this test (the browser suite's pages), so the registry is emptied as well.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()


def _database_url() -> str:
    """The database pytest made for this run (test_<name>), as a DATABASE_URL for another process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def start_worker(transactional_db, redis_server, smtp_server, tmp_path, settings):
    """Start a Celery worker process (call it again for a second one); all are killed after the test.

    Its settings come from the environment as in production (config.settings, not the test settings, whose
    email stays in memory): the test database, our Redis and SMTP server, the test process's keys, and retries
    after 1 s instead of a minute.
    """
    if connection.vendor != "postgresql":
        pytest.skip("The worker is another process: it needs the PostgreSQL test database, not an in-memory SQLite.")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "FIELD_ENCRYPTION_KEY_FALLBACKS": ",".join(settings.FIELD_ENCRYPTION_KEY_FALLBACKS),
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_server.url,
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "EMAIL_TIMEOUT": "10",
        "SITE_URL": settings.SITE_URL,
        "NOTIFICATION_RETRY_SECONDS": "1",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    settings.NOTIFICATION_RETRY_SECONDS = 1
    workers: list[Worker] = []

    def start() -> Worker:
        """Start a worker process and return at once (it takes a few seconds to be ready: see wait_ready)."""
        name = f"reminders{len(workers) + 1}@127.0.0.1"
        worker = Worker(name, env, tmp_path / f"worker{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    yield start
    # Killed, not shut down warmly (two seconds each, for nothing the test still needs), and before the
    # transactional test flushes the tables; their logs are shown if the test failed.
    for worker in workers:
        if worker.process.poll() is None:
            worker.kill()
        print(f"--- {worker.name}, last lines of its log:\n{worker.log_tail()}")
