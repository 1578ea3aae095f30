"""Checking that an HTTP server can listen on its port, before anything starts."""

from __future__ import annotations

import errno
import socket


def port_problem(host: str, port: int, how_to_change: str) -> str | None:
    """Why an HTTP server could not listen on ``host:port``, or ``None`` if it could.

    Binds the way gunicorn does (``SO_REUSEADDR``), so a port only in TIME_WAIT is not
    reported busy, while one somebody listens on is. ``how_to_change`` ends the message
    of a busy port (``"change RETROBOARD_API_PORT"``).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use ({how_to_change})"
            if exc.errno == errno.EACCES:
                return f"no permission to listen on port {port} (use a port above 1023)"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None
