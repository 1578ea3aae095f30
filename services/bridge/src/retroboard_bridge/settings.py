"""The bridge's settings: the common ones, the Socket.IO message queue, Home Assistant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from retroboard_common.settings import ServiceSettings, env
from retroboard_common.sio_queue import check_queue_url

# One or more topic levels, no wildcards, no empty level.
DISCOVERY_PREFIX_PATTERN = r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$"


class BridgeSettings(ServiceSettings):
    """Everything ``retroboard-bridge`` reads from the environment."""

    socketio_message_queue: str = env(
        "SOCKETIO_MESSAGE_QUEUE",
        "mqtt",
        description="Socket.IO message queue: 'mqtt' (the MQTT_URL broker), mqtt://… or redis://…",
    )
    ha_discovery: bool = env(
        "RETROBOARD_HA_DISCOVERY",
        True,
        description="Announce every board to Home Assistant by MQTT discovery",
    )
    ha_discovery_prefix: Annotated[str, Field(pattern=DISCOVERY_PREFIX_PATTERN)] = env(
        "RETROBOARD_HA_DISCOVERY_PREFIX",
        "homeassistant",
        description="Home Assistant's MQTT discovery prefix (its birth message is <prefix>/status)",
    )
    ha_discovery_rate: Annotated[float, Field(gt=0)] = env(
        "RETROBOARD_HA_DISCOVERY_RATE",
        500.0,
        description="Home Assistant discovery messages per second at most (a fleet is "
        "announced at this pace)",
    )

    @field_validator("socketio_message_queue")
    @classmethod
    def _check_queue(cls, value: str) -> str:
        return check_queue_url(value.strip())
