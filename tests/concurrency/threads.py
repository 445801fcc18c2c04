"""Running calls at the same instant from real threads, each on its own database connection."""

import threading

from django.db import connection


def at_once(calls, *, timeout: float = 60) -> list:
    """Run each call in its own thread and database connection, all released together by a barrier.

    Returns, in the order of `calls`, what each returned or the exception it raised. A call still running after
    `timeout` seconds fails the test: a lock that is never released must not hang the suite.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:  # kept, and asserted on, by the test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a call hung (a lock never released?)"
    return outcomes
