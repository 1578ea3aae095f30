"""The api's gevent worker: gevent-websocket's, with :mod:`retroboard_api.connection_limits`.

The head is read in the connection's greenlet under a ``gevent.Timeout`` started when
the handler asks for a request line, which is also how long an idle keep-alive
connection may wait for its next request. Overdue, a half-sent head gets ``408``, an
idle connection is just closed.
"""

from __future__ import annotations

import socket
from typing import Any, ClassVar

import gevent
from geventwebsocket.gunicorn.workers import GeventWebSocketWorker
from geventwebsocket.handler import WebSocketHandler

from retroboard_api.connection_limits import (
    LIMITS,
    TOO_MANY,
    ConnectionCounts,
    raw_json_response,
    refuse,
)


class HeadTimeout(socket.timeout):
    """The request head did not arrive in time."""


class GuardedHandler(WebSocketHandler):  # type: ignore[misc]  # gevent-websocket is untyped
    """gevent-websocket's handler with a deadline on the request head and a cap per
    address (``LIMITS``, set once per worker from the api's settings)."""

    counts: ClassVar[ConnectionCounts] = ConnectionCounts()
    _head_deadline: gevent.Timeout | None = None

    def handle(self) -> None:
        """Serve the connection unless its address already holds its share."""
        address = LIMITS.address_of(self.client_address)
        if not self.counts.take(address):
            refuse(self.socket, *TOO_MANY)
            return
        try:
            super().handle()
        finally:
            self._end_head_deadline()
            self.counts.give_back(address)

    def read_requestline(self) -> Any:
        """Start the clock on the request head, then read its first line."""
        self._end_head_deadline()
        self._head_deadline = gevent.Timeout(LIMITS.header_timeout, HeadTimeout())
        self._head_deadline.start()
        return super().read_requestline()

    def read_request(self, raw_requestline: str) -> Any:
        """Read the headers; the clock stops once they are in."""
        try:
            return super().read_request(raw_requestline)
        finally:
            self._end_head_deadline()

    def _handle_client_error(self, ex: BaseException) -> Any:
        if isinstance(ex, HeadTimeout):
            error = f"the request head took over {LIMITS.header_timeout:g} s"
            return ("408", raw_json_response("408 Request Timeout", error))
        return super()._handle_client_error(ex)

    def _end_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.close()
            self._head_deadline = None


class GuardedWorker(GeventWebSocketWorker):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's gevent worker serving with :class:`GuardedHandler`."""

    wsgi_handler = GuardedHandler
