"""MQTT topic names: the only place topic strings are built or parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Final, Literal, get_args

from pydantic import AfterValidator, WithJsonSchema

BASE: Final = "retroboard"

StateName = Literal["apps_list", "current_app", "settings", "carousel_config", "realtime"]
STATE_NAMES: Final[tuple[StateName, ...]] = get_args(StateName)

BOARD_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def is_valid_board_id(board_id: str) -> bool:
    """Tell whether ``board_id`` is safe as one MQTT topic level and one URL segment."""
    return bool(BOARD_ID_PATTERN.match(board_id))


def _check_board_id(value: str) -> str:
    if not is_valid_board_id(value):
        raise ValueError(f"{value!r} is not a valid board id (letters, digits, '_', '-', '.')")
    return value


BoardId = Annotated[
    str,
    AfterValidator(_check_board_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": BOARD_ID_PATTERN.pattern,
            "description": "A board id (RETROBOARD_BOARD_ID of its renderer): letters, "
            "digits, '_', '-', '.'",
        }
    ),
]
"""A board id: safe as one MQTT topic level and one URL segment."""


@dataclass(frozen=True)
class BoardTopics:
    """Every topic of one board, under ``retroboard/<board>``."""

    board_id: str

    @property
    def base(self) -> str:
        """``retroboard/<board>``."""
        return f"{BASE}/{self.board_id}"

    @property
    def status(self) -> str:
        """Renderer availability: ``online`` / ``offline`` (retained, last will)."""
        return f"{self.base}/status"

    @property
    def health(self) -> str:
        """The renderer's own health, e.g. whether it can save its state (retained)."""
        return f"{self.base}/health"

    @property
    def frame(self) -> str:
        """Live preview frames (PNG)."""
        return f"{self.base}/frame"

    def state(self, name: StateName) -> str:
        """A retained state topic."""
        return f"{self.base}/state/{name}"

    def cmd(self, verb: str) -> str:
        """Where commands for ``verb`` are sent."""
        return f"{self.base}/cmd/{verb}"

    def response(self, verb: str) -> str:
        """Where the renderer answers ``verb`` commands."""
        return f"{self.base}/response/{verb}"

    @property
    def all_commands(self) -> str:
        """Subscription for every command of this board."""
        return f"{self.base}/cmd/+"


# Wildcard subscriptions over every board (used by the api and the bridge).
ALL_STATUS: Final = f"{BASE}/+/status"
ALL_HEALTH: Final = f"{BASE}/+/health"
ALL_STATE: Final = f"{BASE}/+/state/+"
ALL_RESPONSES: Final = f"{BASE}/+/response/+"
ALL_FRAMES: Final = f"{BASE}/+/frame"


@dataclass(frozen=True)
class ParsedTopic:
    """A topic split into its board, its kind (``state``, ``cmd``, …) and its name."""

    board_id: str
    kind: str
    name: str | None


def parse_topic(topic: str) -> ParsedTopic | None:
    """Split a RetroBoard topic; ``None`` when it is not one of ours."""
    parts = topic.split("/")
    if len(parts) < 3 or parts[0] != BASE:
        return None
    if len(parts) == 3:
        return ParsedTopic(parts[1], parts[2], None)
    if len(parts) == 4:
        return ParsedTopic(parts[1], parts[2], parts[3])
    return None
