"""Limits on slow and greedy HTTP clients, shared by the api's two gunicorn workers.

A slow-request attack (thousands of sockets, each sending a header line now and then
and never finishing) used to hold every one of a worker's connections, so the api
answered no one. Both workers (:mod:`retroboard_api.gevent_worker`, the default, and
:mod:`retroboard_api.thread_worker`) therefore:

- cut off a request head (request line and headers) that has not arrived within
  ``RETROBOARD_API_HEADER_TIMEOUT`` seconds, however often a byte trickles in;
- let one client address hold at most ``RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS``
  open connections per worker; more are answered ``429`` and closed at once. A peer in
  ``RETROBOARD_TRUSTED_PROXIES`` is not capped: the proxy carries everyone's
  connections and applies its own limits (docs/deploy.md).

gunicorn's master imports the worker classes, so nothing here imports Flask.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field

from retroboard_api.client_address import Network, client_key, is_trusted


def raw_json_response(status: str, error: str) -> bytes:
    """A complete HTTP/1.1 response with our JSON error body, closing the connection.

    Written out here rather than through :mod:`retroboard_api.errors`, which imports
    Flask: gunicorn's master imports the workers.
    """
    body = json.dumps({"success": False, "error": error, "details": []}).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


@dataclass
class Limits:
    """The limits, set once per worker from the api's settings (:meth:`configure`)."""

    header_timeout: float = 10.0
    per_address: int = 200
    trusted_proxies: tuple[Network, ...] = ()

    def configure(
        self, header_timeout: float, per_address: int, trusted_proxies: tuple[Network, ...]
    ) -> None:
        """Set the limits (in the worker, from the api's settings)."""
        self.header_timeout = header_timeout
        self.per_address = per_address
        self.trusted_proxies = trusted_proxies

    def address_of(self, peer: object) -> str | None:
        """The key a connection from ``peer`` counts against; ``None``: not capped."""
        host = peer[0] if isinstance(peer, tuple) else ""
        # A trusted proxy carries everyone's connections and applies its own limits.
        return None if is_trusted(host, self.trusted_proxies) else client_key({"REMOTE_ADDR": host})


LIMITS = Limits()


@dataclass
class ConnectionCounts:
    """Open connections per address; thread-safe (gthread closes them elsewhere)."""

    open: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, address: str | None) -> bool:
        """Count a new connection from ``address``; ``False`` if it has its share."""
        if address is None:
            return True
        with self.lock:
            if self.open[address] >= LIMITS.per_address:
                return False
            self.open[address] += 1
            return True

    def give_back(self, address: str | None) -> None:
        """A connection from ``address`` closed."""
        if address is None:
            return
        with self.lock:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]


TOO_MANY = (
    "429 Too Many Requests",
    "too many connections from this address (RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS)",
)


def refuse(sock: socket.socket, status: str, error: str) -> None:
    """Answer ``status`` on ``sock`` and close it, without waiting for the client."""
    try:
        sock.sendall(raw_json_response(status, error))
        sock.shutdown(socket.SHUT_WR)
        # What the client sent already, read without waiting: closing a socket with
        # unread data resets it, and the client would never see the answer.
        sock.setblocking(False)
        sock.recv(65536)
    except OSError:
        pass  # nothing to read, or the client left already
    finally:
        sock.close()
