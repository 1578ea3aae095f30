"""gunicorn, run programmatically with the project's configuration.

The Flask app is created in ``load``, which gunicorn calls in the worker process
(after the gevent worker monkey-patched), so the MQTT connection and background
tasks never live in the master. ``retroboard-api`` runs :class:`SlimApiServer` (see
:mod:`retroboard_api.master`): its master does not even import the settings.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from retroboard_api.settings import ApiSettings

GEVENT_WORKER = "retroboard_api.gevent_worker.GuardedWorker"
GTHREAD_WORKER = "retroboard_api.thread_worker.GuardedThreadWorker"


def bind_address(host: str, port: int) -> str:
    """gunicorn's ``bind`` for ``host`` (IPv6 in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(settings: ApiSettings) -> dict[str, Any]:
    """gunicorn settings for the api."""
    options: dict[str, Any] = {
        "bind": [bind_address(settings.host, settings.port)],
        "workers": settings.workers,
        "proc_name": "retroboard-api",
        "control_socket_disable": True,  # gunicorn 27 would create ~/.gunicorn/gunicorn.ctl
        "graceful_timeout": 3,  # websockets never finish on their own; don't wait long
        "timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "worker_exit": _worker_exit,
    }
    if settings.worker_class == "gevent":
        options |= {"worker_class": GEVENT_WORKER, "worker_connections": settings.max_connections}
    else:
        options |= {"worker_class": GTHREAD_WORKER, "threads": settings.threads}
    return options


class ApiServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn serving the RetroBoard api."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        super().__init__(prog="retroboard-api")

    def load_config(self) -> None:
        """Apply :func:`gunicorn_options`."""
        for key, value in self.options().items():
            self.cfg.set(key, value)

    def options(self) -> dict[str, Any]:
        """The gunicorn settings to apply."""
        return gunicorn_options(self.settings)

    def worker_settings(self) -> ApiSettings:
        """The api's settings, in the worker."""
        return self.settings

    def load(self) -> Any:
        """Create and start the app (runs in the worker)."""
        # Imported here: the master never builds the app nor imports Flask.
        settings = self.worker_settings()
        from retroboard_api.connection_limits import LIMITS

        LIMITS.configure(
            settings.header_timeout,
            settings.max_connections_per_address,
            tuple(settings.trusted_proxy_networks),
        )
        _import_socketio_lean(redis_queue=settings.redis_queue)
        from retroboard_api.app import create_app
        from retroboard_api.sio_manager import create_client_manager

        app = create_app(settings, client_manager=create_client_manager(settings))
        app.extensions["retroboard"].start()
        return app


class SlimApiServer(ApiServer):
    """:class:`ApiServer` whose master holds only gunicorn's options, not the settings.

    ``options`` are :func:`gunicorn_options` as checked by ``retroboard-api`` (without
    the hooks, which are added back here); each worker loads the settings again from
    the same environment and ``argv``, as ``retroboard-api`` did.
    """

    def __init__(self, options: dict[str, Any], argv: Sequence[str]) -> None:
        self._options = options
        self.argv = list(argv)
        BaseApplication.__init__(self, prog="retroboard-api")

    def options(self) -> dict[str, Any]:
        """The options given, with the hooks."""
        return {**self._options, "worker_exit": _worker_exit}

    def worker_settings(self) -> ApiSettings:
        """Load the settings and set up logging as ``retroboard-api`` did."""
        from retroboard_api.cli import load_api_settings
        from retroboard_common.logs import configure_logging

        settings = load_api_settings(self.argv)
        configure_logging(settings.log_level, [settings.mqtt.password, settings.api_token])
        return settings


def _import_socketio_lean(redis_queue: bool) -> None:
    """Import python-socketio without the libraries the api worker never uses.

    ``socketio/__init__`` imports its clients (``engineio.client``: requests and
    websocket-client) and its Redis manager (redis) whenever they are installed. The
    api only serves Socket.IO, and uses Redis only as the queue that
    ``SOCKETIO_MESSAGE_QUEUE`` names. Those libraries are hidden while the package
    loads (its modules keep ``None`` for them, as when they are not installed) and are
    importable again right after. Measured: the worker's RSS 11 MB lower (redis 5.7 MB,
    requests and websocket-client 5.2 MB).
    """
    if "socketio" in sys.modules:
        return
    unused = ("requests", "websocket") if redis_queue else ("requests", "websocket", "redis")
    hidden = [name for name in unused if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import" raises ImportError
    try:
        import socketio  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def _worker_exit(_server: Any, worker: Any) -> None:
    """Disconnect from the broker cleanly when a worker stops."""
    app = getattr(worker, "wsgi", None)
    runtime = getattr(app, "extensions", {}).get("retroboard")
    if runtime is not None:
        runtime.stop()
