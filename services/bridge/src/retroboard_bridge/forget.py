"""``retroboard-bridge forget <board>``: remove a board that left the fleet.

Clears, with empty retained messages, the board's Home Assistant discovery configs and
entity states, then its retained RetroBoard state, its fleet index entry and its status.
Home Assistant deletes the entities, the api drops the board from ``/api/boards``, and a
running bridge forgets it (so HA's next birth message does not bring it back). Stop the
board's renderer first: a running renderer announces itself again on reconnect.
"""

from __future__ import annotations

import time

from retroboard_bridge.extensions.homeassistant import removal_topics
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from retroboard_common.topics import STATE_NAMES, BoardTopics


class ForgetFailed(RuntimeError):
    """The broker could not be reached, or did not take every message in time."""


def forget_topics(board_id: str, prefix: str, seen: set[str] | None = None) -> list[str]:
    """What ``forget`` clears, in order: the HA topics, every other retained topic of
    the board (``seen``), its fleet index entry, and the status last: clearing it
    tells bridges to forget."""
    board = BoardTopics(board_id)
    known = [
        *removal_topics(board_id, prefix),
        *(board.state(name) for name in STATE_NAMES),
        board.index,
    ]
    others = sorted((seen or set()) - {*known, board.status})
    return [*known, *others, board.status]


def forget_board(
    url: MqttUrl, board_id: str, prefix: str, timeout: float = 10.0, settle: float = 0.5
) -> list[str]:
    """Publish the empty retained messages; returns the topics cleared.

    Whatever the broker retains under ``retroboard/<board>/`` (waited for ``settle``
    seconds after connecting) is cleared too, so no topic is left behind.
    """
    seen: set[str] = set()
    mqtt = MqttClient(url, "retroboard-bridge-forget")
    mqtt.subscribe(
        f"{BoardTopics(board_id).base}/#",
        lambda topic, payload: seen.add(topic) if payload else None,
    )
    mqtt.start()
    try:
        if not mqtt.wait_connected(timeout):
            raise ForgetFailed(f"no connection to {url.redacted()} within {timeout:g} s")
        time.sleep(settle)
        topics = forget_topics(board_id, prefix, seen)
        sent = [mqtt.publish(topic, b"", retain=True) for topic in topics]
        for info in sent:
            info.wait_for_publish(timeout)
        return topics
    finally:
        mqtt.stop()
