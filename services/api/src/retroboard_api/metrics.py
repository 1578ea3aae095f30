"""Prometheus metrics of one api process, served at ``GET /metrics``.

:class:`ApiMetrics` owns a ``CollectorRegistry`` of its own and every metric object,
made once per app: ``create_app`` runs many times in one test process, and the global
default registry would refuse the second registration of each name. The other modules
call its typed methods; nothing here allocates a metric object per request.

What it counts is this process's own: with ``RETROBOARD_API_WORKERS`` above 1, a
scrape reaches one worker, like any request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, Final

from flask import Blueprint, Flask, Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from retroboard_api.guards import check_bearer
from retroboard_common.contract import BOARD_STATUS_EVENT, FRAME_EVENT
from retroboard_common.topics import STATE_NAMES

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

METRICS_PATH: Final = "/metrics"
SOCKETIO_PREFIX: Final = "/socket.io/"
"""What python-engineio's middleware takes (Flask-SocketIO's default path)."""
SOCKETIO_ROUTE: Final = "/socket.io"
UNMATCHED_ROUTE: Final = "unmatched"
OTHER: Final = "other"
"""The label of a method or event outside the known ones: labels stay bounded."""
RECORD_KEY: Final = "retroboard.metrics"
"""The WSGI environ key of the request's :class:`_Record`."""

METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
EMITTED_EVENTS: Final = (*STATE_NAMES, BOARD_STATUS_EVENT, FRAME_EVENT)
"""The events the api and the bridge send clients."""

SUCCESS: Final = "success"
TIMEOUT: Final = "timeout"
OFFLINE: Final = "offline"
REFUSED: Final = "refused"
"""The result of a refusal that came without an error code."""


class ApiMetrics:
    """The registry and metric objects of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "retroboard_api_requests",
            "HTTP requests, by method, URL rule and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.request_duration = Histogram(
            "retroboard_api_request_duration_seconds",
            "Time to handle an HTTP request (a websocket's: the whole connection)",
            ["route"],
            registry=registry,
        )
        self.socketio_clients = Gauge(
            "retroboard_api_socketio_clients",
            "Socket.IO clients connected to this process",
            registry=registry,
        )
        self.events_emitted = Counter(
            "retroboard_api_socketio_events_emitted",
            "Socket.IO events emitted to this process's clients, by event name",
            ["event"],
            registry=registry,
        )
        self.command_roundtrip = Histogram(
            "retroboard_api_command_roundtrip_seconds",
            "From publishing a command on MQTT to the renderer's response",
            ["verb"],
            registry=registry,
        )
        self.commands = Counter(
            "retroboard_api_commands",
            "Commands sent to renderers, by verb and result (success, error code, "
            "timeout, offline)",
            ["verb", "result"],
            registry=registry,
        )
        self.mqtt_connected = Gauge(
            "retroboard_api_mqtt_connected",
            "1 while the api's MQTT client is connected to the broker, else 0",
            registry=registry,
        )
        # Label children by their values, so the hot paths skip labels()' lock and checks.
        self._request_counts: dict[tuple[str, str, str], Any] = {}
        self._durations: dict[str, Any] = {}
        # Every known event from the start: a dashboard's rate() sees 0, not "no data".
        self._events = {event: self.events_emitted.labels(event) for event in EMITTED_EVENTS}
        self._other_event = self.events_emitted.labels(OTHER)

    # --- HTTP ----------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: str, seconds: float) -> None:
        """Count one request and its handling time."""
        key = (method if method in METHODS else OTHER, route, status)
        counter = self._request_counts.get(key)
        if counter is None:
            counter = self._request_counts.setdefault(key, self.requests.labels(*key))
        counter.inc()
        duration = self._durations.get(route)
        if duration is None:
            duration = self._durations.setdefault(route, self.request_duration.labels(route))
        duration.observe(seconds)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)

    # --- Socket.IO -----------------------------------------------------------------

    def watch_socketio_clients(self, count: Callable[[], int]) -> None:
        """Read the number of connected clients from ``count`` at each scrape."""
        self.socketio_clients.set_function(lambda: float(count()))

    def event_emitted(self, event: str) -> None:
        """Count one event emitted (to one client, a room or everyone)."""
        self._events.get(event, self._other_event).inc()

    def count_queued_emits(self, manager: Any) -> None:
        """Count the emits ``manager`` (a python-socketio ``PubSubManager``) takes from
        the message queue: the bridge's live changes and frames.

        ``PubSubManager`` hands every emit of the queue, and every local emit not sent
        with ``ignore_queue``, to its ``_handle_emit``; the api's own emits go with
        ``ignore_queue`` and are counted by :meth:`event_emitted` where they are made.
        """
        handle_emit = getattr(manager, "_handle_emit", None)
        if handle_emit is None:
            return  # the in-process manager: no queue
        original: Callable[[dict[str, Any]], Any] = handle_emit

        def counted(message: dict[str, Any]) -> Any:
            event = message.get("event")
            self.event_emitted(event if isinstance(event, str) else OTHER)
            return original(message)

        manager._handle_emit = counted

    # --- commands and MQTT ---------------------------------------------------------

    def command_finished(self, verb: str, result: str, seconds: float | None = None) -> None:
        """Count one command by ``result``; ``seconds``: its round trip, when answered."""
        self.commands.labels(verb, result).inc()
        if seconds is not None:
            self.command_roundtrip.labels(verb).observe(seconds)

    def watch_mqtt(self, connected: Callable[[], bool]) -> None:
        """Read the MQTT connection's state from ``connected`` at each scrape."""
        self.mqtt_connected.set_function(lambda: 1.0 if connected() else 0.0)


class _Record:
    """What one request's metrics need to learn on its way: its status (as the
    ``start_response`` the app calls) and its route (from :func:`_remember_route`).

    An object in the environ, not values: Flask-SocketIO hands the app a copy of the
    environ, so a key set there would never reach the middleware.
    """

    __slots__ = ("route", "start_response", "status")

    def __init__(self, start_response: Callable[..., Any], route: str) -> None:
        self.start_response = start_response
        self.route = route
        self.status = ""

    def __call__(self, status_line: str, headers: Any, *exc_info: Any) -> Any:
        self.status = status_line[:3]
        return self.start_response(status_line, headers, *exc_info)


class RequestMetrics:
    """WSGI middleware counting and timing every request, Socket.IO's included.

    Outermost, so it sees what no Flask hook does: Engine.IO's own requests and those
    the host guard refuses. The route is the URL rule Flask matched (see
    :func:`_remember_route`), ``/socket.io`` for Engine.IO, else ``unmatched``: never
    the raw path, whose values are unbounded.
    """

    def __init__(self, app: WsgiApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer the request, then count it."""
        started = time.perf_counter()
        path: str = environ.get("PATH_INFO") or ""
        route = SOCKETIO_ROUTE if path.startswith(SOCKETIO_PREFIX) else UNMATCHED_ROUTE
        record = environ[RECORD_KEY] = _Record(start_response, route)
        try:
            return self.app(environ, record)
        finally:
            # Timed to the response's start: Flask builds its bodies before returning,
            # and a websocket's app returns when the connection ends.
            self.metrics.observe_request(
                environ.get("REQUEST_METHOD", ""),
                record.route,
                record.status or _status_without_response(environ),
                time.perf_counter() - started,
            )


def _status_without_response(environ: dict[str, Any]) -> str:
    """A websocket's app never starts a response (the server sent 101); any other app
    that does not raised, and the server answers 500."""
    return "101" if environ.get("HTTP_UPGRADE", "").lower() == "websocket" else "500"


def _remember_route() -> None:
    """Give the request's record the URL rule Flask matched (none for a 404/405)."""
    rule = request.url_rule
    record = request.environ.get(RECORD_KEY)
    if rule is not None and record is not None:
        record.route = rule.rule


def install_metrics(app: Flask, metrics: ApiMetrics, token: str | None) -> None:
    """Serve ``GET /metrics`` (behind ``token`` when set) and count every request.

    Call last in ``create_app``: the middleware must wrap the host guard and Socket.IO.
    ``/metrics`` is left out of the OpenAPI document, like the dashboard: it is no
    part of the REST API. It needs the token even when reads are public.
    """
    # First of the before_request hooks: a guard that refuses the request skips the rest.
    app.before_request_funcs.setdefault(None, []).insert(0, _remember_route)

    bp = Blueprint("metrics", __name__)

    @bp.get(METRICS_PATH)
    def scrape() -> Response:
        """Every metric of this process, in the Prometheus text format."""
        if token is not None:
            check_bearer(token)
        return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)

    app.register_blueprint(bp)
    app.wsgi_app = RequestMetrics(app.wsgi_app, metrics)  # type: ignore[method-assign]
