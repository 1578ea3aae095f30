"""Home Assistant over MQTT, end to end: a real renderer and bridge on Mosquitto, and a
test client that does what Home Assistant does with discovery payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.services import BOARD, HomeAssistant, bridge, renderer
from tests.support.states import settings_state
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

ENTITIES = {  # entity key: HA component
    "display": "light",
    "app": "select",
    "message": "text",
    "carousel": "switch",
    "next": "button",
    "realtime": "switch",
    "night": "switch",
    "current_app": "sensor",
    "notify": "notify",
    "dismiss": "button",
}
COMMANDABLE = {"light", "select", "text", "switch", "button", "notify"}
STATEFUL = {"light", "select", "text", "switch", "sensor"}


@pytest.fixture
def ha(
    broker: MosquittoBroker, tmp_path: Path, ha_probe: MqttProbe, processes: list[ServiceProcess]
) -> HomeAssistant:
    """Renderer + bridge running; HA has seen every discovery config."""
    processes.append(renderer(broker, tmp_path, BOARD, RETROBOARD_LOG_LEVEL="INFO").start())
    processes.append(bridge(broker, tmp_path).start())
    assistant = HomeAssistant(ha_probe)
    for entity, component in ENTITIES.items():
        assistant.discovery(component, entity)
    return assistant


def configs(ha: HomeAssistant) -> dict[str, dict[str, Any]]:
    """Every entity's discovery config, by entity key."""
    return {e: ha.discovery(c, e) for e, c in ENTITIES.items()}


def light_state(ha: HomeAssistant, light: dict[str, Any], **expected: Any) -> dict[str, Any]:
    def fits(payload: str) -> bool:
        state = json.loads(payload)
        return all(state.get(key) == value for key, value in expected.items())

    state: dict[str, Any] = json.loads(ha.state(light["state_topic"], fits))
    return state


def test_discovery_has_what_home_assistant_requires(
    ha: HomeAssistant, broker: MosquittoBroker
) -> None:
    found = configs(ha)
    apps = ha.probe.wait_for(f"retroboard/{BOARD}/state/apps_list").json()["apps"]
    assert {"clock", "scroll_text", "stars"} <= set(apps)
    unique_ids = set()
    for entity, config in found.items():
        component = ENTITIES[entity]
        unique_ids.add(config["unique_id"])
        assert config["availability_topic"] == f"retroboard/{BOARD}/status"
        assert config["device"]["identifiers"] == [f"retroboard_{BOARD}"]
        assert config["device"]["name"] == f"RetroBoard {BOARD}"
        assert config["origin"]["name"] == "retroboard-bridge"
        assert "sw_version" in config["origin"]
        assert ("command_topic" in config) == (component in COMMANDABLE), component
        assert ("state_topic" in config) == (component in STATEFUL), component
    assert len(unique_ids) == len(ENTITIES)

    light = found["display"]
    assert light["schema"] == "json"
    assert light["brightness"] is True and light["brightness_scale"] == 100
    assert light["supported_color_modes"] == ["brightness"]
    assert light["effect"] is True and light["effect_list"] == apps
    assert found["app"]["options"] == apps
    assert 0 < found["message"]["max"] <= 255
    realtime = found["realtime"]
    assert realtime["name"] == "Realtime streams"
    assert realtime["icon"] == "mdi:led-strip-variant"
    assert (realtime["payload_on"], realtime["payload_off"]) == ("ON", "OFF")
    # the discovery configs and states are retained: a Home Assistant starting later
    # gets them from the broker (once published: a message that arrives after the
    # subscription comes live, without the retain flag)
    ha.probe.wait_for(found["current_app"]["state_topic"])
    late = MqttProbe(broker.url, pattern="#")
    late.start()
    try:
        for entity, component in ENTITIES.items():
            topic = f"homeassistant/{component}/retroboard_{BOARD}/{entity}/config"
            assert late.wait_for(topic, lambda m: m.retain)
        assert late.wait_for(found["current_app"]["state_topic"], lambda m: m.retain)
    finally:
        late.stop()
    # availability comes from the renderer itself
    assert ha.probe.wait_for(light["availability_topic"]).payload == b"online"


def test_commands_on_advertised_topics_reach_the_board(ha: HomeAssistant) -> None:
    found = configs(ha)
    light, select, sensor = found["display"], found["app"], found["current_app"]

    ha.send(select["command_topic"], "stars")
    assert ha.state(select["state_topic"], lambda s: s == "stars") == "stars"
    ha.state(sensor["state_topic"], lambda s: s == "stars")
    light_state(ha, light, state="ON", effect="stars")

    ha.send(light["command_topic"], json.dumps({"state": "OFF"}))  # the panel goes dark
    light_state(ha, light, state="OFF")
    ha.probe.wait_for(f"retroboard/{BOARD}/state/settings", lambda m: m.json()["power"] is False)
    assert ha.state(select["state_topic"], lambda s: s == "stars") == "stars"  # paused, kept

    ha.send(light["command_topic"], json.dumps({"state": "ON"}))  # on again, as it was
    light_state(ha, light, state="ON", effect="stars")

    ha.send(light["command_topic"], json.dumps({"state": "ON", "brightness": 30}))
    light_state(ha, light, state="ON", brightness=30, effect="stars")
    settings = ha.probe.wait_for(
        f"retroboard/{BOARD}/state/settings", lambda m: m.json()["brightness"] == 30
    )
    assert settings.json() == settings_state(30)

    ha.send(light["command_topic"], json.dumps({"state": "ON", "effect": "clock"}))
    light_state(ha, light, state="ON", effect="clock", brightness=30)

    text = found["message"]
    ha.send(text["command_topic"], "Ding dong")
    ha.state(text["state_topic"], lambda s: s == "Ding dong")
    apps_list = ha.probe.wait_for(
        f"retroboard/{BOARD}/state/apps_list",
        lambda m: m.json()["instances"]["scroll_text"]["config"]["text"] == "Ding dong",
    )
    assert apps_list.json()["current"] == "clock"  # the text alone does not switch


def test_carousel_switch_and_next_button(ha: HomeAssistant) -> None:
    found = configs(ha)
    switch, button, sensor = found["carousel"], found["next"], found["current_app"]
    reply = ha.probe.request(
        BOARD,
        "carousel",
        {"apps": [{"app": "clock", "duration": 600}, {"app": "stars", "duration": 600}]},
    )
    assert reply["success"], reply

    ha.send(switch["command_topic"], "ON")
    ha.state(switch["state_topic"], lambda s: s == "ON")
    ha.state(sensor["state_topic"], lambda s: s == "clock")
    ha.send(button["command_topic"], button["payload_press"])
    ha.state(sensor["state_topic"], lambda s: s == "stars")
    ha.send(switch["command_topic"], "OFF")
    ha.state(switch["state_topic"], lambda s: s == "OFF")


def test_realtime_switch_turns_pixel_streams_off_and_on(ha: HomeAssistant) -> None:
    switch = ha.discovery("switch", "realtime")
    state = f"retroboard/{BOARD}/state/realtime"

    ha.send(switch["command_topic"], "OFF")
    ha.probe.wait_for(f"retroboard/{BOARD}/cmd/realtime", lambda m: m.json()["enabled"] is False)
    assert (
        ha.probe.wait_for(state, lambda m: m.json()["enabled"] is False).json()["active"] is False
    )
    ha.state(switch["state_topic"], lambda s: s == "OFF")
    assert ha.probe.wait_for(f"retroboard/{BOARD}/response/realtime").json()["success"]

    ha.probe.clear()
    ha.send(switch["command_topic"], "ON")
    ha.probe.wait_for(f"retroboard/{BOARD}/cmd/realtime", lambda m: m.json()["enabled"] is True)
    assert ha.probe.wait_for(f"retroboard/{BOARD}/response/realtime").json()["success"]
    ha.probe.wait_for(state, lambda m: m.json()["enabled"] is True)
    ha.state(switch["state_topic"], lambda s: s == "ON")


def test_night_switch_turns_night_mode_on_and_off_by_hand(ha: HomeAssistant) -> None:
    switch = ha.discovery("switch", "night")
    assert (switch["name"], switch["icon"]) == ("Night mode", "mdi:weather-night")
    state = f"retroboard/{BOARD}/state/night"
    ha.state(switch["state_topic"], lambda s: s == "OFF")

    ha.send(switch["command_topic"], "ON")
    night = ha.probe.wait_for(state, lambda m: m.json()["active"] is True).json()
    assert night["manual"] is True  # by hand, until the window's next edge
    ha.state(switch["state_topic"], lambda s: s == "ON")
    assert ha.probe.wait_for(f"retroboard/{BOARD}/response/night").json()["success"]

    ha.send(switch["command_topic"], "OFF")
    ha.probe.wait_for(state, lambda m: m.json()["active"] is False)
    ha.state(switch["state_topic"], lambda s: s == "OFF")


def showing(text: str | None) -> Any:
    """A predicate on ``state/notification``: ``text`` on show (``None``: nothing)."""

    def check(message: Any) -> bool:
        current = message.json()["current"]
        return current is None if text is None else bool(current and current["text"] == text)

    return check


def test_notify_entity_and_dismiss_button(ha: HomeAssistant) -> None:
    notify, dismiss = ha.discovery("notify", "notify"), ha.discovery("button", "dismiss")
    state = f"retroboard/{BOARD}/state/notification"

    # notify.send_message: HA publishes the message as it is
    ha.send(notify["command_topic"], "Washer done")
    ha.probe.wait_for(f"retroboard/{BOARD}/cmd/notify", lambda m: m.json()["text"] == "Washer done")
    ha.probe.wait_for(state, showing("Washer done"))
    ha.send(dismiss["command_topic"], dismiss["payload_press"])
    ha.probe.wait_for(state, showing(None))

    # a JSON object is AWTRIX 3's notification: held until dismissed
    ha.send(notify["command_topic"], json.dumps({"text": "Door", "hold": True, "sound": "ding"}))
    held = ha.probe.wait_for(state, showing("Door")).json()
    assert held["current"]["hold"] is True
    # what the renderer did not use is said in its answer (HA itself reads no answers)
    ha.probe.wait_for(
        f"retroboard/{BOARD}/response/notify", lambda m: m.json().get("ignored") == ["sound"]
    )
    ha.send(dismiss["command_topic"], dismiss["payload_press"])
    ha.probe.wait_for(state, showing(None))


def test_custom_apps_join_the_app_select(ha: HomeAssistant) -> None:
    select = ha.discovery("select", "app")
    config = f"homeassistant/select/retroboard_{BOARD}/app/config"

    def options(message: Any) -> list[str]:
        return list(json.loads(message.payload)["options"]) if message.payload else []

    ha.probe.publish(f"retroboard/{BOARD}/cmd/custom/Solar", {"text": "5 kW", "icon": "sun"})
    ha.probe.wait_for(config, lambda m: "solar" in options(m))
    ha.send(select["command_topic"], "solar")
    ha.state(select["state_topic"], lambda s: s == "solar")

    ha.probe.publish(f"retroboard/{BOARD}/cmd/custom/Solar", b"")  # AWTRIX's delete
    ha.probe.wait_for(config, lambda m: bool(m.payload) and "solar" not in options(m))


def test_changes_from_elsewhere_reach_the_state_topics(ha: HomeAssistant) -> None:
    light = ha.discovery("light", "display")
    assert ha.probe.request(BOARD, "settings", {"brightness": 12})["success"]
    light_state(ha, light, brightness=12)
    assert ha.probe.request(BOARD, "power", {"power": False})["success"]
    light_state(ha, light, state="OFF", brightness=12)
    assert ha.probe.request(BOARD, "power", {"power": True})["success"]
    light_state(ha, light, state="ON", brightness=12)
    assert ha.probe.request(BOARD, "stop", {})["success"]
    light_state(ha, light, state="OFF", brightness=12)


def test_bad_payloads_are_answered_and_nothing_breaks(ha: HomeAssistant) -> None:
    light, select = ha.discovery("light", "display"), ha.discovery("select", "app")
    response = f"retroboard/{BOARD}/ha/display/response"
    ha.probe.clear()

    ha.send(light["command_topic"], "not json")
    assert ha.probe.wait_for(response).json()["code"] == "malformed"
    ha.probe.clear()
    ha.send(light["command_topic"], json.dumps({"state": "ON", "brightness": 500}))
    refused = ha.probe.wait_for(response).json()
    assert refused["success"] is False and refused["code"] == "invalid"
    assert refused["details"][0]["loc"] == ["brightness"]
    ha.send(f"retroboard/{BOARD}/ha/switch/set", "ON")  # not an entity of ours
    ha.send(select["command_topic"], "no_such_app")  # the renderer refuses it
    no_app = ha.probe.wait_for(
        f"retroboard/{BOARD}/response/switch", lambda m: not m.json()["success"]
    )
    assert no_app.json()["code"] == "unknown_app"
    ha.send(select["command_topic"], "\u00ff\u00fe" * 40)  # not an app name
    assert ha.probe.wait_for(f"retroboard/{BOARD}/ha/app/response").json()["code"] == "invalid"

    # still alive, still obeying; and the fence: the bridge handles commands in order
    # and publishes on one connection, so a cmd/settings for any payload above would
    # have reached the probe before this switch
    ha.send(select["command_topic"], "scroll_text")
    ha.probe.wait_for(f"retroboard/{BOARD}/cmd/switch", lambda m: m.json()["app"] == "scroll_text")
    assert not [m for m in ha.probe.messages if m.topic.endswith("/cmd/settings")]
    ha.state(select["state_topic"], lambda s: s == "scroll_text")


def checks(bridge: ServiceProcess, outcome: str) -> int:
    """How many marker checks of the bridge ended with ``outcome`` so far."""
    return bridge.output().count(f"Home Assistant discovery checked: {outcome}")


def retained_configs(broker: MosquittoBroker) -> dict[str, Any]:
    """The discovery configs the broker retains for BOARD, by entity (a late HA)."""
    late = MqttProbe(broker.url, pattern="homeassistant/#")
    late.start()
    try:
        return {
            entity: late.wait_for(
                f"homeassistant/{component}/retroboard_{BOARD}/{entity}/config",
                lambda m: m.retain and bool(m.payload),
            ).json()
            for entity, component in ENTITIES.items()
        }
    finally:
        late.stop()


def test_home_assistant_restart_reads_discovery_from_the_broker(
    ha: HomeAssistant, broker: MosquittoBroker, processes: list[ServiceProcess]
) -> None:
    bridge_process = processes[-1]
    select = ha.discovery("select", "app")
    ha.state(select["state_topic"], lambda _s: True)
    kept = checks(bridge_process, "the broker kept it")

    # HA restarts: what it needs is retained, so the bridge only checks its marker
    ha.probe.clear()
    ha.restart()
    wait_until(lambda: checks(bridge_process, "the broker kept it") > kept, what="the check")
    ha.send(select["command_topic"], "\u00ff\u00fe" * 40)  # the fence (see below)
    assert ha.probe.wait_for(f"retroboard/{BOARD}/ha/app/response").json()["code"] == "invalid"
    assert not [m for m in ha.probe.messages if m.topic.endswith("/config")]
    assert retained_configs(broker).keys() == ENTITIES.keys()

    # the broker lost its retained messages (the marker with them): at HA's next birth
    # the bridge announces again, and the broker retains it again
    for entity, component in ENTITIES.items():
        ha.probe.publish(
            f"homeassistant/{component}/retroboard_{BOARD}/{entity}/config", b"", retain=True
        )
    ha.probe.publish("homeassistant/retroboard_bridge/announced", b"", retain=True)
    ha.probe.clear()
    ha.restart()
    for entity, component in ENTITIES.items():
        again = ha.discovery(component, entity)
        assert again["unique_id"] == f"retroboard_{BOARD}_{entity}"
    ha.state(select["state_topic"], lambda s: s in ("clock", "scroll_text", "stars", "None"))
    assert retained_configs(broker)["app"]["options"] == select["options"]
    assert "the broker lost Home Assistant's retained discovery" in bridge_process.output()

    ha.probe.clear()
    ha.probe.publish("homeassistant/status", "offline")  # HA's last will: nothing to do
    # The fence: a command the bridge refuses, from the same client. The bridge handles
    # the birth topic and the commands in order on one connection and publishes in
    # order, so a config sent for "offline" would reach the probe before the answer.
    ha.send(select["command_topic"], "\u00ff\u00fe" * 40)
    assert ha.probe.wait_for(f"retroboard/{BOARD}/ha/app/response").json()["code"] == "invalid"
    assert not [m for m in ha.probe.messages if m.topic.endswith("/config")]
