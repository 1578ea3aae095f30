"""Run ``retroboard`` as a real process and read what it prints."""

from __future__ import annotations

import re
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs installed
import pytest

from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import BIN, ServiceProcess
from tests.support.waiting import wait_until

# The api is one more process entry; without it installed, run the other two.
SERVICES = (
    "renderer,api,bridge"
    if (BIN / "retroboard-api").exists() or shutil.which("retroboard-api")
    else "renderer,bridge"
)


class StackRun(ServiceProcess):
    """``retroboard …`` with helpers to wait for lines and to find its descendants."""

    def wait_for_output(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The first match of ``pattern`` in the output so far or soon."""

        def found() -> re.Match[str] | None:
            match = re.search(pattern, self.output(), re.MULTILINE)
            if match is None and not self.running:
                raise AssertionError(f"the command ended; no {pattern!r} in:\n{self.output()}")
            return match

        try:
            match: re.Match[str] = wait_until(found, timeout, f"{pattern!r} in the output")
        except TimeoutError:
            raise AssertionError(f"no {pattern!r} in output:\n{self.output()}") from None
        return match

    def descendants(self) -> list[psutil.Process]:
        """Every process started under this one (services, honcho workers …)."""
        assert self.process is not None
        children: list[psutil.Process] = psutil.Process(self.process.pid).children(recursive=True)
        return children

    def interrupt(self, timeout: float = 20.0) -> int:
        """Ctrl+C: SIGINT, then wait for the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)


def gone(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still alive (zombies count as gone)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


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
