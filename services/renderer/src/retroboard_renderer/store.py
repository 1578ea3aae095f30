"""Saving the board's state without wearing out an SD card or losing it to a crash.

Writes are atomic (temp file, fsync, rename, directory fsync) and happen only when the
state changed. A lone change is written at once, so an acknowledged command survives a
power cut; a burst (a dragged slider) costs at most one write per ``save_delay``, the
last value written when the burst ends. The file being
replaced is kept as the last-good copy. A corrupt file is moved aside and the last-good
copy (or the defaults) is used instead.

When the folder cannot be written (read-only, full), the state stays in memory, the
write is retried every ``retry_delay`` seconds, and :attr:`StateStore.problem` says why
until a write succeeds; listeners hear every change of it (the renderer publishes it as
its health).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from retroboard_renderer.state import SavedState

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
LAST_GOOD_FILE = "state.last-good.json"

HealthListener = Callable[[], None]
Cancel = Callable[[], None]
Scheduler = Callable[[float, Callable[[], None]], Cancel]
"""``schedule(delay, action)`` runs ``action`` after ``delay`` seconds; returns a cancel."""


def thread_timer(delay: float, action: Callable[[], None]) -> Cancel:
    """Run ``action`` on a daemon :class:`threading.Timer` thread after ``delay`` s."""
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer.cancel


class StateStore:
    """Loads and saves :class:`SavedState` in one folder.

    ``clock`` and ``schedule`` time the delayed writes (tests pass a fake clock).
    """

    def __init__(
        self,
        directory: Path,
        save_delay: float = 1.0,
        retry_delay: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        schedule: Scheduler = thread_timer,
    ) -> None:
        self.directory = directory
        self._clock = clock
        self._schedule = schedule
        self.save_delay = save_delay
        self.retry_delay = retry_delay
        self.path = directory / STATE_FILE
        self.last_good_path = directory / LAST_GOOD_FILE
        self.write_error: str | None = None
        """Why the last write failed (read-only or full disk); ``None`` once one succeeds."""
        self.load_error: str | None = None
        """Why the state file could not be used at boot (kept until the next start)."""
        self.writes = 0
        self._health_listeners: list[HealthListener] = []
        self._written: bytes | None = None
        self._pending: bytes | None = None
        self._timer: Cancel | None = None
        self._last_write = -float("inf")
        self._lock = threading.Lock()

    # --- health -------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """False while the last write failed (read-only or full disk)."""
        return self.write_error is None

    @property
    def problem(self) -> str | None:
        """What is wrong with persistence right now (``None`` when all is well)."""
        return self.write_error or self.load_error

    def on_health_change(self, listener: HealthListener) -> None:
        """Call ``listener()`` whenever :attr:`problem` changes."""
        self._health_listeners.append(listener)

    def _set_write_error(self, error: str | None) -> None:
        if error == self.write_error:
            return
        self.write_error = error
        for listener in self._health_listeners:
            try:
                listener()
            except Exception:
                log.exception("store health listener failed")

    # --- loading ------------------------------------------------------------------

    def load(self) -> SavedState | None:
        """The saved state, falling back to the last-good copy; ``None`` if neither."""
        for path in (self.path, self.last_good_path):
            state = self._read(path)
            if state is not None:
                if path is self.last_good_path:
                    log.warning("restored state from the last-good copy %s", path)
                    unreadable = self.load_error or f"{self.path.name} was unreadable"
                    self.load_error = f"{unreadable}; restored the last-good copy {path.name}"
                self._written = path.read_bytes() if path is self.path else None
                return state
        return None

    def _read(self, path: Path) -> SavedState | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("cannot read %s: %s", path, exc)
            self.load_error = self.load_error or f"cannot read {path.name}: {exc.strerror or exc}"
            return None
        try:
            return SavedState.model_validate_json(data)
        except ValidationError as exc:
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
            log.error(
                "state file %s is corrupt (%s); moved aside to %s",
                path,
                exc.errors()[0]["msg"],
                aside.name,
            )
            self.load_error = (
                self.load_error or f"{path.name} was corrupt; moved aside to {aside.name}"
            )
            try:
                path.rename(aside)
            except OSError as rename_error:
                log.error("cannot move %s aside: %s", path, rename_error)
            return None

    # --- saving -------------------------------------------------------------------

    def save(self, state: SavedState) -> None:
        """Save ``state``: now if nothing was written within ``save_delay``, else when
        that interval is over (nothing at all if it did not change)."""
        data = state.model_dump_json(indent=2).encode()
        with self._lock:
            if data == self._written:
                self._pending = None
                return
            self._pending = data
            if self._timer is not None:
                return  # a write is already scheduled and will take the newest data
            wait = self._last_write + self.save_delay - self._clock()
            if wait <= 0:
                self._write_pending()
                return
            self._timer = self._schedule(wait, self.flush)

    def flush(self) -> None:
        """Write any pending change now."""
        with self._lock:
            if self._timer is not None:
                self._timer()
                self._timer = None
            self._write_pending()

    def _write_pending(self) -> None:
        data, self._pending = self._pending, None
        if data is None or data == self._written:
            return
        self._last_write = self._clock()
        try:
            self._write(data)
        except OSError as exc:
            # Keep running with the state in memory; retry later (or on the next change).
            log.error("cannot save state to %s: %s", self.path, exc)
            if self._pending is None:
                self._pending = data
            if self._timer is None:
                self._timer = self._schedule(self.retry_delay, self.flush)
            self._set_write_error(f"cannot save state: {exc.strerror or exc}")
            return
        self._written = data
        self.writes += 1
        self._set_write_error(None)

    def _write(self, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{STATE_FILE}.tmp")
        with temp.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if self.path.exists():
            self._keep_last_good()
        os.replace(temp, self.path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def _keep_last_good(self) -> None:
        """Make the current file the last-good copy, leaving it in place (a hard link),
        so ``state.json`` never goes missing, not even between two renames."""
        link = self.last_good_path.with_name(f".{LAST_GOOD_FILE}.tmp")
        try:
            link.unlink(missing_ok=True)
            os.link(self.path, link)
        except OSError:  # no hard links on this file system: move it instead
            os.replace(self.path, self.last_good_path)
            return
        os.replace(link, self.last_good_path)
