"""One pydantic model per MQTT payload (state topics, commands, responses).

Which model goes with which topic, verb and event is :mod:`retroboard_common.contract`.

State payloads are byte-for-byte the Socket.IO events of the same name, so every
service serialises them through :func:`dump_payload`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue

MAX_COMMAND_BYTES: Final = 16 * 1024
MAX_CAROUSEL_APPS: Final = 50
MIN_DURATION: Final = 1
MAX_DURATION: Final = 3600


def _whole_number(value: Any) -> Any:
    # JSON has one number type: 58.0 is the integer 58 (as JSON Schema says), 58.5 is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WHOLE_NUMBER: Final = BeforeValidator(_whole_number)
"""Put last in an ``Annotated[int, Field(…), WHOLE_NUMBER]`` (after the constraints, so
they stay in the JSON Schema): an integer as JSON means it, ``58`` or ``58.0``; with the
payloads' strict mode never ``true`` or ``"58"``."""

TransactionId = Annotated[str | int, Field(description="Echoed back in the response")]
AppName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
"""An app instance's id (``clock``, ``clock-tokyo``) or an app type's name."""
Brightness = Annotated[int, Field(ge=0, le=100, description="Percent, 0–100"), WHOLE_NUMBER]


class Payload(BaseModel):
    """Base of every payload: unknown fields refused, stable field order, and strict
    types (``false`` is not the number 0, ``0`` is not a boolean, ``"5"`` is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- state topics -----------------------------------------------------------


class InstanceInfo(Payload):
    """One app instance: its type, its config, and how its data fetching goes."""

    type: str
    config: dict[str, JsonValue]
    stale: bool = Field(False, description="The last data fetch failed; old data is shown")
    error: str | None = Field(None, description="Why the last data fetch failed")


class AppsListState(Payload):
    """``state/apps_list``: the app instances (in order), the one showing, and each
    instance's type and config."""

    apps: list[str]
    current: str | None
    instances: dict[str, InstanceInfo]


class AppTypeInfo(Payload):
    """What the dashboard and Home Assistant need to build an app type's form."""

    description: str
    config_schema: dict[str, JsonValue] = Field(alias="schema")

    model_config = ConfigDict(
        extra="forbid", strict=True, populate_by_name=True, serialize_by_alias=True
    )


class AppTypesState(Payload):
    """``state/app_types``: every app type this board can run, published once."""

    types: dict[str, AppTypeInfo]


class CurrentAppState(Payload):
    """``state/current_app``: the running app and its config (``app`` null when stopped)."""

    app: str | None
    config: dict[str, JsonValue]


class SettingsState(Payload):
    """``state/settings``: board-wide settings."""

    brightness: Brightness


class CarouselEntry(Payload):
    """One carousel slot: an app shown for ``duration`` seconds."""

    app: AppName
    duration: Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION), WHOLE_NUMBER] = 10


class CarouselState(Payload):
    """``state/carousel_config``: rotation settings and the running position."""

    enabled: bool
    apps: list[CarouselEntry]
    current_index: int


StreamProtocol = Literal["ddp", "e131", "artnet"]


class RealtimeState(Payload):
    """``state/realtime``: whether pixel streams (DDP, E1.31, Art-Net) may take the panel,
    and the one that has it now."""

    enabled: bool
    active: bool = Field(description="A stream owns the panel now")
    protocol: StreamProtocol | None = Field(description="The active stream's protocol")
    source: str | None = Field(description="The active stream's sender (IP address)")
    fps: float = Field(ge=0, description="Frames shown per second, over the last second")


AssetName = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
]
"""An image-library name: lower-case letters, digits, ``_`` and ``-``."""

AssetFormat = Literal["png", "gif", "jpeg", "webp", "bmp"]

ASSET_CONTENT_TYPES: Final[dict[AssetFormat, str]] = {
    "png": "image/png",
    "gif": "image/gif",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "bmp": "image/bmp",
}
"""The HTTP content type of each stored format."""


class AssetInfo(Payload):
    """One image in the board's library."""

    name: AssetName
    format: AssetFormat
    width: int
    height: int
    frames: int = Field(description="1 for a still image")
    bytes: int = Field(description="Size of the stored file")


class AssetsState(Payload):
    """``state/assets``: the board's image library and how full it is."""

    assets: list[AssetInfo]
    bytes: int = Field(description="All stored files together")
    limit: int = Field(description="The most the library may hold, in bytes")


# What the api and the bridge accept from the broker is capped per topic (the state
# limits are in :data:`retroboard_common.contract.STATES`), so nobody can make them keep
# (and serve to every dashboard) megabytes. The compose broker drops any packet over
# MAX_PACKET_BYTES.
MAX_STATUS_BYTES: Final = 64
MAX_HEALTH_BYTES: Final = 4 * 1024
MAX_RESPONSE_BYTES: Final = 512 * 1024  # carries the state payloads a command changed
MAX_FRAME_BYTES: Final = 512 * 1024
MAX_ASSET_BYTES: Final = 1024 * 1024  # one image file in the library
# The brokers' max_packet_size and the queue's limit: an image upload of MAX_ASSET_BYTES
# plus its topic and MQTT headers must fit.
MAX_PACKET_BYTES: Final = MAX_ASSET_BYTES + 64 * 1024


StoreHealth = Literal["ok", "degraded"]


class RendererHealth(Payload):
    """``health``: what the renderer knows is wrong with itself (retained).

    ``store`` is ``degraded`` while the state cannot be saved (read-only or full disk)
    or when the state file was unusable at start; the display keeps running either way.
    """

    store: StoreHealth
    error: str | None = None


# --- commands (cmd/<verb>) --------------------------------------------------
#
# Each verb has a *body*, the fields a client sends (REST and Socket.IO alike), and a
# *command*, the body plus the transaction id, as it travels on MQTT. The table of
# verbs is :mod:`retroboard_common.contract`.

AppConfigFields = Annotated[
    dict[str, JsonValue], Field(description="Config fields; see the app's schema")
]


class Command(Payload):
    """Fields every command may carry."""

    transaction: TransactionId | None = None


class SwitchBody(Payload):
    """Show ``app``; ``config`` (optional) is merged into its saved config first."""

    app: AppName
    config: AppConfigFields | None = None


class StopBody(Payload):
    """Blank the display; the current app becomes null."""


class ConfigBody(Payload):
    """Merge ``config`` into ``app``'s saved config (the current app when omitted)."""

    app: AppName | None = None
    config: AppConfigFields


class SettingsBody(Payload):
    """Change board settings."""

    brightness: Brightness


class CarouselBody(Payload):
    """Change the carousel; omitted (or null) fields keep their value."""

    enabled: bool | None = None
    apps: Annotated[list[CarouselEntry], Field(max_length=MAX_CAROUSEL_APPS)] | None = None


class NextBody(Payload):
    """Advance the running carousel to its next app."""


class RequestStateBody(Payload):
    """Republish every retained state topic."""


class PreviewBody(Payload):
    """Ask for live preview frames for ``ttl`` seconds (renew before it runs out)."""

    ttl: Annotated[float, Field(gt=0, le=300)] = 10.0


class RealtimeBody(Payload):
    """Let pixel streams take the panel (``true``) or drop every packet (``false``)."""

    enabled: bool


class CreateAppBody(Payload):
    """Add an app instance ``id`` of ``type``; ``config`` (optional) over its defaults."""

    id: AppName
    type: AppName
    config: AppConfigFields | None = None


class DeleteAppBody(Payload):
    """Remove app instance ``id`` (the three original apps cannot be removed)."""

    id: AppName


class DeleteAssetBody(Payload):
    """Remove image ``name`` from the library (refused while an instance shows it)."""

    name: AssetName


class AssetDataBody(Payload):
    """Send me the stored file of image ``name``."""

    name: AssetName


class SwitchCommand(SwitchBody, Command):
    """``cmd/switch``."""


class StopCommand(StopBody, Command):
    """``cmd/stop``."""


class ConfigCommand(ConfigBody, Command):
    """``cmd/config``."""


class SettingsCommand(SettingsBody, Command):
    """``cmd/settings``."""


class CarouselCommand(CarouselBody, Command):
    """``cmd/carousel``."""


class NextCommand(NextBody, Command):
    """``cmd/next``."""


class RealtimeCommand(RealtimeBody, Command):
    """``cmd/realtime``."""


class RequestStateCommand(RequestStateBody, Command):
    """``cmd/request_state``."""


class PreviewCommand(PreviewBody, Command):
    """``cmd/preview``."""


class CreateAppCommand(CreateAppBody, Command):
    """``cmd/create_app``."""


class DeleteAppCommand(DeleteAppBody, Command):
    """``cmd/delete_app``."""


class DeleteAssetCommand(DeleteAssetBody, Command):
    """``cmd/delete_asset``."""


class AssetDataCommand(AssetDataBody, Command):
    """``cmd/asset_data``: answered with the file's bytes on ``asset_data/<transaction>``."""


ErrorCode = Literal[
    "malformed",
    "too_large",
    "unknown_verb",
    "invalid",
    "unknown_app",
    "unknown_asset",
    "unknown_type",
    "exists",
    "unsupported",
    "conflict",
    "internal",
]
"""``conflict``: a valid command the board's state does not allow now (e.g. ``next`` while
the carousel is off); ``exists``: the id or name is taken; ``unsupported``: an upload
that is not an image of a supported format."""


class ErrorDetail(Payload):
    """One reason a command was refused: where (``loc``) and why (``msg``)."""

    loc: list[str | int]
    msg: str


class CommandResponse(Payload):
    """``response/<verb>``: the outcome of one command, good or bad."""

    success: bool
    transaction: TransactionId | None = None
    error: str | None = None
    code: ErrorCode | None = None
    details: list[ErrorDetail] | None = None
    state: dict[str, JsonValue] | None = Field(
        default=None, description="State payloads changed by the command, by event name"
    )


def dump_payload(model: BaseModel) -> bytes:
    """Serialise a payload compactly; the same bytes go to MQTT and Socket.IO.

    Responses leave out their unset optional fields; state payloads keep every field
    (``"app": null`` means stopped).
    """
    return model.model_dump_json(
        exclude_none=isinstance(model, CommandResponse), by_alias=True
    ).encode()


def payload_dict(model: BaseModel) -> dict[str, Any]:
    """The JSON-compatible dict form of a payload (for Socket.IO emits)."""
    data: dict[str, Any] = json.loads(dump_payload(model))
    return data
