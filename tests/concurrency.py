"""Running calls at the same moment, as simultaneous requests or workers would."""

import threading
from collections.abc import Callable

from django.db import connections


def run_at_once(*calls: Callable[[], object], timeout: float = 30) -> tuple[list, list[Exception]]:
    """Start every call together, each on its own thread with its own database connection.

    Returns what the calls returned (in the order they finished) and what they raised.
    """
    start = threading.Barrier(len(calls))
    results: list = []
    errors: list[Exception] = []

    def run(call):
        try:
            start.wait()
            results.append(call())
        except Exception as error:  # every failure is handed back to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors
