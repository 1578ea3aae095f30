"""A real Socket.IO server (python-socketio, threading mode) and recording clients.

The server plays the api's part: it uses the queue manager under test as its
``client_manager`` and puts each client in the rooms it asks for on connect.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.support.mosquitto import free_port

PING_EVENT = "_ping"


class _OneRequestHandler(WSGIRequestHandler):
    # HTTP/1.0: close each connection after its request. With keep-alive, Werkzeug
    # reads the websocket's close frame as a new HTTP request and the client waits
    # seconds for a close reply.
    protocol_version = "HTTP/1.0"

    def log_request(self, *_args: object) -> None:
        pass


class SioServer:
    """``socketio.Server`` + Werkzeug on a free port, in a background thread."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self.sio = socketio.Server(async_mode="threading", client_manager=manager)
        self.sio.on("connect", self._on_connect)
        self.port = free_port()
        self._http: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _on_connect(self, sid: str, _environ: dict[str, Any], auth: Any) -> None:
        for room in (auth or {}).get("rooms", []):
            self.sio.enter_room(sid, room)

    def start(self) -> SioServer:
        app = socketio.WSGIApp(self.sio)
        self._http = make_server(
            "127.0.0.1", self.port, app, threaded=True, request_handler=_OneRequestHandler
        )
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if hasattr(self.manager, "close"):
            self.manager.close()


class SioRecorder:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url: str, rooms: list[str]) -> None:
        self.url = url
        self.rooms = rooms
        self.events: list[tuple[str, Any]] = []
        self._cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)

    def _record(self, event: str, data: Any = None) -> None:
        with self._cond:
            self.events.append((event, data))
            self._cond.notify_all()

    def connect(self) -> SioRecorder:
        self.client.connect(
            self.url, transports=["websocket"], auth={"rooms": self.rooms}, wait_timeout=5
        )
        return self

    def disconnect(self) -> None:
        self.client.disconnect()

    def received(self, event: str) -> list[Any]:
        """Every payload received for ``event`` so far."""
        with self._cond:
            return [data for name, data in self.events if name == event]

    def names(self) -> list[str]:
        """Every event name received (pings left out)."""
        with self._cond:
            return [name for name, _ in self.events if name != PING_EVENT]

    def wait_for(
        self, event: str, predicate: Callable[[Any], bool] = lambda _d: True, timeout: float = 5.0
    ) -> Any:
        """The first payload of ``event`` that fits (already received or arriving)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for name, data in self.events:
                    if name == event and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {event!r} within {timeout} s; got {self.names()}")
                self._cond.wait(remaining)


def wait_until_listening(
    emitter: Any, recorder: SioRecorder, room: str, timeout: float = 10.0
) -> None:
    """Emit pings through ``emitter`` until ``recorder`` hears one of them: the server's
    queue listener is then subscribed, so nothing emitted afterwards can be missed.

    Each call has its own nonce, so a ping heard before (e.g. before a broker
    restart) does not count.
    """
    nonce = uuid.uuid4().hex
    deadline = time.monotonic() + timeout
    for n in itertools.count():
        emitter.emit(PING_EVENT, f"{nonce}-{n}", room=room)
        try:
            recorder.wait_for(PING_EVENT, lambda data: str(data).startswith(nonce), timeout=0.2)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
