"""A client that stops reading while state events pour in: the real api under gunicorn
keeps only the newest unsent one for it, and it catches up, still connected."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket

from retroboard_api.coalescing import GRACE
from retroboard_common.contract import board_room
from retroboard_common.sio_queue import create_manager
from retroboard_common.topics import STATE_NAMES
from tests.support.sio_recorder import SioRecorder
from tests.support.stack import BOARD, Stack, wait_until

pytestmark = pytest.mark.integration

EVENTS = 600
BATCH = 200
# 600 × 20 KB = 12 MB: far more than the loopback socket buffers (the api's send buffer
# grows to 4 MB, the paused client's receive buffer is pinned small), so the api's
# writer for that client blocks and the rest waits in its send queue.
PAD = "x" * 20_000


class RawClient:
    """A Socket.IO client at the Engine.IO level (websocket), which reads only when
    told to, so the test decides when it lags."""

    def __init__(self, stack: Stack) -> None:
        url = f"ws://127.0.0.1:{stack.port}/socket.io/?EIO=4&transport=websocket&board={BOARD}"
        self.ws = websocket.create_connection(
            url, timeout=10, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),)
        )
        opened = self.ws.recv()
        assert isinstance(opened, str) and opened.startswith("0"), opened
        self.ws.send("40")  # Socket.IO CONNECT to "/"

    def next_message(self) -> str:
        """The next Socket.IO packet, answering Engine.IO pings on the way."""
        while True:
            frame = self.ws.recv()
            assert isinstance(frame, str), frame
            if frame == "2":
                self.ws.send("3")
                continue
            assert frame.startswith("4"), frame
            return frame[1:]

    def next_event(self) -> tuple[str, Any]:
        """The next Socket.IO event, skipping other packets (CONNECT)."""
        while True:
            message = self.next_message()
            if message.startswith("2"):
                name, data = json.loads(message[1:])
                return name, data

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def raw_client(stack: Stack) -> Iterator[RawClient]:
    client = RawClient(stack)
    yield client
    client.close()


def test_a_client_that_stops_reading_catches_up_on_the_newest_state(
    stack: Stack, raw_client: RawClient
) -> None:
    # It gets the board's state on connect, then reads nothing for a while.
    names = {raw_client.next_event()[0] for _ in range(len(STATE_NAMES) + 1)}
    assert "settings" in names and "board_status" in names

    observer = SioRecorder(stack.url, auth={"board": BOARD}).connect()
    emitter = create_manager(stack.broker.url, "mqtt", write_only=True)
    try:
        # Connected first: paho may send what it queued while connecting out of order.
        emitter.emit("settings", {"n": -1}, namespace="/", room=board_room(BOARD))
        observer.wait_for("settings", lambda d: d.get("n") == -1, timeout=10)
        for first in range(0, EVENTS, BATCH):
            for n in range(first, first + BATCH):
                payload = {"brightness": n % 101, "n": n, "pad": PAD}
                emitter.emit("settings", payload, namespace="/", room=board_room(BOARD))
            # The observer reads along (and may lag too): once it has the batch's last,
            # the api has queued the whole batch for the paused client as well (an emit
            # fills every recipient's queue at once).
            observer.wait_for("settings", _numbered(first + BATCH - 1), timeout=60)
            # Only an event that has waited the grace may be replaced: the next batch
            # comes once this one is that old.
            wait_until(_later_than(time.monotonic() + GRACE), what="the grace")
    finally:
        emitter.close()
        observer.disconnect()

    received: list[int] = []
    while not received or received[-1] != EVENTS - 1:
        name, data = raw_client.next_event()
        if name == "settings" and data["n"] >= 0:
            received.append(data["n"])
    # Fewer than were sent, never one twice or out of order, and the newest last.
    assert len(received) < EVENTS
    assert received == sorted(set(received))

    # Still connected: its own request is answered (an ack, never coalesced).
    raw_client.ws.send('421["preview",{"enabled":false}]')
    answer = wait_until(lambda: _ack(raw_client), what="the ack of preview")
    assert answer == [{"success": True, "board": BOARD, "enabled": False}]


def _numbered(n: int) -> Callable[[Any], bool]:
    return lambda data: isinstance(data, dict) and data.get("n") == n


def _later_than(deadline: float) -> Callable[[], bool]:
    return lambda: time.monotonic() > deadline


def _ack(client: RawClient) -> list[Any] | None:
    message = client.next_message()
    return json.loads(message[2:]) if message.startswith("31") else None
