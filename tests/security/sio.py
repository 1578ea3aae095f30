"""Socket.IO helpers for the security tests: connect or learn why the server refused."""

from __future__ import annotations

from typing import Any

import socketio
import websocket

from tests.api.stack import Stack

TRANSPORTS = ("websocket", "polling")


def try_connect(
    stack: Stack, transport: str, *, query: str = "", origin: str | None = None, **kwargs: Any
) -> socketio.Client | str:
    """A connected client, or the server's reason for refusing the connection.

    ``origin``: the browser origin to claim. websocket-client sends its own ``Origin``
    header besides any given one, so over WebSocket it is passed as its option.
    """
    options: dict[str, Any] = {}
    if origin is not None and transport == "websocket":
        options["websocket_extra_options"] = {"origin": origin}
    elif origin is not None:
        kwargs["headers"] = {"Origin": origin}
    client = socketio.Client(reconnection=False, **options)
    reasons: list[str] = []

    def refused(data: Any = None) -> None:
        reasons.append(str(data.get("message") if isinstance(data, dict) else data))

    client.on("connect_error", refused)
    try:
        client.connect(f"{stack.url}{query}", transports=[transport], wait_timeout=5, **kwargs)
    except socketio.exceptions.ConnectionError as exc:
        if client.eio.http is not None:
            client.eio.http.close()  # the polling transport's session stays open otherwise
        return " ".join([*reasons, str(exc)])
    return client


def engineio_open_packet(stack: Stack, origin: str) -> str:
    """What the server first sends on a raw Engine.IO WebSocket from ``origin``.

    ``0{"sid": …}`` is the open packet of an accepted connection; a refused one is
    closed at once (gevent-websocket upgrades before the app can answer 400), so this
    returns ``""``.
    """
    url = f"ws://127.0.0.1:{stack.port}/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, origin=origin, timeout=5)
    try:
        first = ws.recv()
    except websocket.WebSocketConnectionClosedException:
        first = ""
    finally:
        ws.close()
        # close() leaves the socket open once the server has closed it.
        ws.shutdown()  # type: ignore[no-untyped-call]
    return first if isinstance(first, str) else first.decode()
