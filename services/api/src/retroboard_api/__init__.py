"""RetroBoard api: REST commands, the Socket.IO server and the dashboard.

``create_app`` is imported on first use: the ``retroboard-api`` gunicorn master imports
this package too and must not import Flask-SocketIO (python-socketio pulls in ssl users
that gevent's worker could then no longer patch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retroboard_api.settings import ApiSettings

if TYPE_CHECKING:
    from retroboard_api.app import create_app

__all__ = ["ApiSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from retroboard_api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
