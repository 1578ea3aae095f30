"""A real Socket.IO server (python-socketio, threading mode); the recording client is
``tests/support/sio_recorder.py`` (re-exported here for the bridge tests).

The server plays the api's part: it uses the queue manager under test as its
``client_manager`` and puts each client in the rooms it asks for on connect.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any

import socketio
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.support.mosquitto import free_port
from tests.support.sio_recorder import PING_EVENT, SioRecorder
from tests.support.waiting import wait_until


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


def wait_until_listening(
    emitter: Any, recorder: SioRecorder, room: str, timeout: float = 10.0
) -> None:
    """Emit pings through ``emitter`` until ``recorder`` hears one of them: the server's
    queue listener is then subscribed, so nothing emitted afterwards can be missed.

    Each call has its own nonce, so a ping heard before (e.g. before a broker
    restart) does not count.
    """
    nonce = uuid.uuid4().hex
    sent = itertools.count()

    def heard() -> bool:
        emitter.emit(PING_EVENT, f"{nonce}-{next(sent)}", room=room)
        try:
            recorder.wait_for(PING_EVENT, lambda data: str(data).startswith(nonce), timeout=0.2)
        except AssertionError:
            return False
        return True

    wait_until(heard, timeout, f"a ping through the queue to {room}")
