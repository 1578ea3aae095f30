"""Every board's retained state reaches the api's mirror from a broker on its default
settings, however many boards: the fleet loader reads it in batches.

The broker here is a real Mosquitto without ``max_queued_messages``: its default of
1,000 queued messages per client applies. A control subscriber shows that the one
wildcard subscription the mirror used to make is cut short by it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from retroboard_api.cache import StateCache
from retroboard_common.fleet import FleetLoader
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from retroboard_common.topics import BoardTopics
from tests.support.fleet_boards import publish_all
from tests.support.mosquitto import MosquittoBroker
from tests.support.states import settings_state
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

BOARDS = [f"board-{n:04d}" for n in range(1000)]  # 10 retained messages each, 2.3 KB
APPS = ",".join(f'"app-{n:03d}"' for n in range(240))  # a real apps_list is ~2 KB too
STATES = {
    "apps_list": f'{{"apps":[{APPS}],"current":null,"instances":{{}}}}'.encode(),
    "current_app": b'{"app":null,"config":{}}',
    "settings": b'{"brightness":40}',
    "carousel_config": b'{"enabled":false,"apps":[],"current_index":0}',
    "realtime": b'{"enabled":true,"active":false,"protocol":null,"source":null,"fps":0.0}',
    "app_types": b'{"types":{}}',
    "assets": b'{"assets":[],"bytes":0,"limit":0}',
}
HEALTH = b'{"store":"ok","error":null}'


def board_messages(
    board: str, *, index: bool = True, status: bool = True
) -> list[tuple[str, bytes]]:
    """What a renderer retains for ``board`` (brightness: its number, to tell them apart)."""
    base = f"retroboard/{board}"
    settings = f'{{"brightness":{int(board[-4:]) % 101}}}'.encode()
    messages = [(f"{base}/state/{name}", payload) for name, payload in STATES.items()]
    messages[2] = (f"{base}/state/settings", settings)
    messages.append((f"{base}/health", HEALTH))
    if index:
        messages.append((BoardTopics(board).index, b"1"))
    if status:
        messages.append((f"{base}/status", b"online"))
    return messages


Mirror = tuple[StateCache, MqttClient, FleetLoader]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    server = MosquittoBroker(tmp_path / "broker")  # no max_queued_messages: the default
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mirror(broker: MosquittoBroker) -> Iterator[Mirror]:
    """The api's cache on a real client, as create_app wires it (started by the test)."""
    cache = StateCache()
    client = MqttClient(MqttUrl.parse(broker.url), "test-fleet-api", mqtt5=True)
    cache.attach(client)
    loader = cache.read_fleet(client)
    yield cache, client, loader
    loader.stop()
    client.stop()


def complete(cache: StateCache, boards: list[str]) -> int:
    """How many of ``boards`` the cache holds whole, with the right brightness."""
    count = 0
    for board in boards:
        record = cache.get(board)
        settings = record.state("settings") if record else None
        brightness = int(board[-4:]) % 101
        # The renderers here are older than power: the api fills in its default.
        if record and record.complete and settings == settings_state(brightness):
            count += 1
    return count


def retained_through_one_wildcard(
    broker: MosquittoBroker, pattern: str, fence: str, *, qos: int
) -> int:
    """How many retained messages one plain subscription to ``pattern`` brings: QoS 1
    ones are held back by the broker's inflight and queue limits (20 + 1,000), QoS 0
    ones by the queue of packets not yet written to the socket (1,000)."""
    got = 0
    done = threading.Event()

    def on_message(_c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        nonlocal got
        if msg.topic == fence:
            done.set()
        elif msg.retain:
            got += 1

    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.on_message = on_message
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.subscribe([(pattern, qos), (fence, 0)])
        client.publish(fence, b"x", qos=0)  # after every retained message of the burst
        assert done.wait(30), "the control subscriber's fence never came"
        return got
    finally:
        client.disconnect()
        client.loop_stop()


def test_every_board_is_read_from_a_broker_on_default_settings(
    broker: MosquittoBroker, mirror: Mirror
) -> None:
    cache, client, _ = mirror
    publish_all(broker.port, [m for board in BOARDS for m in board_messages(board)])
    # The broker's default queue limit is real: the one wildcard over the states the
    # mirror used to subscribe (QoS 1) is cut short.
    states = retained_through_one_wildcard(broker, "retroboard/+/state/+", "test/fence", qos=1)
    assert states < len(BOARDS) * len(STATES)

    client.start()
    wait_until(lambda: complete(cache, BOARDS) == len(BOARDS), timeout=30, what="every board")
    assert len(cache.summaries()) == len(BOARDS)


def test_boards_without_an_index_entry_are_found_by_their_status(
    broker: MosquittoBroker, mirror: Mirror
) -> None:
    cache, client, _ = mirror
    legacy = BOARDS[:20]  # e.g. a board broker that does not forward the index topic
    publish_all(broker.port, [m for b in legacy for m in board_messages(b, index=False)])
    client.start()
    wait_until(lambda: complete(cache, legacy) == len(legacy), timeout=30, what="every board")


def test_a_board_heard_of_live_has_its_retained_state_read(
    broker: MosquittoBroker, mirror: Mirror
) -> None:
    cache, client, loader = mirror
    board = BOARDS[7]
    # Its state is retained, but neither its index entry nor its status: nothing points
    # the first read at it (as when the broker dropped its live republish).
    publish_all(broker.port, board_messages(board, index=False, status=False))
    client.start()
    wait_until(lambda: loader.loads_completed >= 1, what="the first read")
    assert cache.get(board) is None

    publish_all(broker.port, [(f"retroboard/{board}/status", b"online")], retain=False)  # live
    wait_until(lambda: complete(cache, [board]) == 1, what="the board's retained state")
