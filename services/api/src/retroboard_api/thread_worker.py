"""The api's gthread worker: gunicorn's, with :mod:`retroboard_api.connection_limits`.

A pool thread reads the head blocking, so an overdue one is cut off from the main loop
(gthread's sweep, every second) by shutting its socket down; the connection is then
closed, without an answer.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

from retroboard_api.connection_limits import LIMITS, TOO_MANY, ConnectionCounts, refuse


class GuardedConnection(TConn):  # type: ignore[misc]  # gunicorn is untyped
    """gthread's connection, counted against its address until it closes."""

    def __init__(self, *args: Any, address: str | None, counts: ConnectionCounts) -> None:
        super().__init__(*args)
        self.address = address
        self.counts = counts
        self.head_deadline: float | None = None
        self._counted = True

    def close(self, graceful: bool = False) -> None:
        """Close, and free the address's slot (once)."""
        try:
            super().close(graceful)
        finally:
            if self._counted:
                self._counted = False
                self.counts.give_back(self.address)


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's gthread worker with the per-address cap and the request-head deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts = ConnectionCounts()
        self.reading_heads: set[GuardedConnection] = set()
        self.heads_lock = threading.Lock()

    def accept(self, listener: socket.socket) -> None:
        """Accept a connection, or refuse it if its address holds its share."""
        try:
            client, peer = listener.accept()
        except BlockingIOError:
            return
        except OSError as error:
            if error.errno not in (errno.ECONNABORTED,):
                raise
            return
        address = LIMITS.address_of(peer)
        if not self.counts.take(address):
            refuse(client, *TOO_MANY)
            return
        self.nr_conns += 1
        client.setblocking(True)
        connection = GuardedConnection(
            self.cfg, client, peer, listener.getsockname(), address=address, counts=self.counts
        )
        self.enqueue_req(connection)

    def handle(self, conn: GuardedConnection) -> Any:
        """Read and answer one request, its head under the deadline (a pool thread)."""
        with self.heads_lock:
            conn.head_deadline = time.monotonic() + LIMITS.header_timeout
            self.reading_heads.add(conn)
        try:
            return super().handle(conn)
        finally:
            self._head_read(conn)

    def handle_request(self, req: Any, conn: GuardedConnection) -> Any:
        """The head is in: the deadline no longer applies."""
        self._head_read(conn)
        return super().handle_request(req, conn)

    def murder_pending(self) -> None:
        """gthread's own sweep (every second), then cut off overdue request heads."""
        super().murder_pending()
        now = time.monotonic()
        with self.heads_lock:
            overdue = [c for c in self.reading_heads if (c.head_deadline or now) < now]
            for conn in overdue:
                self.reading_heads.discard(conn)
        for conn in overdue:
            # The pool thread's blocking read ends; gthread closes the connection.
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)

    def _head_read(self, conn: GuardedConnection) -> None:
        with self.heads_lock:
            self.reading_heads.discard(conn)
