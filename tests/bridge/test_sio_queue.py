"""The MQTT Socket.IO queue against a real broker, server and client (and Redis)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import socketio

from retroboard_common.contract import board_room, preview_room
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from retroboard_common.sio_queue import (
    MqttManager,
    QueueUnavailable,
    check_queue_url,
    create_manager,
)
from tests.bridge.sio_support import SioServer, wait_until_listening
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.redis_server import RedisServer
from tests.support.sio_recorder import SioRecorder
from tests.support.states import settings_state


def test_events_and_binary_cross_the_queue(
    emitter: MqttManager, sio_client: Callable[..., SioRecorder]
) -> None:
    watcher = sio_client(board_room("test"), preview_room("test"))
    other = sio_client(board_room("other"))
    wait_until_listening(emitter, watcher, board_room("test"))

    emitter.emit("settings", settings_state(40), room=board_room("test"))
    emitter.emit("frame", b"\x89PNG\r\n\x1a\n\x00binary", room=preview_room("test"))

    assert watcher.wait_for("settings") == settings_state(40)
    frame = watcher.wait_for("frame")
    assert isinstance(frame, bytes) and frame == b"\x89PNG\r\n\x1a\n\x00binary"
    assert other.names() == []


def test_server_emit_reaches_client_once(
    sio_server: SioServer, emitter: MqttManager, sio_client: Callable[..., SioRecorder]
) -> None:
    # The server hands its own emit to local clients and to the queue; its listener
    # must drop the copy that comes back (host_id), or clients would get it twice.
    client = sio_client(board_room("test"))
    wait_until_listening(emitter, client, board_room("test"))

    sio_server.sio.emit("current_app", {"app": "clock", "config": {}}, room=board_room("test"))
    emitter.emit("marker", 1, room=board_room("test"))
    client.wait_for("marker")
    assert client.received("current_app") == [{"app": "clock", "config": {}}]


def test_a_manager_on_the_callers_connection_emits_from_its_handlers(
    broker: MosquittoBroker, sio_client: Callable[..., SioRecorder], probe: MqttProbe
) -> None:
    # As the bridge does: the event is emitted by the handler of the message it mirrors,
    # on the network thread of the one connection, and closing the manager leaves it.
    connection = MqttClient(MqttUrl.parse(broker.url), "queue-borrower")
    manager = create_manager(broker.url, "mqtt", write_only=True, client=connection)
    assert isinstance(manager, MqttManager)
    connection.subscribe(
        "retroboard/test/state/settings",
        lambda _topic, payload: manager.emit(
            "settings", json.loads(payload), room=board_room("test")
        ),
    )
    connection.start()
    try:
        assert connection.wait_connected(10)
        watcher = sio_client(board_room("test"))
        wait_until_listening(manager, watcher, board_room("test"))
        probe.publish("retroboard/test/state/settings", b'{"brightness": 7, "power": true}')
        assert watcher.wait_for("settings") == {"brightness": 7, "power": True}
        manager.close()
        assert connection.connected
    finally:
        connection.stop()


def test_only_a_write_only_manager_borrows_a_connection(broker: MosquittoBroker) -> None:
    connection = MqttClient(MqttUrl.parse(broker.url), "queue-borrower")
    with pytest.raises(ValueError, match="write-only"):
        MqttManager(broker.url, write_only=False, client=connection)
    # A queue on another broker cannot use it: its manager connects there itself.
    other = create_manager(broker.url, "mqtt://127.0.0.1:1", write_only=True, client=connection)
    assert isinstance(other, MqttManager) and other.mqtt_url.port == 1
    assert other._client is None


def test_queue_messages_are_not_retained(
    emitter: MqttManager, sio_client: Callable[..., SioRecorder], probe: MqttProbe
) -> None:
    client = sio_client(board_room("test"))
    wait_until_listening(emitter, client, board_room("test"))
    queued = probe.wait_for("retroboard/_socketio/retroboard")
    assert not queued.retain
    assert queued.json()["method"] == "emit"


def test_create_manager_picks_the_queue() -> None:
    default = create_manager("mqtt://broker:1883", "mqtt", write_only=True)
    assert isinstance(default, MqttManager)
    assert default.mqtt_url == MqttUrl.parse("mqtt://broker:1883")
    assert default.topic == "retroboard/_socketio/retroboard"

    other = create_manager(MqttUrl.parse("mqtt://broker"), "mqtt://queue:1884", write_only=True)
    assert isinstance(other, MqttManager) and other.mqtt_url.host == "queue"

    class Settings:
        mqtt_url = "mqtt://broker:1883"
        socketio_message_queue = "redis://127.0.0.1:1/0"

    redis_manager = create_manager(Settings(), write_only=True, channel="fleet")
    assert isinstance(redis_manager, socketio.RedisManager)
    assert redis_manager.channel == "fleet"


@pytest.mark.parametrize("url", ["kafka://x", "amqp://x", "mqtt://", "redis"])
def test_bad_queue_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        check_queue_url(url)
    with pytest.raises(ValueError):
        create_manager("mqtt://broker", url, write_only=True)


def test_missing_redis_package_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # makes `import redis` fail
    with pytest.raises(QueueUnavailable, match=r"pip install redis"):
        create_manager("mqtt://broker", "redis://127.0.0.1:6379/0", write_only=True)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of our own on a free port (the system one is left alone)."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server.url
    finally:
        server.stop()


def quiet_logger(name: str) -> logging.Logger:
    """A logger that drops everything: python-socketio's Redis listener thread cannot
    be stopped and would log retries after the test's redis-server is gone."""
    logger = logging.getLogger(name)
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def test_redis_queue_round_trip(redis_url: str) -> None:
    listener = create_manager(
        "mqtt://unused", redis_url, write_only=False, logger=quiet_logger("tests.redis-queue")
    )
    server = SioServer(listener).start()
    emitter = create_manager("mqtt://unused", redis_url, write_only=True)
    assert isinstance(emitter, socketio.RedisManager)
    client = SioRecorder(server.url, [board_room("test")]).connect()
    try:
        wait_until_listening(emitter, client, board_room("test"))
        emitter.emit("settings", settings_state(10), room=board_room("test"))
        assert client.wait_for("settings") == settings_state(10)
    finally:
        client.disconnect()
        server.stop()


def test_socketio_is_the_whole_package_after_the_queue() -> None:
    """Importing the queue leaves python-socketio and python-engineio whole: their
    submodules are attributes of the packages, as for any ``import socketio``."""
    script = (
        "from retroboard_common import sio_queue\n"
        "import engineio, socketio\n"
        "assert socketio.pubsub_manager.PubSubManager is socketio.PubSubManager\n"
        "assert socketio.packet.Packet and socketio.base_manager.BaseManager\n"
        "assert engineio.packet.Packet and engineio.json\n"
        "assert issubclass(sio_queue.MqttManager, socketio.PubSubManager)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
