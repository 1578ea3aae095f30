"""Fixtures that run ``retroboard`` as a real process (helpers: tests/support/stack_run.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.mqtt_probe import MqttProbe
from tests.support.stack_run import StackRun, gone
from tests.support.waiting import wait_until


@pytest.fixture
def retroboard(tmp_path: Path) -> Iterator[Callable[..., StackRun]]:
    """Start ``retroboard ARGS`` with extra env; stopped (or killed) after the test."""
    runs: list[StackRun] = []

    def start(*args: str, **env: str) -> StackRun:
        run = StackRun("retroboard", list(args), env, tmp_path / f"retroboard-{len(runs)}.log")
        runs.append(run)
        run.start()
        return run

    yield start
    for run in runs:
        leftovers = run.descendants() if run.running else []
        run.stop(timeout=20)
        for process in gone(leftovers):
            process.kill()


@pytest.fixture
def live_probe(probe: MqttProbe) -> MqttProbe:
    """``probe`` once it is connected (its first publishes would fail before)."""

    def published() -> bool:
        probe.publish("retroboard/_test/ready", b"1")
        return True

    wait_until(published, 10, "the probe connected", ignoring=(RuntimeError,))
    return probe
