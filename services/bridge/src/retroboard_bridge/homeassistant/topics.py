"""Topics of the Home Assistant integration: discovery configs and entity topics.

Entity topics live under ``retroboard/<board>/ha/<entity>/…`` (five levels), so the
``retroboard/+/state/+`` and ``retroboard/+/status`` wildcards of the other services
never match them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from retroboard_common.topics import BASE, BoardTopics, is_valid_board_id

HA_LEVEL: Final = "ha"
ALL_HA_COMMANDS: Final = f"{BASE}/+/{HA_LEVEL}/+/set"
NODE_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]")


def birth_topic(prefix: str) -> str:
    """Where Home Assistant says ``online`` when it (re)starts."""
    return f"{prefix}/status"


def node_id(board_id: str) -> str:
    """The discovery node id of a board (discovery topic levels allow no ``.``)."""
    return "retroboard_" + NODE_UNSAFE.sub("_", board_id)


@dataclass(frozen=True)
class HassTopics:
    """Every Home Assistant topic of one board."""

    board_id: str
    prefix: str

    @property
    def availability(self) -> str:
        """The renderer's retained ``online``/``offline``."""
        return BoardTopics(self.board_id).status

    def discovery(self, component: str, entity: str) -> str:
        """``<prefix>/<component>/<node>/<entity>/config`` (retained)."""
        return f"{self.prefix}/{component}/{node_id(self.board_id)}/{entity}/config"

    def entity_base(self, entity: str) -> str:
        """``retroboard/<board>/ha/<entity>``."""
        return f"{BoardTopics(self.board_id).base}/{HA_LEVEL}/{entity}"

    def command(self, entity: str) -> str:
        """Where Home Assistant sends this entity's commands."""
        return f"{self.entity_base(entity)}/set"

    def state(self, entity: str) -> str:
        """Where the bridge publishes this entity's state (retained)."""
        return f"{self.entity_base(entity)}/state"

    def response(self, entity: str) -> str:
        """Where the bridge answers a refused command (not retained)."""
        return f"{self.entity_base(entity)}/response"


def parse_command_topic(topic: str) -> tuple[str, str] | None:
    """``(board, entity)`` of ``retroboard/<board>/ha/<entity>/set``, else ``None``."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != BASE or parts[2] != HA_LEVEL or parts[4] != "set":
        return None
    if not is_valid_board_id(parts[1]):
        return None
    return parts[1], parts[3]
