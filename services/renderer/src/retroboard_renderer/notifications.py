"""Notifications: the one on show, the queue behind it, and when each one ends.

Pure logic on an injected monotonic clock (the board's). A notification ends after its
``duration``, or after ``repeat`` scroll passes when its text scrolls, or, with
``hold``, only when dismissed. ``stack: false`` replaces the one on show instead of
queueing behind it.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Final, Protocol

from retroboard_common.custom_apps import (
    DEFAULT_NOTIFICATION_DURATION,
    NotificationConfig,
    plain_text,
)
from retroboard_common.models import NotificationInfo, NotificationState

MAX_QUEUED: Final = 32
"""Notifications that may wait behind the one on show."""


class Scroller(Protocol):
    """What the queue needs of the app drawing a notification."""

    @property
    def passes(self) -> int:
        """Complete scroll passes since it came on screen."""

    @property
    def scrolls(self) -> bool:
        """Whether its text scrolls at this panel size."""

    def restart(self, now: float) -> None:
        """Start again from the beginning."""


@dataclass
class Notification:
    """One pushed notification and the app that draws it."""

    id: int
    config: NotificationConfig
    app: Scroller
    shown_since: float | None = None

    @property
    def duration(self) -> float:
        """Seconds it shows, unless held or counted in passes."""
        configured = self.config.duration
        return float(DEFAULT_NOTIFICATION_DURATION if configured is None else configured)

    def info(self) -> NotificationInfo:
        """Its entry in ``state/notification``."""
        return NotificationInfo(
            id=self.id,
            text=plain_text(self.config),
            icon=self.config.icon or None,
            duration=self.duration,
            repeat=self.config.repeat,
            hold=self.config.hold,
            wakeup=self.config.wakeup,
        )

    def ends_at(self) -> float | None:
        """When its time is up (``None``: held, counted in passes, or not shown yet)."""
        if self.config.hold or self.shown_since is None or self._counts_passes():
            return None
        return self.shown_since + self.duration

    def done(self, now: float) -> bool:
        """Whether it has shown long enough."""
        if self.config.hold or self.shown_since is None:
            return False
        if self._counts_passes():
            return self.app.passes >= self.config.repeat
        return now >= self.shown_since + self.duration

    def _counts_passes(self) -> bool:
        return self.config.repeat > 0 and self.app.scrolls


class QueueFull(Exception):
    """More than :data:`MAX_QUEUED` notifications would wait."""


class NotificationQueue:
    """The notification on show and the ones waiting, oldest first."""

    def __init__(self) -> None:
        self.current: Notification | None = None
        self._waiting: deque[Notification] = deque()
        self._ids = itertools.count(1)

    @property
    def active(self) -> bool:
        """Whether a notification is on show."""
        return self.current is not None

    def accepts(self, config: NotificationConfig) -> bool:
        """Whether :meth:`push` would take a notification with ``config`` now."""
        return not (config.stack and self.current is not None and self.full)

    @property
    def full(self) -> bool:
        """Whether :data:`MAX_QUEUED` notifications wait already."""
        return len(self._waiting) >= MAX_QUEUED

    def configs(self) -> list[NotificationConfig]:
        """The config of every notification on show or waiting."""
        shown = [self.current] if self.current else []
        return [notification.config for notification in (*shown, *self._waiting)]

    def push(
        self, config: NotificationConfig, app: Scroller, now: float, *, ahead: bool = False
    ) -> Notification:
        """Queue a notification (or, with ``stack: false``, show it in place of the one
        on show). ``ahead`` shows it at once and puts the one on show back at the head
        of the queue (a wakeup notification while the panel is dark: the one "on show"
        is seen by nobody). Raises :class:`QueueFull` when the queue is full; nothing
        changes."""
        if not self.accepts(config):
            raise QueueFull
        notification = Notification(next(self._ids), config, app)
        if ahead and self.current is not None and config.stack:
            self.current.shown_since = None
            self._waiting.appendleft(self.current)
            self._start(notification, now)
        elif self.current is None or not config.stack:
            self._start(notification, now)
        else:
            self._waiting.append(notification)
        return notification

    def dismiss(self, now: float) -> bool:
        """End the notification on show (the next one follows); ``False`` if none."""
        if self.current is None:
            return False
        self._next(now)
        return True

    def tick(self, now: float) -> bool:
        """End the current notification if it is done; ``True`` when that changed what
        shows."""
        if self.current is None or not self.current.done(now):
            return False
        self._next(now)
        return True

    def due_at(self) -> float | None:
        """When :meth:`tick` must run next (``None``: only on frames or commands)."""
        return self.current.ends_at() if self.current else None

    def state(self) -> NotificationState:
        """The ``state/notification`` payload."""
        return NotificationState(
            current=self.current.info() if self.current else None,
            queue=[waiting.info() for waiting in self._waiting],
            length=len(self._waiting),
        )

    def _next(self, now: float) -> None:
        self.current = None
        if self._waiting:
            self._start(self._waiting.popleft(), now)

    def _start(self, notification: Notification, now: float) -> None:
        notification.shown_since = now
        notification.app.restart(now)
        self.current = notification
