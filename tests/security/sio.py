"""Socket.IO helpers for the security tests: connect or learn why the server refused,
start an extra api on a stack's broker, speak raw Engine.IO packets."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import socketio
import websocket

from tests.support.mosquitto import free_port
from tests.support.stack import BOARD, Stack, api_process, wait_until
from tests.support.tokens import TOKEN

TRANSPORTS = ("websocket", "polling")
# The token, and clients without it may read: the api the read-only attacks go for.
PUBLIC_READS = {"RETROBOARD_API_TOKEN": TOKEN, "RETROBOARD_API_PUBLIC_READS": "true"}
PACKET_SEPARATOR = "\x1e"  # between Engine.IO packets in one polling body


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


@contextlib.contextmanager
def extra_api(stack: Stack, workdir: Path, **env: str) -> Iterator[Stack]:
    """Another api on ``stack``'s broker and renderer with ``env``, ready; stopped after.

    The result shares the broker, probe and renderer of ``stack``.
    """
    port = free_port()
    api = api_process(stack.broker, workdir, port, **env).start()
    try:
        extra = Stack(workdir, stack.broker, stack.probe, stack.renderer, api, port)
        try:
            wait_until(extra.board_online, what=f"api on {port} sees board {BOARD}")
        except TimeoutError:
            raise AssertionError(f"extra api did not start\n{api.output()[-3000:]}") from None
        yield extra
    finally:
        api.stop()


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


class RawEngineIO:
    """One Engine.IO session spoken packet by packet, as an attacker would (no client
    library to refuse reserved event names), over ``polling`` or ``websocket``."""

    def __init__(self, stack: Stack, transport: str, query: str = "") -> None:
        self.transport = transport
        self._pending: list[str] = []
        base = f"127.0.0.1:{stack.port}/socket.io/?EIO=4&transport={transport}{query}"
        if transport == "websocket":
            self._ws = websocket.create_connection(f"ws://{base}", timeout=10)
            opening = self._ws.recv()
        else:
            self._http = requests.Session()
            self._url = f"http://{base}"
            answer = self._http.get(self._url, timeout=10)
            answer.raise_for_status()
            opening = answer.text
        assert isinstance(opening, str) and opening.startswith("0"), opening
        self.sid: str = json.loads(opening[1:])["sid"]
        if transport == "polling":
            self._url += f"&sid={self.sid}"

    def send(self, *packets: str) -> None:
        """Send Engine.IO packets (``"40"``, ``'42["settings",{}]'``)."""
        if self.transport == "websocket":
            for item in packets:
                self._ws.send(item)
        else:
            answer = self._http.post(self._url, data=PACKET_SEPARATOR.join(packets), timeout=10)
            assert answer.text == "OK", answer.text

    def receive_until(self, wanted: Callable[[str], bool]) -> str:
        """Read packets (answering pings) until one is ``wanted``; return it."""
        while True:
            while self._pending:
                item = self._pending.pop(0)
                if item == "2":
                    self.send("3")
                elif wanted(item):
                    return item
            if self.transport == "websocket":
                received = self._ws.recv()
                self._pending.append(received if isinstance(received, str) else received.decode())
            else:
                answer = self._http.get(self._url, timeout=40)
                assert answer.ok, answer.text
                self._pending.extend(answer.text.split(PACKET_SEPARATOR))

    def ack(self, ack_id: int) -> Any:
        """The data of the ack ``ack_id`` (the first argument)."""
        prefix = f"43{ack_id}["
        packet = self.receive_until(lambda item: item.startswith(prefix))
        data = json.loads(packet[len(prefix) - 1 :])
        return data[0] if data else None

    def close(self) -> None:
        """Close the session (Engine.IO ``1``), so it holds no server resources."""
        # The server may have closed it already.
        with contextlib.suppress(
            requests.RequestException, websocket.WebSocketException, AssertionError
        ):
            self.send("1")
        if self.transport == "websocket":
            self._ws.close()
            self._ws.shutdown()  # type: ignore[no-untyped-call]  # close() may leave it open
        else:
            self._http.close()
