"""Hand a change to a thousand clients in turns, so other work runs in between.

python-socketio puts a broadcast in every client's send queue in one loop, and under
gevent each put wakes that client's writer, which runs after whatever was woken
before it. So a REST command's next step (its request read, its MQTT answer read,
its reply written) waited behind the writes of every client of every change handed
on before it: with 1,000 clients and 50 commands a second REST p50 was 900 ms and p99
1.7 s (bench/soak.py), each step about a thousand websocket sends late.

:func:`interleave_fan_out` makes the fan-out yield to the event loop after every
:data:`SENDS_PER_TURN` clients: the work is the same, but a command waits behind a
few dozen writes at a time (REST p50 about 20 ms, p99 about 60 ms in the same soak).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any, Final

SENDS_PER_TURN: Final = 50
"""Clients a fan-out puts a change in before it lets the event loop run."""


def interleave_fan_out(
    server: Any, *, every: int = SENDS_PER_TURN, pause: Callable[[float], None] = time.sleep
) -> None:
    """Make ``server`` (a ``socketio.Server`` under gevent) yield after every ``every``
    packets it hands to its clients' queues (``pause(0)``: gevent's ``sleep(0)`` once
    monkey-patched, which lets every greenlet woken meanwhile run first).

    python-socketio iterates over a copy of a room's members, so a client that comes
    or goes meanwhile is safe (one gone is skipped); one client's packets still go in
    the order they were emitted.
    """
    send = server._send_eio_packet
    sent = itertools.count(1)

    def send_in_turns(eio_sid: str, packet: Any) -> None:
        send(eio_sid, packet)
        if next(sent) % every == 0:
            pause(0)

    server._send_eio_packet = send_in_turns
