"""The api's gevent worker: gevent-websocket's, with limits on slow and greedy clients.

A slow-request attack (thousands of sockets, each sending a header line now and then
and never finishing) used to hold every one of a worker's connections, so the api
answered no one. Here:

- the request head (request line and headers) must arrive within
  ``RETROBOARD_API_HEADER_TIMEOUT`` seconds of the connection asking for it, however
  often a byte trickles in; that is also how long an idle keep-alive connection may
  wait for its next request. Overdue, a half-sent head gets ``408``, an idle
  connection is just closed;
- one client address holds at most ``RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS`` open
  connections per worker; more are answered ``429`` and closed at once. A peer listed
  in ``RETROBOARD_TRUSTED_PROXIES`` is not capped: the proxy carries everyone's
  connections and applies its own limits (docs/deploy.md).
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from typing import Any, ClassVar

import gevent
from geventwebsocket.gunicorn.workers import GeventWebSocketWorker
from geventwebsocket.handler import WebSocketHandler

from retroboard_api.client_address import Network, client_key, is_trusted


class HeadTimeout(socket.timeout):
    """The request head did not arrive in time."""


def raw_json_response(status: str, error: str) -> bytes:
    """A complete HTTP/1.1 response with our JSON error body, closing the connection.

    Written out here rather than through :mod:`retroboard_api.errors`: gunicorn's master
    imports this module for the worker class, and must not import Flask.
    """
    body = json.dumps({"success": False, "error": error, "details": []}).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class GuardedHandler(WebSocketHandler):  # type: ignore[misc]  # gevent-websocket is untyped
    """gevent-websocket's handler with a deadline on the request head and a cap per
    address. The limits are set once per worker by :meth:`configure`."""

    header_timeout: ClassVar[float] = 10.0
    per_address: ClassVar[int] = 200
    trusted_proxies: ClassVar[tuple[Network, ...]] = ()
    open_by_address: ClassVar[Counter[str]] = Counter()  # one worker, one event loop

    _head_deadline: gevent.Timeout | None = None

    @classmethod
    def configure(
        cls, header_timeout: float, per_address: int, trusted_proxies: tuple[Network, ...]
    ) -> None:
        """Set the limits (in the worker, from the api's settings)."""
        cls.header_timeout = header_timeout
        cls.per_address = per_address
        cls.trusted_proxies = trusted_proxies

    def handle(self) -> None:
        """Serve the connection unless its address already holds its share."""
        peer = self.client_address[0] if isinstance(self.client_address, tuple) else ""
        # A trusted proxy carries everyone's connections and applies its own limits.
        address = (
            None if is_trusted(peer, self.trusted_proxies) else client_key({"REMOTE_ADDR": peer})
        )
        if address is not None and self.open_by_address[address] >= self.per_address:
            self._refuse(
                "429 Too Many Requests",
                "too many connections from this address "
                "(RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS)",
            )
            return
        if address is not None:
            self.open_by_address[address] += 1
        try:
            super().handle()
        finally:
            self._end_head_deadline()
            if address is not None:
                self.open_by_address[address] -= 1
                if self.open_by_address[address] <= 0:
                    del self.open_by_address[address]

    def read_requestline(self) -> Any:
        """Start the clock on the request head, then read its first line."""
        self._end_head_deadline()
        self._head_deadline = gevent.Timeout(self.header_timeout, HeadTimeout())
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
            error = f"the request head took over {self.header_timeout:g} s"
            return ("408", raw_json_response("408 Request Timeout", error))
        return super()._handle_client_error(ex)

    def _end_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.close()
            self._head_deadline = None

    def _refuse(self, status: str, error: str) -> None:
        try:
            self.socket.sendall(raw_json_response(status, error))
            self.socket.shutdown(socket.SHUT_WR)
            # What the client sent already, read without waiting: closing a socket with
            # unread data resets it, and the client would never see the answer.
            self.socket.setblocking(False)
            self.socket.recv(65536)
        except OSError:
            pass  # nothing to read, or the client left already
        finally:
            self.socket.close()


class GuardedWorker(GeventWebSocketWorker):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's gevent worker serving with :class:`GuardedHandler`."""

    wsgi_handler = GuardedHandler
