"""Waiting on a condition: the one place the tests poll."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests


def wait_until(
    check: Callable[[], Any],
    timeout: float = 15.0,
    what: str = "condition",
    *,
    ignoring: tuple[type[BaseException], ...] = (requests.RequestException,),
    interval: float = 0.05,
) -> Any:
    """Call ``check`` until it returns something truthy, and return that.

    An exception of a type in ``ignoring`` counts as "not yet" (by default a server
    not listening yet). Raises :class:`TimeoutError` naming ``what`` after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except ignoring:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        # Polling: a process's output, a port or a file offers nothing to block on.
        time.sleep(interval)
