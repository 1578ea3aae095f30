"""The render loop's wake-up signal."""

from __future__ import annotations

import threading
import time

from retroboard_renderer.wake import Wake


def test_wait_times_out_when_nobody_wakes_it() -> None:
    assert Wake().wait(0.01) is False
    assert Wake().wait(0) is False


def test_a_wake_before_the_wait_is_kept_once() -> None:
    wake = Wake()
    wake.set()
    wake.set()  # twice still wakes once
    assert wake.wait(0) is True
    assert wake.wait(0) is False


def test_clear_drops_a_pending_wake() -> None:
    wake = Wake()
    wake.set()
    wake.clear()
    wake.clear()  # nothing pending: no effect
    assert wake.wait(0) is False


def test_set_from_another_thread_ends_the_wait_early() -> None:
    wake = Wake()
    timer = threading.Timer(0.05, wake.set)
    timer.start()
    started = time.monotonic()
    assert wake.wait(30) is True
    assert time.monotonic() - started < 25
    timer.join()
