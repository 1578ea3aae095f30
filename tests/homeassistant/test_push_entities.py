"""The notification entities and custom apps in Home Assistant's discovery, without a
broker: what HA is told about them."""

from __future__ import annotations

from typing import Any

from retroboard_bridge.homeassistant import BoardView, Origin, discovery_configs
from retroboard_bridge.homeassistant.entities import BUTTON_PRESS

CUSTOM = {
    "type": "custom",
    "config": {"text": "21 °C", "icon": "thermometer"},
    "stale": False,
    "error": None,
    "origin": "mqtt",
    "pushed_at": 1_700_000_000.0,
}


def board(*custom: str) -> BoardView:
    view = BoardView()
    apps = ["clock", "stars", *custom]
    view.update(
        "apps_list", {"apps": apps, "current": "clock", "instances": {a: CUSTOM for a in custom}}
    )
    view.update("current_app", {"app": "clock", "config": {}})
    return view


def configs(view: BoardView) -> dict[str, dict[str, Any]]:
    found = discovery_configs("kitchen", view, "homeassistant", Origin(sw_version="1.0"))
    return {topic.split("/")[3]: config for topic, config in found.items()}


def test_a_notify_entity_and_a_dismiss_button() -> None:
    found = discovery_configs("kitchen", board(), "homeassistant", Origin(sw_version="1.0"))
    notify = found["homeassistant/notify/retroboard_kitchen/notify/config"]
    assert notify["name"] == "Notification"
    assert notify["unique_id"] == "retroboard_kitchen_notify"
    assert notify["command_topic"] == "retroboard/kitchen/ha/notify/set"
    assert "state_topic" not in notify  # HA's notify entities have no state
    assert notify["availability_topic"] == "retroboard/kitchen/status"
    assert notify["device"]["identifiers"] == ["retroboard_kitchen"]
    dismiss = found["homeassistant/button/retroboard_kitchen/dismiss/config"]
    assert dismiss["name"] == "Dismiss notification"
    assert dismiss["unique_id"] == "retroboard_kitchen_dismiss"
    assert dismiss["command_topic"] == "retroboard/kitchen/ha/dismiss/set"
    assert dismiss["payload_press"] == BUTTON_PRESS and "state_topic" not in dismiss


def test_custom_apps_are_options_of_the_app_select_and_effects_of_the_light() -> None:
    found = configs(board("solar", "test0", "test1"))
    assert found["app"]["options"] == ["clock", "stars", "solar", "test0", "test1"]
    assert found["display"]["effect_list"] == ["clock", "stars", "solar", "test0", "test1"]
    assert configs(board())["app"]["options"] == ["clock", "stars"]  # deleted: gone again


def test_the_select_shows_a_custom_app_on_show() -> None:
    view = board("solar")
    view.update("current_app", {"app": "solar", "config": CUSTOM["config"]})
    states = view.entity_states()
    assert states["app"] == "solar" and states["current_app"] == "solar"
    assert "notify" not in states and "dismiss" not in states
