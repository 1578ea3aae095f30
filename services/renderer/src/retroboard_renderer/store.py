"""Saving the board's state without wearing out an SD card or losing an acknowledged change.

``state.json`` writes are atomic (temp file, fsync, rename, directory fsync) and happen
only when the state changed. A lone change is written to ``state.json`` at once; a burst
(a dragged slider) costs at most one ``state.json`` write per ``save_delay``, the last
value written when the burst ends. Every change of a burst that is not in ``state.json``
yet is appended to a journal (:mod:`retroboard_renderer.journal`) and made durable with
``fdatasync`` before :meth:`StateStore.after_saved` lets its answer out; one
``fdatasync`` covers every change that arrived while the previous one ran (group
commit), and only the newest state waits for it, so a burst never queues up. Once a
state is in ``state.json`` the journal is emptied; at start the newest valid journal
record, if any, is newer than ``state.json`` and wins.

The file being replaced is kept as the last-good copy. A corrupt file is moved aside and
the last-good copy (or the defaults) is used instead.

When the folder cannot be written (read-only, full), the state stays in memory, the
write is retried every ``retry_delay`` seconds, and :attr:`StateStore.problem` says why
until a write succeeds; listeners hear every change of it (the renderer publishes it as
its health). Answers are not held back then: the change is kept in memory only.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from pydantic import ValidationError

from retroboard_renderer.journal import JOURNAL_FILE, Journal
from retroboard_renderer.state import SavedState

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
LAST_GOOD_FILE = "state.last-good.json"

HealthListener = Callable[[], None]
Action = Callable[[], object]
Cancel = Callable[[], None]
Scheduler = Callable[[float, Callable[[], None]], Cancel]
"""``schedule(delay, action)`` runs ``action`` after ``delay`` seconds; returns a cancel."""


class CommitThread:
    """One daemon thread, started on first use, that runs the actions handed to it in
    order: the journal's group commits. Starting a thread per commit cost more than
    the commit (``Thread.start`` waits for the new thread: 0.5 ms a command)."""

    def __init__(self) -> None:
        self._actions: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the thread, after what was handed to it before."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="state-journal", daemon=True)
                self._thread.start()
        self._actions.put(action)

    def _run(self) -> None:
        while True:
            action = self._actions.get()
            try:
                action()
            except Exception:
                log.exception("a journal commit failed")


def thread_timer(delay: float, action: Callable[[], None]) -> Cancel:
    """Run ``action`` on a daemon :class:`threading.Timer` thread after ``delay`` s."""
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer.cancel


class StateStore:
    """Loads and saves :class:`SavedState` in one folder.

    ``clock`` and ``schedule`` time the delayed writes; the journal's group commits run
    on a :class:`CommitThread`, or, with a ``schedule`` of the caller's (a test's fake
    clock), as ``schedule(0, ...)``, so that the test drives them.
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
        self._commit_soon: Callable[[Callable[[], None]], object] = (
            CommitThread().submit if schedule is thread_timer else partial(schedule, 0)
        )
        self.save_delay = save_delay
        self.retry_delay = retry_delay
        self.path = directory / STATE_FILE
        self.last_good_path = directory / LAST_GOOD_FILE
        self.write_error: str | None = None
        """Why the last write failed (read-only or full disk); ``None`` once one succeeds."""
        self.load_error: str | None = None
        """Why the state file could not be used at boot (kept until the next start)."""
        self.writes = 0
        self.write_failures = 0
        """Journal appends and state-file writes that failed (each retried later)."""
        self._health_listeners: list[HealthListener] = []
        self._written: bytes | None = None
        self._pending: bytes | None = None
        self._timer: Cancel | None = None
        self._last_write = -float("inf")
        self._lock = threading.Lock()
        self.journal = Journal(directory / JOURNAL_FILE)
        self.commits = 0
        """How many ``fdatasync`` group commits of the journal were made."""
        self._latest: bytes | None = None
        self._seq = 0  # counts saves; an answer waits for the seq it follows
        self._written_seq = 0  # the seq in state.json
        self._settled_seq = 0  # every seq up to this one is durable (or kept in memory)
        self._queued: tuple[int, bytes] | None = None  # the newest state for the journal
        self._committing = False
        self._waiting: list[tuple[int, Action]] = []

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
                return self._newer_in_journal() or state
        return self._newer_in_journal()

    def _newer_in_journal(self) -> SavedState | None:
        """The newest journal record: a change acknowledged after ``state.json``."""
        try:
            data = self.journal.newest()
        except OSError as exc:
            log.error("cannot read %s: %s", self.journal.path, exc)
            return None
        if data is None:
            return None
        try:
            state = SavedState.model_validate_json(data)
        except ValidationError:
            log.error("the newest record of %s is invalid; ignoring it", self.journal.path)
            return None
        log.info("restored the newest change from %s", self.journal.path.name)
        return state

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
        that interval is over (nothing at all if it did not change); meanwhile it goes
        to the journal, and :meth:`after_saved` holds answers until it is there."""
        data = state.model_dump_json(indent=2).encode()
        with self._lock:
            if data == self._latest:
                return
            self._latest = data
            self._seq += 1
            if data == self._written and not self.journal.dirty and self._queued is None:
                self._pending = None
                self._settle(self._seq)
                ready = self._ready()
            else:
                self._pending = data
                ready = self._schedule_pending(state)
        self._run(ready)

    def after_saved(self, action: Action) -> None:
        """Run ``action`` once every state saved so far is durable: at once when it is
        (a lone change was written before :meth:`save` returned), else on the thread of
        the journal commit or ``state.json`` write that makes it so. A write that fails
        lets ``action`` run too: the state is then kept in memory (see :attr:`problem`)."""
        with self._lock:
            if self._settled_seq < self._seq:
                self._waiting.append((self._seq, action))
                return
        action()

    def flush(self) -> None:
        """Write any pending change to ``state.json`` now."""
        with self._lock:
            if self._timer is not None:
                self._timer()
                self._timer = None
            self._write_pending()
            ready = self._ready()
        self._run(ready)

    def _schedule_pending(self, state: SavedState) -> list[Action]:
        """Write the pending state now, or journal it and write it when the interval is
        over; returns the answers now free to go. Called with the lock held."""
        if self._timer is None:
            wait = self._last_write + self.save_delay - self._clock()
            if wait <= 0:
                self._write_pending()
                return self._ready()
            self._timer = self._schedule(wait, self.flush)
        # A write is scheduled and will take the newest data; until then, the journal.
        self._queued = (self._seq, state.model_dump_json().encode())  # one line
        if not self._committing:
            self._committing = True
            self._commit_soon(self._commit)
        return []

    def _commit(self) -> None:
        """Group commit: append the newest queued state and ``fdatasync`` it, again and
        again while states arrive; each round frees every answer queued before it."""
        while True:
            with self._lock:
                queued, self._queued = self._queued, None
                if queued is None:
                    self._committing = False
                    return
                seq, line = queued
                if seq <= self._written_seq:
                    continue  # state.json has it (or a newer state) already
                try:
                    self.journal.append(line)
                except OSError as exc:
                    ready = self._journal_failed(seq, exc)
                    line = b""
            if line:
                ready = self._sync(seq)
            self._run(ready)

    def _sync(self, seq: int) -> list[Action]:
        # Outside the lock: saves arriving meanwhile queue up for the next round.
        try:
            self.journal.sync()
        except OSError as exc:
            with self._lock:
                return self._journal_failed(seq, exc)
        with self._lock:
            self.commits += 1
            self._settle(seq)
            return self._ready()

    def _journal_failed(self, seq: int, exc: OSError) -> list[Action]:
        # Keep running with the state in memory; the scheduled state.json write retries.
        log.error("cannot append to %s: %s", self.journal.path, exc)
        self.write_failures += 1
        self._set_write_error(f"cannot save state: {exc.strerror or exc}")
        self._settle(seq)
        return self._ready()

    def _settle(self, seq: int) -> None:
        self._settled_seq = max(self._settled_seq, seq)

    def _ready(self) -> list[Action]:
        """Take the answers whose state is settled (run them after the lock is let go)."""
        ready = [action for seq, action in self._waiting if seq <= self._settled_seq]
        if ready:
            self._waiting = [(s, a) for s, a in self._waiting if s > self._settled_seq]
        return ready

    @staticmethod
    def _run(actions: list[Action]) -> None:
        for action in actions:
            try:
                action()
            except Exception:
                log.exception("an action after saving failed")

    def _write_pending(self) -> None:
        data, self._pending = self._pending, None
        seq = self._seq
        if data is None or (data == self._written and not self.journal.dirty):
            return
        self._last_write = self._clock()
        try:
            self._write(data)
            # The journal's records are older now; left behind, they would win at start.
            self.journal.clear()
        except OSError as exc:
            # Keep running with the state in memory; retry later (or on the next change).
            log.error("cannot save state to %s: %s", self.path, exc)
            self.write_failures += 1
            if self._pending is None:
                self._pending = data
            if self._timer is None:
                self._timer = self._schedule(self.retry_delay, self.flush)
            self._set_write_error(f"cannot save state: {exc.strerror or exc}")
            self._settle(seq)
            return
        self._written = data
        self._written_seq = seq
        self._settle(seq)
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
