"""The bridge's settings: the common ones plus the Socket.IO message queue."""

from __future__ import annotations

from pydantic import field_validator

from retroboard_common.settings import ServiceSettings, env
from retroboard_common.sio_queue import check_queue_url


class BridgeSettings(ServiceSettings):
    """Everything ``retroboard-bridge`` reads from the environment."""

    socketio_message_queue: str = env(
        "SOCKETIO_MESSAGE_QUEUE",
        "mqtt",
        description="Socket.IO message queue: 'mqtt' (the MQTT_URL broker), mqtt://… or redis://…",
    )

    @field_validator("socketio_message_queue")
    @classmethod
    def _check_queue(cls, value: str) -> str:
        return check_queue_url(value.strip())
