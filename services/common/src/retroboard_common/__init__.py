"""Shared code of the RetroBoard services: payload models, topics, settings, MQTT."""

from retroboard_common.models import dump_payload, payload_dict
from retroboard_common.mqtt import MqttClient, Will
from retroboard_common.settings import MqttUrl, ServiceSettings, load_settings
from retroboard_common.topics import BoardTopics, parse_topic

__all__ = [
    "BoardTopics",
    "MqttClient",
    "MqttUrl",
    "ServiceSettings",
    "Will",
    "dump_payload",
    "load_settings",
    "parse_topic",
    "payload_dict",
]
