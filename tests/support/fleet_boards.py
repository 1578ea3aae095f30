"""Many boards' retained topics published at once, as their renderers would leave them."""

from __future__ import annotations

from collections.abc import Iterable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from retroboard_common.topics import INDEX_ENTRY, BoardTopics


def publish_all(port: int, messages: Iterable[tuple[str, bytes]], *, retain: bool = True) -> None:
    """Publish ``(topic, payload)`` pairs at QoS 1, pipelined, and wait until the broker
    has every one."""
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.max_inflight_messages_set(200)  # pipelined: thousands of QoS 1 publishes
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        infos = [client.publish(t, p, qos=1, retain=retain) for t, p in messages]
        for info in infos:
            info.wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()


def index_and_status(board: str, online: bool = True) -> list[tuple[str, bytes]]:
    """A board's fleet index entry and its status."""
    topics = BoardTopics(board)
    return [(topics.index, INDEX_ENTRY), (topics.status, b"online" if online else b"offline")]


def retain_statuses(port: int, statuses: dict[str, bool]) -> None:
    """Retain a fleet index entry and a status per board (``True``: online)."""
    publish_all(
        port, [m for board, online in statuses.items() for m in index_and_status(board, online)]
    )
