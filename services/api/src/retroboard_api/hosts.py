"""Which ``Host`` headers the api answers: a guard against DNS rebinding.

A page on ``evil.example`` whose name an attacker re-points at the board's address
reaches the api with ``Host: evil.example``, and as the browser sees the same origin,
the origin check passes. So every request (REST, the dashboard, Socket.IO on both
transports) whose ``Host`` is not the api's own is refused with 421 before anything
runs. The api's own: ``localhost`` and ``*.localhost``, any ``*.local`` (mDNS) name,
this machine's host names, any IP address (a rebinding page needs a name of its own),
the hosts of ``RETROBOARD_CORS_ORIGINS`` and those ``RETROBOARD_ALLOWED_HOSTS`` adds.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from retroboard_api.errors import wsgi_json_error

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

ALWAYS_SUFFIXES = (".localhost", ".local")


def machine_names() -> set[str]:
    """This machine's host names, short and fully qualified."""
    names = {socket.gethostname(), socket.getfqdn()}
    return {name.lower().rstrip(".") for name in names if name}


class HostPolicy:
    """Whether a ``Host`` header names this api."""

    def __init__(self, allowed: Iterable[str] = (), origins: Iterable[str] = ()) -> None:
        entries = list(allowed)
        self.any = "*" in entries
        self.suffixes = ALWAYS_SUFFIXES + tuple(
            entry[1:] for entry in entries if entry.startswith("*.")
        )
        hosts_of_origins = (urlsplit(origin).hostname for origin in origins if origin != "*")
        self.names = (
            {"localhost"}
            | machine_names()
            | {entry for entry in entries if not entry.startswith("*")}
            | {host.lower() for host in hosts_of_origins if host}
        )

    def allows(self, host_header: str | None) -> bool:
        """Whether a request with this ``Host`` (``name[:port]``) is for us."""
        if self.any or not host_header:
            return True  # no Host (HTTP/1.0, scripts): no browser, no rebinding
        name = hostname(host_header)
        if name is None:
            return False
        if is_ip_address(name) or name in self.names:
            return True
        return name.endswith(self.suffixes)


def hostname(host_header: str) -> str | None:
    """The name of ``Host: name[:port]`` / ``[v6]:port``, lower case; ``None`` if malformed."""
    try:
        parts = urlsplit(f"//{host_header.strip()}")
        parts.port  # noqa: B018  # raises ValueError on a port that is no number
    except ValueError:  # also an unclosed "[" of an IPv6 address
        return None
    name = parts.hostname
    return name.rstrip(".") if name else None


def is_ip_address(name: str) -> bool:
    """Whether ``name`` is an IPv4 or IPv6 address literal."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostGuard:
    """WSGI middleware: 421 with a JSON error for a ``Host`` that :class:`HostPolicy`
    refuses. Outermost, so Socket.IO's own WSGI app is behind it too."""

    def __init__(self, app: WsgiApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer the request, or refuse it."""
        host = environ.get("HTTP_HOST")
        if self.policy.allows(host):
            return self.app(environ, start_response)
        error = f"this api does not answer for host {str(host)[:100]!r} (RETROBOARD_ALLOWED_HOSTS)"
        return wsgi_json_error(start_response, 421, error)
