"""Keep live preview frames coming while someone in this process watches a board.

The renderer sends frames only for ``ttl`` seconds after a ``cmd/preview``; this keeper
renews that every ``interval`` seconds for each board whose ``preview:<board>`` room
has members here. Frames reach the room through the bridge, not through the api.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from retroboard_common.contract import preview_room
from retroboard_common.topics import BoardTopics

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], object]

RENEW_INTERVAL = 5.0
FRAME_TTL = 10.0


class RoomServer(Protocol):
    """The part of Flask-SocketIO's ``SocketIO`` the keeper needs."""

    server: Any

    def start_background_task(self, target: Callable[..., object], *args: Any) -> Any:
        """Run ``target`` as a thread or greenlet, per the async mode."""

    def sleep(self, seconds: float = 0) -> None:
        """Sleep without blocking other greenlets."""


class PreviewKeeper:
    """Renews ``cmd/preview`` for the boards watched in this process."""

    def __init__(
        self,
        socketio: RoomServer,
        publish: Publish,
        *,
        interval: float = RENEW_INTERVAL,
        ttl: float = FRAME_TTL,
    ) -> None:
        self.socketio = socketio
        self.publish = publish
        self.interval = interval
        self.ttl = ttl
        self._boards: set[str] = set()
        self._lock = threading.Lock()
        self._running = False

    def watch(self, board: str) -> None:
        """A client joined ``board``'s preview room: ask for frames now."""
        with self._lock:
            self._boards.add(board)
        self.renew(board)

    def renew(self, board: str) -> None:
        """Ask ``board``'s renderer for ``ttl`` more seconds of frames (fire and forget)."""
        body = json.dumps({"ttl": self.ttl}, separators=(",", ":")).encode()
        self.publish(BoardTopics(board).cmd("preview"), body)

    def watched(self) -> list[str]:
        """Boards whose preview room has members in this process (forgets the others)."""
        manager = self.socketio.server.manager
        with self._lock:
            boards = sorted(self._boards)
        watched = [b for b in boards if any(manager.get_participants("/", preview_room(b)))]
        with self._lock:
            self._boards.intersection_update(watched)
        return watched

    def start(self) -> None:
        """Start renewing in the background."""
        if not self._running:
            self._running = True
            self.socketio.start_background_task(self._run)

    def stop(self) -> None:
        """Stop renewing (at the next tick)."""
        self._running = False

    def _run(self) -> None:
        while self._running:
            self.socketio.sleep(self.interval)
            if not self._running:
                break
            try:
                for board in self.watched():
                    self.renew(board)
            except Exception:
                log.exception("renewing previews failed")
