"""MQTT topic names: the only place topic strings are built or parsed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated, Final, Literal, get_args

from pydantic import AfterValidator, WithJsonSchema

BASE: Final = "retroboard"

StateName = Literal[
    "apps_list",
    "current_app",
    "settings",
    "carousel_config",
    "realtime",
    "app_types",
    "assets",
    "notification",
    "night",
]
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
    def index(self) -> str:
        """The board's entry in the fleet index (retained; see :func:`fleet_shard`)."""
        return f"{FLEET_INDEX}/{fleet_shard(self.board_id)}/{self.board_id}"

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
        return f"{self.base}/cmd/{COMMAND_PATHS.get(verb, verb)}"

    def custom(self, name: str) -> str:
        """Where an automation pushes AWTRIX 3's JSON of custom app ``name``."""
        return f"{self.base}/cmd/{CUSTOM_PUSH}/{name}"

    @property
    def custom_pushes(self) -> str:
        """Subscription for every custom-app push to this board."""
        return f"{self.base}/cmd/{CUSTOM_PUSH}/+"

    def response(self, verb: str) -> str:
        """Where the renderer answers ``verb`` commands."""
        return f"{self.base}/response/{verb}"

    @property
    def all_commands(self) -> str:
        """Subscription for every command of this board."""
        return f"{self.base}/cmd/+"

    def asset_upload(self, name: str, transaction: str | None = None) -> str:
        """Where an image's bytes are published to store it as ``name``; the optional
        ``transaction`` comes back in ``response/asset``."""
        topic = f"{self.base}/cmd/{ASSET_UPLOAD}/{name}"
        return f"{topic}/{transaction}" if transaction else topic

    @property
    def asset_uploads(self) -> str:
        """Subscription for every image upload to this board."""
        return f"{self.base}/cmd/{ASSET_UPLOAD}/#"

    def asset_data(self, transaction: str) -> str:
        """Where the renderer sends a stored image's bytes, asked by ``cmd/asset_data``."""
        return f"{self.base}/{ASSET_DATA}/{transaction}"


COMMAND_PATHS: Final[dict[str, str]] = {"dismiss": "notify/dismiss"}
"""Verbs whose topic is not ``cmd/<verb>`` (AWTRIX 3's own shape)."""
CUSTOM_PUSH: Final = "custom"
"""``cmd/custom/<name>``: the bare AWTRIX JSON of one custom app (``cmd/custom`` is the
api's command, with the name in its body)."""

ASSET_UPLOAD: Final = "asset"
"""``cmd/asset/<name>[/<transaction>]``: a binary command (the payload is the image)."""
ASSET_DATA: Final = "asset_data"
TRANSACTION_PATTERN: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class AssetUpload:
    """An image upload's topic, parsed."""

    board_id: str
    name: str
    transaction: str | None


def parse_asset_upload(topic: str) -> AssetUpload | None:
    """Split ``retroboard/<board>/cmd/asset/<name>[/<transaction>]``; ``None`` when
    ``topic`` is not one (the name is checked by the library, the transaction here)."""
    parts = topic.split("/")
    if len(parts) not in (5, 6) or parts[0] != BASE or parts[2:4] != ["cmd", ASSET_UPLOAD]:
        return None
    transaction = parts[5] if len(parts) == 6 else None
    if transaction is not None and not TRANSACTION_PATTERN.match(transaction):
        return None
    return AssetUpload(parts[1], parts[4], transaction)


# The fleet index: one retained message per board, spread over FLEET_SHARDS shards so a
# central api can read every board's name a shard at a time. A broker on its default
# settings delivers at most ~1,000 queued messages per client at once (Mosquitto's
# max_queued_messages): one subscription matching 10,000 retained status topics is cut
# short silently, one shard of them (~40 boards at 10,000) never is. Board ids never
# start with "_", so no board's topics can be mistaken for the index.
FLEET_INDEX: Final = f"{BASE}/_fleet"
FLEET_SHARDS: Final = 256
INDEX_ENTRY: Final = b"1"
"""The payload of a board's index entry (its presence is what counts)."""
ALL_INDEX: Final = f"{FLEET_INDEX}/+/+"


def fleet_shard(board_id: str) -> str:
    """The index shard of ``board_id``: two hex digits, the same on every machine."""
    return hashlib.blake2s(board_id.encode(), digest_size=1).hexdigest()


def shard_filter(shard: str) -> str:
    """The subscription for one shard of the fleet index."""
    return f"{FLEET_INDEX}/{shard}/+"


def parse_index_topic(topic: str) -> str | None:
    """The board id of a fleet index topic, ``None`` when ``topic`` is not one."""
    parts = topic.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != FLEET_INDEX:
        return None
    board_id = parts[3]
    if not is_valid_board_id(board_id) or parts[2] != fleet_shard(board_id):
        return None
    return board_id


# Published (not retained) by the bridge each time it has read every board's retained
# state: its first states were not sent to Socket.IO clients (the api's snapshots hold
# them), so the api sends its clients their snapshot again, in case something changed
# while the bridge was away.
BRIDGE_READY: Final = f"{BASE}/_bridge/ready"

# Wildcard subscriptions over every board (used by the api and the bridge).
ALL_STATUS: Final = f"{BASE}/+/status"
ALL_HEALTH: Final = f"{BASE}/+/health"
ALL_STATE: Final = f"{BASE}/+/state/+"
ALL_RESPONSES: Final = f"{BASE}/+/response/+"
ALL_FRAMES: Final = f"{BASE}/+/frame"
ALL_ASSET_DATA: Final = f"{BASE}/+/{ASSET_DATA}/+"
# Every status, as a filter distinct from ALL_STATUS (which it matches too): subscribing
# and unsubscribing it for one read leaves the live ALL_STATUS subscription alone.
BOARD_STATUS_SCAN: Final = f"{BASE}/+/status/#"


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


@dataclass(frozen=True)
class CommandTopic:
    """A command topic, parsed: its verb and, for ``cmd/custom/<name>``, the name."""

    verb: str
    name: str | None = None


_VERB_OF_PATH: Final = {path: verb for verb, path in COMMAND_PATHS.items()}


def parse_command_topic(topic: str) -> CommandTopic | None:
    """The verb of ``retroboard/<board>/cmd/<verb>`` (or ``cmd/notify/dismiss``,
    ``cmd/custom/<name>``); ``None`` when ``topic`` is no command topic."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != BASE or parts[2] != "cmd":
        return None
    path = "/".join(parts[3:])
    if path in _VERB_OF_PATH:
        return CommandTopic(_VERB_OF_PATH[path])
    if len(parts) == 5 and parts[3] == CUSTOM_PUSH:
        return CommandTopic(CUSTOM_PUSH, parts[4])
    return CommandTopic(path) if len(parts) == 4 else None
