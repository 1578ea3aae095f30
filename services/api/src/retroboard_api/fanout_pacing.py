"""Hold the fan-out back while the clients' send queues are full.

The api's Socket.IO queue listener puts each change from the bridge in every client's
send queue (about 7 ms an emit for a thousand clients, most of it spent by the queues
replacing what the previous change left unsent). When the writers cannot keep up,
handing on change after change only moves the same work into a thousand queues, and
every step of a REST command (reading it, its MQTT answer, the reply) waits behind
all of it: with 1,000 clients and 50 commands a second, REST p50 was about 1 s.

So before it hands on the next change the listener waits, up to
:data:`~retroboard_api.coalescing.GRACE`, until no more than a quarter of the clients
(:data:`BEHIND_SHARE`, and at least :data:`BEHIND_MIN`) still have unsent changes
(:class:`~retroboard_api.coalescing.SendBacklog`). The changes that come meanwhile
gather in the inbox, where one that waited
:data:`~retroboard_api.coalescing.GRACE` and is superseded is skipped once for every
client (:mod:`retroboard_api.inbox_coalescing`) instead of in each client's queue.
Clients that keep up are written within a few milliseconds and never hold it back
for long: every change still reaches them. A few stuck clients (a suspended tab)
count once each, not by how much they owe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from retroboard_api.coalescing import GRACE, SendBacklog

BEHIND_SHARE: Final = 0.25
"""The share of clients that may still have unsent changes when the next goes out."""

BEHIND_MIN: Final = 16
"""Clients that may always be behind without holding the fan-out back."""

POLL: Final = 0.002
"""Seconds between two looks at the backlog while waiting."""


class FanOutPacer:
    """The ``pace`` hook of the api's queue listener
    (:class:`retroboard_common.sio_queue.MqttManager`)."""

    def __init__(
        self,
        backlog: SendBacklog,
        *,
        max_wait: float = GRACE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backlog = backlog
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep  # gevent's under the gevent worker (monkey-patched)
        self.waits = 0
        """Changes held back so far."""

    def too_far_behind(self) -> bool:
        """Whether more clients than allowed still have unsent changes."""
        backlog = self.backlog
        return backlog.behind > max(BEHIND_MIN, backlog.clients * BEHIND_SHARE)

    def __call__(self) -> None:
        """Return once few enough clients are behind, or after ``max_wait`` seconds."""
        if not self.too_far_behind():
            return
        self.waits += 1
        deadline = self.clock() + self.max_wait
        while self.clock() < deadline:
            self.sleep(POLL)
            if not self.too_far_behind():
                return
