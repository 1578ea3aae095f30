"""Home Assistant MQTT discovery configs (per entity, each with the device and origin)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel

from retroboard_bridge.homeassistant import entities
from retroboard_bridge.homeassistant.entities import Entity
from retroboard_bridge.homeassistant.topics import HassTopics
from retroboard_bridge.homeassistant.view import BoardView

Config = dict[str, Any]


def bridge_version() -> str:
    """The installed ``retroboard-bridge`` version."""
    try:
        return version("retroboard-bridge")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


class Origin(BaseModel):
    """The ``origin`` block: which software announced the entities."""

    name: str = "retroboard-bridge"
    sw_version: str = bridge_version()
    support_url: str | None = None


def device_block(board_id: str) -> Config:
    """The ``device`` block every entity of a board shares (one HA device per board)."""
    return {
        "identifiers": [f"retroboard_{board_id}"],
        "name": f"RetroBoard {board_id}",
        "manufacturer": "RetroBoard",
        "model": "RGB LED matrix",
    }


def discovery_configs(
    board_id: str, view: BoardView, prefix: str, origin: Origin
) -> dict[str, Config]:
    """Every discovery config of a board, by discovery topic.

    Empty until the board's ``apps_list`` is known (the light's effects and the
    select's options are its apps).
    """
    if view.app_names is None:
        return {}
    topics = HassTopics(board_id, prefix)
    configs: dict[str, Config] = {}
    for entity in entities.ENTITIES:
        if entity.needs_app and entity.needs_app not in view.apps:
            continue
        config = _common(entity, board_id, topics, origin)
        config.update(_specific(entity, topics, view))
        configs[topics.discovery(entity.component, entity.key)] = config
    return configs


def _common(entity: Entity, board_id: str, topics: HassTopics, origin: Origin) -> Config:
    config: Config = {
        "name": entity.name,
        "unique_id": f"retroboard_{board_id}_{entity.key}",
        "device": device_block(board_id),
        "origin": origin.model_dump(exclude_none=True),
        "availability_topic": topics.availability,
        "payload_available": "online",
        "payload_not_available": "offline",
        "qos": 1,
    }
    if entity.icon:
        config["icon"] = entity.icon
    if entity.component != "sensor":
        config["command_topic"] = topics.command(entity.key)
    if entity.component not in entities.STATELESS:
        config["state_topic"] = topics.state(entity.key)
    return config


def _specific(entity: Entity, topics: HassTopics, view: BoardView) -> Config:
    if entity == entities.LIGHT:
        return {
            "schema": "json",
            "brightness": True,
            "brightness_scale": 100,
            "supported_color_modes": ["brightness"],
            "effect": True,
            "effect_list": view.apps,
        }
    if entity == entities.APP_SELECT:
        return {"options": view.apps}
    if entity == entities.MESSAGE:
        return {"min": 0, "max": view.message_max(), "mode": "text"}
    if entity.component == "switch":
        return {"payload_on": entities.ON, "payload_off": entities.OFF}
    if entity.component == "button":
        return {"payload_press": entities.BUTTON_PRESS}
    return {}
