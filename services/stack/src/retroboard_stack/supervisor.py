"""Run the services as child processes under honcho and report how the run ended.

honcho's :class:`~honcho.manager.Manager` starts every process, prefixes their output
with time and name, stops them all on SIGINT/SIGTERM, and stops them all as soon as
one of them exits. This module adds what honcho only prints: which service ended the
run, with which exit code and last line, so the caller can repeat it at the end.
"""

from __future__ import annotations

import functools
import multiprocessing
import re
import shlex
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Final, TextIO

from honcho.manager import KILL_WAIT, Manager
from honcho.printer import Printer
from honcho.process import Popen, Process

from retroboard_stack.lifeline import Lifeline, wait_until_released

# honcho's own status lines, printed under the name "system" (honcho 2.x wording).
STOPPED: Final = re.compile(r"^(?P<name>\S+) stopped \(rc=(?P<rc>-?\d+)\)")
SIGNALLED: Final = re.compile(r"^(SIGINT|SIGTERM|SIGHUP) received")


@dataclass
class Outcome:
    """How a supervised run ended."""

    returncode: int
    requested: bool = False  # stopped by SIGINT/SIGTERM, not by a service exiting
    first_exit: str | None = None  # the service whose exit stopped the others
    first_exit_code: int | None = None
    last_lines: dict[str, str] = field(default_factory=dict)


class RecordingPrinter(Printer):  # type: ignore[misc]  # honcho is untyped
    """honcho's printer, also noting each service's last line and the first exit."""

    def __init__(self, output: TextIO, outcome: Outcome) -> None:
        super().__init__(output)
        self.outcome = outcome

    def write(self, message: Any) -> None:
        """Print ``message`` as honcho does, recording what it says."""
        text = (
            message.data.decode("utf-8", "replace")
            if isinstance(message.data, bytes)
            else message.data
        )
        if message.name == "system":
            self._note_system(text)
        elif text.strip():
            self.outcome.last_lines[message.name] = text.strip().splitlines()[-1]
        super().write(message)

    def _note_system(self, text: str) -> None:
        if SIGNALLED.match(text) and self.outcome.first_exit is None:
            self.outcome.requested = True
        stopped = STOPPED.match(text)
        if stopped and self.outcome.first_exit is None and not self.outcome.requested:
            self.outcome.first_exit = stopped["name"]
            self.outcome.first_exit_code = int(stopped["rc"])


class WatchedProcess(Process):  # type: ignore[misc]  # honcho is untyped
    """honcho's process, whose worker also ends the service once the supervisor is gone.

    The worker (a process of its own) ignores SIGHUP as honcho makes it ignore SIGINT
    and SIGTERM: when the terminal closes, the supervisor decides what stops.
    """

    def __init__(self, cmd: str, *, lifeline: Path, **kwargs: Any) -> None:
        super().__init__(cmd, **kwargs)
        self.lifeline = lifeline
        self._child_ctor = self._start_child

    def run(self, events: Any = None, ignore_signals: bool = False) -> None:
        """Run the service until it exits (in the worker process)."""
        if ignore_signals:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        super().run(events, ignore_signals)

    def _start_child(self, cmd: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        child: subprocess.Popen[bytes] = Popen(cmd, **kwargs)
        watcher = functools.partial(self._end_when_orphaned, child)
        threading.Thread(target=watcher, name="lifeline", daemon=True).start()
        return child

    def _end_when_orphaned(self, child: subprocess.Popen[bytes]) -> None:
        wait_until_released(self.lifeline)
        if child.poll() is None:
            child.terminate()  # as the supervisor would: SIGTERM, then SIGKILL
            try:
                child.wait(KILL_WAIT)
            except subprocess.TimeoutExpired:
                child.kill()


class Supervisor:
    """A set of named commands run together until one stops or we are told to stop."""

    def __init__(self, output: TextIO = sys.stdout) -> None:
        self.outcome = Outcome(returncode=0)
        # honcho starts each process from a multiprocessing worker. This process
        # runs threads (the embedded broker), and forking a threaded process is
        # unsafe, so the workers come from a clean fork server instead.
        multiprocessing.set_start_method("forkserver", force=True)
        self._manager = Manager(printer=RecordingPrinter(output, self.outcome))
        self._lifeline = Lifeline()
        # honcho has no hook for its process class; this attribute is how it builds them.
        self._manager._process_ctor = functools.partial(
            WatchedProcess, lifeline=self._lifeline.hold()
        )

    def add(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Add a service; ``exec`` so the signal reaches it, not an idle shell."""
        self._manager.add_process(name, "exec " + shlex.join(command), env=env)

    @property
    def stopping(self) -> bool:
        """Whether the run is ending (a signal came or a service exited)."""
        return self.outcome.requested or self.outcome.first_exit is not None

    def run(self) -> Outcome:
        """Start everything and block until every process has stopped."""
        previous = signal.signal(signal.SIGHUP, self._hang_up)
        try:
            self._manager.loop()
        finally:
            signal.signal(signal.SIGHUP, previous)
            self._lifeline.release()
        self.outcome.returncode = self._manager.returncode or 0
        return self.outcome

    def _hang_up(self, _signum: int, _frame: FrameType | None) -> None:
        # What honcho does for SIGINT and SIGTERM, which are all it handles.
        self._manager._system_print("SIGHUP received\n")
        self._manager.returncode = 128 + signal.SIGHUP
        self._manager.terminate()
