"""The renderer end to end over a real Mosquitto: command → response → retained state."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from retroboard_common.app_configs import ClockConfig
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe, Received
from tests.support.processes import ServiceProcess
from tests.support.renderer_contract import BOARD, RendererFactory
from tests.support.states import settings_state
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

STATE = f"retroboard/{BOARD}/state"


def retained_state(broker: MosquittoBroker, name: str) -> Any:
    """What a client connecting now is told (the retained message)."""
    fresh = MqttProbe(broker.url, f"{STATE}/{name}")
    fresh.start()
    try:
        return fresh.wait_for(f"{STATE}/{name}", lambda m: m.retain).json()
    finally:
        fresh.stop()


def latest(probe: MqttProbe, name: str) -> Any:
    return [m for m in probe.messages if m.topic == f"{STATE}/{name}"][-1].json()


def test_announces_online_and_every_state_topic_retained(
    renderer: ServiceProcess, broker: MosquittoBroker
) -> None:
    apps = retained_state(broker, "apps_list")
    assert apps["apps"] == ["clock", "scroll_text", "stars"]
    assert apps["current"] == "clock"
    assert apps["instances"]["clock"] == {
        "type": "clock",
        "config": ClockConfig().model_dump(),
        "stale": False,
        "error": None,
        "origin": None,
        "pushed_at": None,
    }
    types = retained_state(broker, "app_types")["types"]
    assert {"clock", "scroll_text", "stars", "countdown", "weather", "image"} <= set(types)
    assert set(types["clock"]) == {"description", "schema"}
    assert retained_state(broker, "current_app") == {
        "app": "clock",
        "config": ClockConfig().model_dump(),
    }
    assert retained_state(broker, "assets")["assets"] == []
    assert retained_state(broker, "settings") == settings_state(80)
    assert retained_state(broker, "carousel_config") == {
        "enabled": False,
        "apps": [],
        "current_index": 0,
        "fallback": "off",
    }
    assert retained_state(broker, "notification") == {"current": None, "queue": [], "length": 0}
    assert retained_state(broker, "night") == {
        "enabled": False,
        "from": "22:00",
        "until": "07:00",
        "brightness": 10,
        "app": None,
        "active": False,
        "manual": False,
    }


def test_switch(renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker) -> None:
    reply = probe.request(BOARD, "switch", {"app": "scroll_text", "config": {"text": "Hi"}})
    assert reply["success"] is True
    assert reply["state"]["current_app"]["app"] == "scroll_text"
    assert retained_state(broker, "current_app")["config"]["text"] == "Hi"
    assert retained_state(broker, "apps_list")["current"] == "scroll_text"


def test_stop(renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker) -> None:
    reply = probe.request(BOARD, "stop", {})
    assert reply["success"] is True
    assert retained_state(broker, "current_app") == {"app": None, "config": {}}


def test_config_of_current_and_of_other_app(
    renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    assert probe.request(BOARD, "config", {"config": {"color": [255, 0, 0]}})["success"]
    assert retained_state(broker, "current_app")["config"]["color"] == [255, 0, 0]
    reply = probe.request(BOARD, "config", {"app": "stars", "config": {"lifetime": 12}})
    assert reply["success"] and set(reply["state"]) == {"apps_list"}
    assert retained_state(broker, "apps_list")["instances"]["stars"]["config"]["lifetime"] == 12


def test_settings(renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker) -> None:
    reply = probe.request(BOARD, "settings", {"brightness": 40})
    assert reply["state"] == {"settings": settings_state(40)}
    assert retained_state(broker, "settings") == settings_state(40)


def test_carousel_and_next(
    renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    apps = [{"app": "stars", "duration": 60}, {"app": "scroll_text", "duration": 60}]
    reply = probe.request(BOARD, "carousel", {"enabled": True, "apps": apps})
    assert reply["success"] is True
    assert retained_state(broker, "carousel_config") == {
        "enabled": True,
        "apps": apps,
        "current_index": 0,
        "fallback": "off",
    }
    assert retained_state(broker, "current_app")["app"] == "stars"
    assert probe.request(BOARD, "next", {})["success"]
    assert retained_state(broker, "current_app")["app"] == "scroll_text"
    assert retained_state(broker, "carousel_config")["current_index"] == 1


def test_carousel_rotates_on_its_own(renderer: ServiceProcess, probe: MqttProbe) -> None:
    apps = [{"app": "stars", "duration": 1}, {"app": "scroll_text", "duration": 1}]
    probe.request(BOARD, "carousel", {"enabled": True, "apps": apps})
    probe.wait_for(f"{STATE}/current_app", lambda m: m.json()["app"] == "scroll_text", timeout=4)
    probe.clear()
    probe.wait_for(f"{STATE}/current_app", lambda m: m.json()["app"] == "stars", timeout=4)


def test_request_state_republishes_everything(renderer: ServiceProcess, probe: MqttProbe) -> None:
    probe.clear()
    reply = probe.request(BOARD, "request_state", {})
    assert set(reply["state"]) == {
        "apps_list",
        "current_app",
        "settings",
        "carousel_config",
        "realtime",
        "app_types",
        "assets",
        "notification",
        "night",
    }
    for name in reply["state"]:
        probe.wait_for(f"{STATE}/{name}")


def position(probe: MqttProbe, message: Received) -> int:
    """Where ``message`` itself is in ``probe.messages`` (equal payloads repeat)."""
    return next(i for i, seen in enumerate(probe.messages) if seen is message)


def test_preview_frames_flow_only_while_watched(renderer: ServiceProcess, probe: MqttProbe) -> None:
    frame_topic = f"retroboard/{BOARD}/frame"
    probe.request(BOARD, "switch", {"app": "stars"})
    probe.fence()  # whatever the renderer published so far has arrived
    assert not [m for m in probe.messages if m.topic == frame_topic]
    probe.request(BOARD, "preview", {"ttl": 1})
    first = probe.wait_for(frame_topic)
    assert first.payload.startswith(b"\x89PNG")
    probe.wait_for(frame_topic, lambda m: m is not first)
    # Fences from the render thread, which also sends the frames (in order, on one
    # connection): a carousel started after the watch (ttl 1 s) rotates first at least
    # 1 s later, so its first rotation comes after the watch ran out; before its second,
    # the render loop draws the new app, which a live watch would have sent.
    apps = [{"app": "stars", "duration": 1}, {"app": "scroll_text", "duration": 1}]
    assert probe.request(BOARD, "carousel", {"enabled": True, "apps": apps})["success"]
    rotated = probe.wait_for(
        f"{STATE}/carousel_config", lambda m: m.json()["current_index"] == 1, timeout=4
    )
    back = probe.wait_for(
        f"{STATE}/carousel_config",
        lambda m: m.json()["current_index"] == 0 and position(probe, m) > position(probe, rotated),
        timeout=4,
    )
    between = probe.messages[position(probe, rotated) : position(probe, back)]
    assert not [m for m in between if m.topic == frame_topic]


BAD_COMMANDS = [
    ("switch", b"not json", "malformed"),
    ("switch", b"[1, 2]", "malformed"),
    ("switch", b'{"app": 5}', "invalid"),
    ("switch", b'{"app": "nope"}', "unknown_app"),
    ("dance", b"{}", "unknown_verb"),
    ("settings", b'{"brightness": 101}', "invalid"),
    ("settings", b'{"brightness": "loud"}', "invalid"),
    ("config", b'{"config": {"color": [0, 0, 999]}}', "invalid"),
    ("config", b'{"app": "clock", "config": {"font": "../../etc/passwd"}}', "invalid"),
    ("carousel", b'{"enabled": true, "apps": []}', "conflict"),
    ("carousel", b'{"apps": [{"app": "clock", "duration": 0}]}', "invalid"),
    ("next", b"{}", "conflict"),
    ("switch", b'{"app": "clock", "pad": "' + b"x" * 20000 + b'"}', "too_large"),
    ("switch", b"\xff\xfe", "malformed"),
]


@pytest.mark.parametrize(("verb", "payload", "code"), BAD_COMMANDS)
def test_bad_commands_are_answered_and_change_nothing(
    renderer: ServiceProcess,
    probe: MqttProbe,
    broker: MosquittoBroker,
    verb: str,
    payload: bytes,
    code: str,
) -> None:
    before = {
        name: retained_state(broker, name)
        for name in ("apps_list", "current_app", "settings", "carousel_config")
    }
    probe.clear()
    probe.publish(f"retroboard/{BOARD}/cmd/{verb}", payload)
    reply = probe.wait_for(f"retroboard/{BOARD}/response/{verb}").json()
    assert reply["success"] is False
    assert reply["code"] == code
    assert reply["error"]
    probe.renderer_fence(BOARD)  # a state published for the bad command came before this
    assert not [m for m in probe.messages if m.topic.startswith(f"{STATE}/")]
    after = {name: retained_state(broker, name) for name in before}
    assert after == before
    assert renderer.running
    assert probe.request(BOARD, "settings", {"brightness": 55})["success"]  # still serving


def test_bad_command_keeps_the_callers_transaction(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    probe.publish(
        f"retroboard/{BOARD}/cmd/settings", json.dumps({"brightness": -1, "transaction": "t-1"})
    )
    reply = probe.wait_for(f"retroboard/{BOARD}/response/settings").json()
    assert reply["transaction"] == "t-1"
    assert reply["details"][0]["loc"] == ["brightness"]


def test_restart_restores_state(
    start_renderer: RendererFactory, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    first = start_renderer()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    probe.request(BOARD, "switch", {"app": "scroll_text", "config": {"text": "kept"}})
    probe.request(BOARD, "settings", {"brightness": 21})
    assert first.stop() == 0
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"offline")
    probe.clear()
    start_renderer()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    assert retained_state(broker, "current_app")["config"]["text"] == "kept"
    assert retained_state(broker, "settings") == settings_state(21)


def test_ignore_state_boots_on_the_chosen_app(
    start_renderer: RendererFactory, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    first = start_renderer()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    probe.request(BOARD, "switch", {"app": "scroll_text"})
    first.stop()
    probe.clear()
    start_renderer("--ignore-state", "--app", "stars")
    probe.wait_for(f"{STATE}/current_app", lambda m: m.json()["app"] == "stars", timeout=10)


def test_last_will_on_kill_9(
    renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    renderer.kill()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"offline", timeout=5)
    assert retained_state(broker, "settings")  # state stays retained for readers


def test_broker_restart_republishes_state(
    renderer: ServiceProcess, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    probe.request(BOARD, "settings", {"brightness": 66})
    broker.kill()
    # Wipe the broker's memory of retained messages: only a republish can bring them back.
    for persisted in broker.workdir.glob("*.db"):
        persisted.unlink()
    broker.start()
    probe.clear()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=15)
    assert retained_state(broker, "settings") == settings_state(66)
    assert probe.request(BOARD, "settings", {"brightness": 67})["success"]  # subscriptions survived


def test_first_connection_is_retried(
    start_renderer: RendererFactory, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    broker.stop()
    process = start_renderer()
    wait_until(
        lambda: "cannot connect to MQTT broker" in process.output(),
        what="a first connection attempt failed",
    )
    broker.start()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=15)


def test_bad_setting_stops_with_one_clear_line(start_renderer: RendererFactory) -> None:
    process = start_renderer(MATRIX_ROWS="lots")
    assert process.process is not None
    assert process.process.wait(10) == 2
    lines = process.output().strip().splitlines()
    assert lines == [
        "retroboard-renderer: invalid setting MATRIX_ROWS: "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_sigusr1_writes_a_snapshot_of_the_emulated_panel(
    start_renderer: RendererFactory, probe: MqttProbe, tmp_path: Path
) -> None:
    process = start_renderer()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    probe.request(BOARD, "switch", {"app": "scroll_text", "config": {"color": [255, 0, 0]}})
    assert process.process is not None
    signalled = process.process
    snapshot = tmp_path / f"state-{BOARD}" / "snapshot.png"

    def lit_snapshot() -> Image.Image | None:
        """A fresh snapshot, if the text has scrolled into view on it."""
        snapshot.unlink(missing_ok=True)
        signalled.send_signal(signal.SIGUSR1)
        wait_until(snapshot.exists, timeout=5, what="snapshot written")
        with Image.open(snapshot) as written:
            image = written.convert("RGB")
        pixels = np.asarray(image)
        red = (pixels[..., 0] > 0) & (pixels[..., 1] == 0) & (pixels[..., 2] == 0)
        return image if red.any() else None  # the clock may show one frame more

    # Something is lit (the text scrolled into view)…
    image = wait_until(lit_snapshot, timeout=10, what="text on the snapshot")
    assert image.size == (64, 32)
    pixels = {tuple(pixel) for pixel in np.asarray(image).reshape(-1, 3).tolist()}
    assert pixels - {(0, 0, 0)}  # …something is lit…
    assert {(r, g, b) for r, g, b in pixels if g or b} == set()  # …in red only
