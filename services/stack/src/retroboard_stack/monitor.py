"""``retroboard monitor``: print every board state event live, one line each.

Lines read ``HH:MM:SS board event payload``; the retained state comes first, so the
monitor starts with each board's current state, then streams changes. A payload equal
to the last one on its topic is not a change and is skipped (``--all`` shows it):
brokers send retained state again after every reconnect, and amqtt 0.12 even sends it
twice on connect.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import TextIO

from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from retroboard_common.topics import ALL_STATE, ALL_STATUS, is_valid_board_id, parse_topic


def format_event(when: datetime, board: str, event: str, payload: bytes) -> str:
    """One monitor line (payload as text, non-UTF-8 bytes replaced)."""
    text = payload.decode("utf-8", "replace") if payload else "(cleared)"
    return f"{when:%H:%M:%S} {board} {event} {text}"


@dataclass(eq=False)
class Monitor:
    """Prints state and status messages of every board (or of ``board``)."""

    mqtt: MqttClient
    board: str | None
    out: TextIO
    _: KW_ONLY
    show_all: bool = False
    clock: Callable[[], datetime] = datetime.now
    _last: dict[str, bytes] = field(default_factory=dict, init=False, repr=False)
    """The last payload printed per topic (repeats of it are skipped)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def start(self) -> None:
        """Subscribe and connect."""
        self.mqtt.subscribe(ALL_STATUS, self.handle)
        self.mqtt.subscribe(ALL_STATE, self.handle)
        self.mqtt.start()

    def stop(self) -> None:
        """Disconnect."""
        # MqttClient.stop() logs its own, deliberate disconnect as a connection loss;
        # keep that misleading warning off a terminal tool's last line.
        logging.getLogger("retroboard_common.mqtt").setLevel(logging.ERROR)
        self.mqtt.stop()

    def handle(self, topic: str, payload: bytes) -> None:
        """Print one message if it is a state or status of a board we follow."""
        parsed = parse_topic(topic)
        if parsed is None or not is_valid_board_id(parsed.board_id):
            return  # not a board (e.g. the Socket.IO queue under retroboard/_socketio)
        if self.board and parsed.board_id != self.board:
            return
        event = parsed.name if parsed.kind == "state" and parsed.name else parsed.kind
        line = format_event(self.clock(), parsed.board_id, event, payload)
        with self._lock:
            if not self.show_all and self._last.get(topic) == payload:
                return
            self._last[topic] = payload
            self.out.write(line + "\n")
            self.out.flush()


def run_monitor(
    url: MqttUrl, board: str | None, *, show_all: bool = False, out: TextIO = sys.stdout
) -> int:
    """Print events until SIGINT/SIGTERM; returns the exit code."""
    monitor = Monitor(MqttClient(url, "retroboard-monitor"), board, out, show_all=show_all)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    monitor.start()
    if not monitor.mqtt.wait_connected(3):
        print(f"retroboard monitor: waiting for {url.redacted()} …", file=sys.stderr)
    stopping.wait()
    monitor.stop()
    return 0
