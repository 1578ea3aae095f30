"""TCP port checks done before anything starts."""

from __future__ import annotations

import errno
import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_problem(host: str, port: int) -> str | None:
    """Why an HTTP server could not listen on ``host:port``, or ``None`` if it could.

    Binds the way gunicorn does (``SO_REUSEADDR``), so a port only in TIME_WAIT is not
    reported busy, while one somebody listens on is.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is already in use; choose another with --port"
            if exc.errno == errno.EACCES:
                return f"no permission to listen on port {port}; use a port above 1023"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def accepts_connections(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on ``host:port`` now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
