"""gunicorn, run programmatically with the project's configuration.

The Flask app is created in ``load``, which gunicorn calls in the worker process
(after the gevent worker monkey-patched), so the MQTT connection and background
tasks never live in the master. ``retroboard-api`` (:mod:`retroboard_api.cli`) checks
the settings, then runs :class:`ApiServer` in the same process, which becomes the
gunicorn master.
"""

from __future__ import annotations

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

    def load(self) -> Any:
        """Create and start the app (runs in the worker)."""
        # Imported here: the master never builds the app nor imports Flask.
        from retroboard_api.app import create_app
        from retroboard_api.sio_manager import create_client_manager

        settings = self.settings
        configure_connection_limits(settings)
        app = create_app(settings, client_manager=create_client_manager(settings))
        app.extensions["retroboard"].start()
        return app


def configure_connection_limits(settings: ApiSettings) -> None:
    """Apply the settings' header timeout and per-address limit to the worker's guard
    (in the worker, which owns the connections)."""
    from retroboard_api.connection_limits import LIMITS

    LIMITS.configure(
        settings.header_timeout,
        settings.max_connections_per_address,
        tuple(settings.trusted_proxy_networks),
    )


def _worker_exit(_server: Any, worker: Any) -> None:
    """Disconnect from the broker cleanly when a worker stops."""
    app = getattr(worker, "wsgi", None)
    runtime = getattr(app, "extensions", {}).get("retroboard")
    if runtime is not None:
        runtime.stop()
