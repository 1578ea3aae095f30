"""The latency baseline: a bare Flask-SocketIO app that emits inside the request handler.

    .venv/bin/python -m bench.baseline --port 5099

It runs under the same gunicorn configuration as ``retroboard-api`` (same worker class,
one worker, same Socket.IO async mode) so that the stack's fan-out can be stated as a
ratio to what Flask-SocketIO itself costs: no MQTT, no renderer, no bridge, no queue.
``POST /api/settings {"brightness": n}`` emits ``settings`` to every client at once and
returns.
"""

from __future__ import annotations

import argparse
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from retroboard_api.server import configure_connection_limits, gunicorn_options
from retroboard_api.settings import ApiSettings


def create_app(async_mode: str) -> Any:
    """The bare app (imported in the worker, after gevent's monkey patching)."""
    from flask import Flask, request
    from flask_socketio import SocketIO

    app = Flask("retroboard-baseline")
    socketio = SocketIO(app, async_mode=async_mode, cors_allowed_origins="*")

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"success": True}

    @app.post("/api/settings")
    def settings() -> dict[str, Any]:
        body = request.get_json()
        payload = {"brightness": int(body["brightness"])}
        socketio.emit("settings", payload)
        return {"success": True, **payload}

    return app


class BaselineServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn with the api's options, serving :func:`create_app`."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        super().__init__(prog="retroboard-baseline")

    def load_config(self) -> None:
        options = gunicorn_options(self.settings)
        options.pop("worker_exit", None)
        options["proc_name"] = "retroboard-baseline"
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        configure_connection_limits(self.settings)  # the api's per-address limit too
        return create_app(self.settings.async_mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5099)
    args = parser.parse_args()
    settings = ApiSettings(host="127.0.0.1", port=args.port, log_level="WARNING")
    BaselineServer(settings).run()


if __name__ == "__main__":
    main()
