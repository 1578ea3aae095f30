"""One pydantic model per MQTT payload (state topics, commands, responses).

State payloads are byte-for-byte the Socket.IO events of the same name, so every
service serialises them through :func:`dump_payload`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from retroboard_common.topics import StateName

MAX_COMMAND_BYTES: Final = 16 * 1024
MAX_CAROUSEL_APPS: Final = 50
MIN_DURATION: Final = 1
MAX_DURATION: Final = 3600

TransactionId = Annotated[str | int, Field(description="Echoed back in the response")]
AppName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Brightness = Annotated[int, Field(ge=0, le=100, description="Percent, 0–100")]


class Payload(BaseModel):
    """Base of every payload: strict about unknown fields, stable field order."""

    model_config = ConfigDict(extra="forbid")


# --- state topics -----------------------------------------------------------


class AppInfo(Payload):
    """What the dashboard and Home Assistant need to build an app's form."""

    description: str
    config_schema: dict[str, JsonValue] = Field(alias="schema")
    config: dict[str, JsonValue]

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class AppsListState(Payload):
    """``state/apps_list``: the apps, the current one, and each app's catalog entry."""

    apps: list[str]
    current: str | None
    catalog: dict[str, AppInfo]


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
    duration: Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION)] = 10


class CarouselState(Payload):
    """``state/carousel_config``: rotation settings and the running position."""

    enabled: bool
    apps: list[CarouselEntry]
    current_index: int


STATE_MODELS: Final[dict[StateName, type[Payload]]] = {
    "apps_list": AppsListState,
    "current_app": CurrentAppState,
    "settings": SettingsState,
    "carousel_config": CarouselState,
}

# What the api and the bridge accept from the broker, per topic: a payload over its
# limit is ignored, so nobody can make them keep (and serve to every dashboard) megabytes.
# Real payloads are far smaller: apps_list with every app ~2 KB, a preview PNG of the
# largest panel ~100 KiB. The compose broker drops any packet over MAX_PACKET_BYTES.
MAX_STATE_BYTES: Final[dict[StateName, int]] = {
    "apps_list": 256 * 1024,
    "current_app": 64 * 1024,
    "settings": 1024,
    "carousel_config": 16 * 1024,
}
MAX_STATUS_BYTES: Final = 64
MAX_HEALTH_BYTES: Final = 4 * 1024
MAX_RESPONSE_BYTES: Final = 512 * 1024  # carries the state payloads a command changed
MAX_FRAME_BYTES: Final = 512 * 1024
MAX_PACKET_BYTES: Final = 1024 * 1024  # the brokers' max_packet_size; the queue's limit


class RendererHealth(Payload):
    """``health``: what the renderer knows is wrong with itself (retained).

    ``store`` is ``degraded`` while the state cannot be saved (read-only or full disk)
    or when the state file was unusable at start; the display keeps running either way.
    """

    store: Literal["ok", "degraded"]
    error: str | None = None


# --- commands (cmd/<verb>) --------------------------------------------------


class Command(Payload):
    """Fields every command may carry."""

    transaction: TransactionId | None = None


class SwitchCommand(Command):
    """Show ``app``; ``config`` (optional) is merged into its saved config first."""

    app: AppName
    config: dict[str, JsonValue] | None = None


class StopCommand(Command):
    """Blank the display; the current app becomes null."""


class ConfigCommand(Command):
    """Merge ``config`` into ``app``'s saved config (the current app when omitted)."""

    app: AppName | None = None
    config: dict[str, JsonValue]


class SettingsCommand(Command):
    """Change board settings."""

    brightness: Brightness


class CarouselCommand(Command):
    """Change the carousel; omitted fields keep their value."""

    enabled: bool | None = None
    apps: Annotated[list[CarouselEntry], Field(max_length=MAX_CAROUSEL_APPS)] | None = None


class NextCommand(Command):
    """Advance the running carousel to its next app."""


class RequestStateCommand(Command):
    """Republish every retained state topic."""


class PreviewCommand(Command):
    """Ask for live preview frames for ``ttl`` seconds (renew before it runs out)."""

    ttl: Annotated[float, Field(gt=0, le=300)] = 10.0


COMMANDS: Final[dict[str, type[Command]]] = {
    "switch": SwitchCommand,
    "stop": StopCommand,
    "config": ConfigCommand,
    "settings": SettingsCommand,
    "carousel": CarouselCommand,
    "next": NextCommand,
    "request_state": RequestStateCommand,
    "preview": PreviewCommand,
}

ErrorCode = Literal["malformed", "too_large", "unknown_verb", "invalid", "unknown_app", "internal"]


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
