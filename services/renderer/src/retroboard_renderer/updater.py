"""Fetching apps' data on worker threads, each app on its own interval.

An app's :meth:`~retroboard_renderer.apps.base.App.update` may take seconds (a slow
weather server); it never runs on the render thread or under the render lock, so the
panel keeps its frame rate. A failing update leaves the app's last good data on show,
marked stale, with the error in the instance's state; it is tried again after the
app's retry delay.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from retroboard_renderer.apps.base import App

log = logging.getLogger(__name__)

WORKERS: Final = 4
"""Updates that may run at once: one slow server must not hold up the others."""
MAX_ERROR_LENGTH: Final = 300


@dataclass
class UpdateStatus:
    """How an instance's fetching goes."""

    stale: bool = False
    error: str | None = None


StatusListener = Callable[[str], None]


class Updater:
    """Runs each tracked app's ``update()`` when it is due, on a pool of threads."""

    def __init__(
        self,
        on_status: StatusListener,
        *,
        clock: Callable[[], float] = time.monotonic,
        executor: Executor | None = None,
    ) -> None:
        self._on_status = on_status
        self._clock = clock
        self._executor = executor
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, str]] = []  # (when, tie-breaker, instance id)
        self._order = itertools.count()
        self._apps: dict[str, App[Any]] = {}
        self._status: dict[str, UpdateStatus] = {}
        self._running: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # --- which apps -----------------------------------------------------------------

    def track(self, instance_id: str, app: App[Any]) -> None:
        """Update ``app`` from now on (its first update is due at once)."""
        with self._lock:
            self._apps[instance_id] = app
            self._status[instance_id] = UpdateStatus()
            self._schedule(instance_id, self._clock())

    def forget(self, instance_id: str) -> None:
        """Stop updating an instance (an update running now finishes unheard)."""
        with self._lock:
            self._apps.pop(instance_id, None)
            self._status.pop(instance_id, None)

    def refresh(self, instance_id: str) -> None:
        """Update an instance as soon as possible (e.g. its config changed)."""
        with self._lock:
            if instance_id in self._apps:
                self._schedule(instance_id, self._clock())

    def status(self, instance_id: str) -> UpdateStatus:
        """An instance's fetching status (a fresh one for an untracked id)."""
        with self._lock:
            status = self._status.get(instance_id)
            return UpdateStatus(status.stale, status.error) if status else UpdateStatus()

    # --- running --------------------------------------------------------------------

    def start(self) -> None:
        """Run due updates on a background thread until :meth:`stop`."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="app-update")
        self._thread = threading.Thread(target=self._run, name="app-updater", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scheduling; updates running now are not waited for."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if isinstance(self._executor, ThreadPoolExecutor):
            self._executor.shutdown(wait=False, cancel_futures=True)

    def poll(self) -> float | None:
        """Hand every due update to the executor; returns when the next one is due."""
        due_now: list[str] = []
        with self._lock:
            now = self._clock()
            while self._due and self._due[0][0] <= now:
                _, _, instance_id = heapq.heappop(self._due)
                if instance_id in self._apps and instance_id not in self._running:
                    self._running.add(instance_id)
                    due_now.append(instance_id)
            next_due = self._due[0][0] if self._due else None
        for instance_id in due_now:
            self._submit(instance_id)
        return next_due

    def _submit(self, instance_id: str) -> None:
        executor = self._executor
        if executor is None:
            self._update(instance_id)
            return
        executor.submit(self._update, instance_id)

    def _update(self, instance_id: str) -> None:
        with self._lock:
            app = self._apps.get(instance_id)
        if app is None:
            return
        error: str | None = None
        delay: float | None
        try:
            delay = app.update()
        except Exception as exc:
            error = (str(exc) or type(exc).__name__)[:MAX_ERROR_LENGTH]
            log.info("update of app %r failed: %s", instance_id, error)
            delay = app.retry_delay()
        changed = False
        with self._lock:
            self._running.discard(instance_id)
            if self._apps.get(instance_id) is not app:
                return  # forgotten (or replaced) while it ran
            status = self._status[instance_id]
            stale = error is not None
            changed = (status.stale, status.error) != (stale, error)
            status.stale, status.error = stale, error
            app.stale = stale
            if delay is not None:
                self._schedule(instance_id, self._clock() + max(delay, 0.0))
        if changed:
            self._on_status(instance_id)

    def _schedule(self, instance_id: str, when: float) -> None:
        # Called with the lock held. One entry per instance: a handful of instances,
        # so rebuilding the heap is cheaper than tracking stale entries.
        self._due = [entry for entry in self._due if entry[2] != instance_id]
        heapq.heapify(self._due)
        heapq.heappush(self._due, (when, next(self._order), instance_id))
        self._lock.notify_all()

    def _run(self) -> None:
        while True:
            next_due = self.poll()
            with self._lock:
                if self._stopping:
                    return
                timeout = 60.0 if next_due is None else max(0.0, next_due - self._clock())
                self._lock.wait(min(timeout, 60.0))
                if self._stopping:
                    return
