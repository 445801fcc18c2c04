"""The `serve` section: the case list and its floor served by gunicorn (2 workers, persistent connections) on
loopback, driven by wrk (a small Python load generator when wrk is not installed)."""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

from bench.common import Result
from bench.seeding import ROOT


def measure(seeded: dict, args) -> list[Result]:
    """The case list and its floor served by gunicorn (2 workers, persistent connections) over loopback."""
    host = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    ours_url = f"{host}/api/v1/cases/?page_size=50"
    floor_url = f"{host}/floor/cases/?agency={seeded['ngo'].pk}"
    server = subprocess.Popen(  # noqa: S603 - a fixed command, our own interpreter
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2"]
        + ["--bind", f"127.0.0.1:{args.port}", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    try:
        _wait_for_port(args.port, server)
        load = _wrk if shutil.which("wrk") else _python_load
        print(f"Driving gunicorn with {'wrk' if load is _wrk else 'the Python load generator (no wrk)'}")
        load(ours_url, headers, 2), load(floor_url, {}, 2)  # warm up both workers and their connections
        ours, floor = [], []
        for _ in range(args.rounds):
            ours.append(load(ours_url, headers, args.duration))
            floor.append(load(floor_url, {}, args.duration))
        print(f"gunicorn req/s, ours: {[round(r) for r in ours]}, floor: {[round(r) for r in floor]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    name = "case list via gunicorn, 2 workers (req/s)"
    return [Result(name, statistics.median(ours), statistics.median(floor), "≥ 0.5×")]


def _wait_for_port(port: int, server) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start listening within 30 s")


def _wrk(url: str, headers: dict, seconds: int) -> float:
    """Requests/s over `seconds` with 4 connections from one wrk thread (2 cores: gunicorn, PostgreSQL, wrk)."""
    # A generous timeout: on a machine shared with other work a slow response is a slow response, not a failure
    # (wrk's 2 s default counted a few at the end of a run as socket errors).
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw failed requests on {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def _python_load(url: str, headers: dict, seconds: int, connections: int = 4) -> float:
    """The fallback load generator: `connections` threads, each on one keep-alive connection."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"
    deadline = time.perf_counter() + seconds
    counts = [0] * connections

    def run(slot: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        while time.perf_counter() < deadline:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status}")
            counts[slot] += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds
