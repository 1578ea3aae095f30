"""AWTRIX 3 pushes over a real Mosquitto: custom apps on ``cmd/custom/<name>``,
notifications and their dismissal, power, and the AWTRIX compatibility mode's own
topics; bad input is answered and changes nothing."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe, Received
from tests.support.processes import ServiceProcess
from tests.support.renderer_contract import BOARD, RendererFactory
from tests.support.stack import wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

BASE = f"retroboard/{BOARD}"
PREFIX = "awtrix_0a1b2c"
RED = (255, 0, 0)


def push(probe: MqttProbe, name: str, payload: bytes | str | dict[str, Any] | list[Any]) -> Any:
    """Publish the bare AWTRIX JSON of custom app ``name``; its answer (the renderer
    answers in order, so the newest response/custom after a fence is this one's)."""
    probe.clear()
    probe.publish(f"{BASE}/cmd/custom/{name}", payload)
    return probe.wait_for(f"{BASE}/response/custom").json()


def state(probe: MqttProbe, name: str) -> Any:
    return probe.request(BOARD, "request_state", {})["state"][name]


def frames(probe: MqttProbe) -> list[np.ndarray]:
    return [
        np.asarray(Image.open(io.BytesIO(m.payload)).convert("RGB"))
        for m in probe.messages
        if m.topic == f"{BASE}/frame"
    ]


def wait_for_frame(probe: MqttProbe, check: Any, timeout: float = 10.0) -> np.ndarray:
    """The first live-preview frame (asked for now) that passes ``check``."""
    probe.clear()
    assert probe.request(BOARD, "preview", {"ttl": 30})["success"]

    def matches(message: Received) -> bool:
        picture = np.asarray(Image.open(io.BytesIO(message.payload)).convert("RGB"))
        return bool(check(picture))

    found = probe.wait_for(f"{BASE}/frame", matches, timeout)
    return np.asarray(Image.open(io.BytesIO(found.payload)).convert("RGB"))


def red_pixels(frame: np.ndarray) -> int:
    return int(np.all(frame == RED, axis=-1).sum())


def test_a_custom_app_pushed_on_its_topic_is_an_instance(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    reply = push(probe, "Solar", {"text": "42 W", "color": "#FF0000", "sound": "beep"})
    assert reply["success"], reply
    assert reply["ignored"] == ["sound"]
    solar = reply["state"]["apps_list"]["instances"]["solar"]
    assert (solar["type"], solar["origin"]) == ("custom", "mqtt")
    assert solar["config"]["text"] == "42 W" and solar["config"]["color"] == list(RED)
    assert probe.request(BOARD, "switch", {"app": "solar"})["success"]
    wait_for_frame(probe, lambda frame: red_pixels(frame) > 10)

    reply = push(probe, "solar", b"")  # an empty payload deletes it
    assert reply["success"] and "solar" not in reply["state"]["apps_list"]["apps"]
    assert reply["state"]["current_app"]["app"] is None


def test_an_array_makes_numbered_apps_deleted_together(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    reply = push(probe, "test", [{"text": "1"}, {"text": "2"}])
    assert reply["success"], reply
    assert reply["state"]["apps_list"]["apps"][-2:] == ["test0", "test1"]
    reply = push(probe, "test", {})
    assert reply["success"]
    assert reply["state"]["apps_list"]["apps"] == ["clock", "scroll_text", "stars"]


@pytest.mark.parametrize(
    ("payload", "code", "loc"),
    [
        ({"text": "x", "color": "blue"}, "invalid", ["color"]),
        ({"text": 5}, "invalid", ["text"]),
        ({"draw": [{"dl": [0, 0]}]}, "invalid", ["draw", 0]),
        ({"bar": list(range(65))}, "invalid", ["bar"]),
        ({"text": "x" * 2001}, "invalid", ["text"]),
        ([{"text": "ok"}, {"duration": "long"}], "invalid", [1, "duration"]),
        (b"\xff\xfe garbage", "malformed", None),
        (b'{"text": "x", "icon": "' + b"A" * 300_000 + b'"}', "too_large", None),
    ],
)
def test_a_bad_push_is_answered_and_changes_nothing(
    renderer: ServiceProcess,
    probe: MqttProbe,
    payload: Any,
    code: str,
    loc: list[Any] | None,
) -> None:
    reply = push(probe, "bad", payload)
    assert (reply["success"], reply["code"]) == (False, code), reply
    if loc is not None:
        assert reply["details"][0]["loc"][: len(loc)] == loc
    assert state(probe, "apps_list")["apps"] == ["clock", "scroll_text", "stars"]


def test_a_notification_interrupts_and_gives_the_board_back(
    renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    assert probe.request(BOARD, "switch", {"app": "clock"})["success"]
    reply = probe.request(BOARD, "notify", {"text": "DING", "color": "#FF0000", "hold": True})
    assert reply["success"], reply
    shown = reply["state"]["notification"]
    assert shown["current"]["text"] == "DING" and shown["current"]["hold"] is True
    assert shown["length"] == 0
    wait_for_frame(probe, lambda frame: red_pixels(frame) > 10)

    queued = probe.request(BOARD, "notify", {"text": "second", "hold": True})
    assert queued["state"]["notification"]["length"] == 1
    retained = MqttProbe(broker.url, f"{BASE}/state/notification")
    retained.start()
    try:
        message = retained.wait_for(f"{BASE}/state/notification", lambda m: m.retain)
        assert [item["text"] for item in message.json()["queue"]] == ["second"]
    finally:
        retained.stop()

    probe.clear()
    probe.publish(f"{BASE}/cmd/notify/dismiss", b"")
    answer = probe.wait_for(f"{BASE}/response/dismiss").json()
    assert answer["state"]["notification"]["current"]["text"] == "second"
    answer = probe.request(BOARD, "dismiss", {})  # the api publishes on the same topic
    assert answer["state"]["notification"] == {"current": None, "queue": [], "length": 0}
    frame = wait_for_frame(probe, lambda frame: red_pixels(frame) == 0 and frame.any())
    assert np.all(frame == frame.max(axis=-1, keepdims=True)), "the white clock is back"


def test_the_queue_refuses_the_thirty_third_waiting_one(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    for number in range(33):  # one on show, 32 waiting
        reply = probe.request(BOARD, "notify", {"text": f"n{number}", "hold": True})
        assert reply["success"], reply
    reply = probe.request(BOARD, "notify", {"text": "one too many", "hold": True})
    assert (reply["success"], reply["code"]) == (False, "queue_full"), reply
    assert state(probe, "notification")["length"] == 32
    replaced = probe.request(BOARD, "notify", {"text": "urgent", "stack": False})
    assert replaced["state"]["notification"]["current"]["text"] == "urgent"


def test_power_off_darkens_the_panel_and_on_brings_it_back(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    reply = probe.request(BOARD, "power", {"power": False})
    assert reply["state"]["settings"] == settings_state(80, power=False)
    wait_for_frame(probe, lambda frame: not frame.any())
    wakeup = probe.request(BOARD, "notify", {"text": "WAKE", "color": "#FF0000", "wakeup": True})
    assert wakeup["success"], wakeup
    wait_for_frame(probe, lambda frame: red_pixels(frame) > 10)
    probe.request(BOARD, "dismiss", {})
    wait_for_frame(probe, lambda frame: not frame.any())
    reply = probe.request(BOARD, "settings", {"power": True})
    assert reply["state"]["settings"]["power"] is True
    wait_for_frame(probe, lambda frame: frame.any())


def test_custom_apps_survive_a_restart(start_renderer: RendererFactory, probe: MqttProbe) -> None:
    renderer = start_renderer()
    probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", timeout=10)
    assert push(probe, "door", {"text": "open", "lifetime": 3600})["success"]
    renderer.stop()
    probe.clear()
    start_renderer()
    probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", timeout=10)
    door = state(probe, "apps_list")["instances"]["door"]
    assert door["config"]["text"] == "open" and door["origin"] == "mqtt"


# --- the AWTRIX compatibility mode -----------------------------------------------------


@pytest.fixture
def awtrix(start_renderer: RendererFactory, probe: MqttProbe) -> ServiceProcess:
    process = start_renderer(RETROBOARD_AWTRIX_PREFIX=PREFIX)
    probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", timeout=10)
    return process


@pytest.fixture
def device(broker: MosquittoBroker) -> Iterator[MqttProbe]:
    """What an AWTRIX automation sees and publishes: the prefix's topics."""
    watcher = MqttProbe(broker.url, f"{PREFIX}/#")
    watcher.start()

    def subscribed() -> bool:
        watcher.fence(timeout=1)  # RuntimeError until connected, AssertionError until subscribed
        return True

    wait_until(
        subscribed, 10, "the AWTRIX probe's subscription", ignoring=(RuntimeError, AssertionError)
    )
    yield watcher
    watcher.stop()


def test_awtrix_topics_drive_the_board(
    awtrix: ServiceProcess, probe: MqttProbe, device: MqttProbe
) -> None:
    device.publish(f"{PREFIX}/custom/Energy", {"text": "3 kW", "icon": "sun"})
    probe.wait_for(
        f"{BASE}/state/apps_list",
        lambda m: m.json()["instances"].get("energy", {}).get("origin") == "awtrix",
    )
    device.publish(f"{PREFIX}/switch", {"name": "Energy"})
    device.wait_for(f"{PREFIX}/stats/currentApp", lambda m: m.payload == b"energy")
    device.publish(f"{PREFIX}/notify", {"text": "Washing machine done", "hold": True})
    probe.wait_for(
        f"{BASE}/state/notification",
        lambda m: (m.json()["current"] or {}).get("text") == "Washing machine done",
    )
    device.publish(f"{PREFIX}/notify/dismiss", b"")
    probe.wait_for(f"{BASE}/state/notification", lambda m: m.json()["current"] is None)
    device.publish(f"{PREFIX}/settings", {"BRI": 51, "TEFF": 5, "TSPEED": 300})
    settings = probe.wait_for(f"{BASE}/state/settings", lambda m: m.json()["brightness"] == 20)
    assert settings.json()["transition"] == {
        "type": "pixelate",
        "direction": "left",
        "duration": 300,
    }
    device.publish(f"{PREFIX}/power", {"power": False})
    probe.wait_for(f"{BASE}/state/settings", lambda m: m.json()["power"] is False)
    device.publish(f"{PREFIX}/nextapp", b"")
    device.wait_for(f"{PREFIX}/stats/currentApp", lambda m: m.payload == b"clock")


def test_awtrix_garbage_changes_nothing(
    awtrix: ServiceProcess, probe: MqttProbe, device: MqttProbe
) -> None:
    for topic, payload in [
        ("custom/x", b"\xff"),
        ("custom/x", {"color": "nope"}),
        ("notify", b"[1, 2"),
        ("switch", {"name": 5}),
        ("switch", {"name": "nothing"}),
        ("power", {"power": "maybe"}),
        ("settings", {"BRI": 999}),
        ("settings", {"BRI": 10, "TEFF": 11}),
        ("settings", {"BRI": 10, "TSPEED": "fast"}),
        ("settings", {"BRI": 10, "ATIME": 0}),
        ("settings", b"7"),
        ("nextapp", b"\x00"),
    ]:
        device.publish(f"{PREFIX}/{topic}", payload)
    marker = uuid.uuid4().hex
    device.publish(f"{PREFIX}/notify", {"text": marker})  # handled after all the above
    probe.wait_for(
        f"{BASE}/state/notification",
        lambda m: (m.json()["current"] or {}).get("text") == marker,
    )
    listed = state(probe, "apps_list")
    assert listed["apps"] == ["clock", "scroll_text", "stars"]
    assert state(probe, "settings") == settings_state(80)
