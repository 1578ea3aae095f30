"""Skip queue messages already superseded before the api fans them out to anyone.

The api's Socket.IO message-queue listener (python-socketio's ``PubSubManager._thread``
over :class:`retroboard_common.sio_queue.MqttManager`) takes the bridge's emits from
its inbox one by one and puts each in every client's send queue, about 7 ms an emit
for a thousand clients. When the api is busy, emits wait in the inbox; handled back to
back, no client is written to in between, so every client's queue would apply the rule
of :mod:`retroboard_api.coalescing` to them anyway. The same rule is applied here once
for all: an emit of a coalesced event, without a callback, that has waited
:data:`~retroboard_api.coalescing.GRACE` seconds or more in the inbox is dropped when a
later one waiting with it has the same event, namespace, room and ``skip_sid``. A
message that changes who is in a room (``enter_room``, ``leave_room``, ``close_room``,
``disconnect``) is a barrier; everything else passes, in its order.

:class:`MqttManager` gives the ``select`` (:func:`skip_superseded` in the api) every
message waiting in its inbox with its arrival time whenever its listener is ready for
the next, and hands on the first one kept: what arrives while a change is being
handed on (in turns, :mod:`retroboard_api.fanout_turns`) is weighed with what waited.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Sequence
from typing import Any, Final

from retroboard_api.coalescing import COALESCED_EVENTS, GRACE
from retroboard_common.sio_queue import Arrived

BARRIERS: Final = frozenset({"enter_room", "leave_room", "close_room", "disconnect"})

Stamped = tuple[float, Any]  # (arrival, message)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _decode(message: Any) -> Any:
    """A queue message as the dict ``PubSubManager._thread`` handles (or as it came,
    for it to ignore, when it is no JSON object)."""
    if isinstance(message, dict):
        return message
    try:
        data = json.loads(message)
    except (TypeError, ValueError):
        return message
    return data if isinstance(data, dict) else message


def newest_emits(
    batch: Sequence[Stamped],
    now: float,
    grace: float = GRACE,
    events: Collection[str] = COALESCED_EVENTS,
) -> list[Stamped]:
    """The messages of ``batch`` (in arrival order, with their arrival times, decoded),
    without the emits a later one supersedes that have waited ``grace`` seconds by
    ``now``."""
    decoded = [(arrived, _decode(message)) for arrived, message in batch]
    keep = [True] * len(decoded)
    latest: dict[Any, int] = {}
    for index, (_arrived, data) in enumerate(decoded):
        if not isinstance(data, dict):
            continue
        method = data.get("method")
        if method in BARRIERS:
            latest.clear()
            continue
        event = data.get("event")
        if method != "emit" or event not in events or data.get("callback") is not None:
            continue
        key = (
            event,
            data.get("namespace") or "/",
            _hashable(data.get("room")),
            _hashable(data.get("skip_sid")),
        )
        previous = latest.get(key)
        if previous is not None and now - decoded[previous][0] >= grace:
            keep[previous] = False
        latest[key] = index
    return [stamped for stamped, kept in zip(decoded, keep, strict=True) if kept]


def skip_superseded(waiting: list[Arrived]) -> list[Arrived]:
    """:func:`newest_emits` of the inbox now: the ``select`` of the api's manager."""
    return newest_emits(waiting, time.monotonic())
