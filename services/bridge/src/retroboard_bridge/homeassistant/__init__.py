"""Home Assistant over MQTT: discovery configs, entity states, and HA commands.

Pure functions and small models; the I/O lives in
:mod:`retroboard_bridge.extensions.homeassistant`.
"""

from retroboard_bridge.homeassistant.commands import translate
from retroboard_bridge.homeassistant.discovery import Origin, discovery_configs
from retroboard_bridge.homeassistant.entities import ENTITIES, Entity
from retroboard_bridge.homeassistant.topics import HassTopics, parse_command_topic
from retroboard_bridge.homeassistant.view import BoardView

__all__ = [
    "ENTITIES",
    "BoardView",
    "Entity",
    "HassTopics",
    "Origin",
    "discovery_configs",
    "parse_command_topic",
    "translate",
]
