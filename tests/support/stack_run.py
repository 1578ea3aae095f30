"""Run ``retroboard`` as a real process and read what it prints."""

from __future__ import annotations

import re
import shutil
import signal

import psutil  # type: ignore[import-untyped]  # no stubs installed

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
