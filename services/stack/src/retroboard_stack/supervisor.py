"""Run the services as child processes under honcho and report how the run ended.

honcho's :class:`~honcho.manager.Manager` starts every process, prefixes their output
with time and name, stops them all on SIGINT/SIGTERM, and stops them all as soon as
one of them exits. This module adds what honcho only prints: which service ended the
run, with which exit code and last line, so the caller can repeat it at the end.
"""

from __future__ import annotations

import multiprocessing
import re
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from honcho.manager import Manager
from honcho.printer import Printer

# honcho's own status lines, printed under the name "system" (honcho 2.x wording).
STOPPED: Final = re.compile(r"^(?P<name>\S+) stopped \(rc=(?P<rc>-?\d+)\)")
SIGNALLED: Final = re.compile(r"^(SIGINT|SIGTERM) received")


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


class Supervisor:
    """A set of named commands run together until one stops or we are told to stop."""

    def __init__(self, output: TextIO = sys.stdout) -> None:
        self.outcome = Outcome(returncode=0)
        # honcho starts each process from a multiprocessing worker. This process
        # runs threads (the embedded broker), and forking a threaded process is
        # unsafe, so the workers come from a clean fork server instead.
        multiprocessing.set_start_method("forkserver", force=True)
        self._manager = Manager(printer=RecordingPrinter(output, self.outcome))

    def add(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Add a service; ``exec`` so the signal reaches it, not an idle shell."""
        self._manager.add_process(name, "exec " + shlex.join(command), env=env)

    @property
    def stopping(self) -> bool:
        """Whether the run is ending (a signal came or a service exited)."""
        return self.outcome.requested or self.outcome.first_exit is not None

    def run(self) -> Outcome:
        """Start everything and block until every process has stopped."""
        self._manager.loop()
        self.outcome.returncode = self._manager.returncode or 0
        return self.outcome
