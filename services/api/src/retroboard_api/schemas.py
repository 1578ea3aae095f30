"""Request and response models of the REST API (validation and the OpenAPI document).

Request bodies mirror the MQTT command models of :mod:`retroboard_common.models`
(without the transaction id, which the api adds); responses are the state payloads
with ``success`` in front.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, RootModel

from retroboard_common.models import (
    MAX_CAROUSEL_APPS,
    AppInfo,
    AppName,
    Brightness,
    CarouselEntry,
)

BoardId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="The board's id (RETROBOARD_BOARD_ID of its renderer)",
    ),
]

# --- path parameters ------------------------------------------------------------


class BoardPath(BaseModel):
    """``/api/boards/<board>/…`` (the unprefixed paths mean the default board)."""

    board: BoardId


class BoardAppPath(BoardPath):
    """``…/apps/<app>/config``."""

    app: Annotated[str, Field(description="An app name from GET /api/apps")]


# --- request bodies ---------------------------------------------------------------


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class SwitchBody(Body):
    """Show ``app``; ``config`` (optional) is merged into its saved config first."""

    app: AppName
    config: dict[str, JsonValue] | None = None


class ConfigBody(RootModel[dict[str, JsonValue]]):
    """Config fields to merge into the app's saved config (see the app's schema)."""


class SettingsBody(Body):
    """Board-wide settings."""

    brightness: Brightness


class CarouselBody(Body):
    """Carousel changes; omitted fields keep their value."""

    enabled: bool | None = None
    apps: Annotated[list[CarouselEntry], Field(max_length=MAX_CAROUSEL_APPS)] | None = None


# --- Socket.IO event bodies (the others share the REST bodies) -----------------------


class ConfigEvent(BaseModel):
    """``config`` event: ``config`` merged into ``app`` (the current app when omitted)."""

    model_config = ConfigDict(extra="forbid")
    app: str | None = None
    config: dict[str, JsonValue]


class PreviewEvent(BaseModel):
    """``preview`` event: start or stop watching live frames."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool


class NoFields(BaseModel):
    """Events without fields (``stop``, ``next``)."""

    model_config = ConfigDict(extra="forbid")


# --- responses -------------------------------------------------------------------


class Success(BaseModel):
    """Base of success bodies."""

    success: Literal[True] = True


class AppsResponse(Success):
    """``state/apps_list`` with ``success``."""

    apps: list[str]
    current: str | None
    catalog: dict[str, AppInfo]


class CurrentResponse(Success):
    """``state/current_app`` with ``success`` (``app`` null when stopped)."""

    app: str | None
    config: dict[str, JsonValue]


class AppConfigResponse(Success):
    """One app's saved config and its JSON Schema."""

    app: str
    config: dict[str, JsonValue]
    config_schema: dict[str, JsonValue] = Field(alias="schema")


class SettingsResponse(Success):
    """``state/settings`` with ``success``."""

    brightness: int


class CarouselResponse(Success):
    """``state/carousel_config`` with ``success``."""

    enabled: bool
    apps: list[CarouselEntry]
    current_index: int


class BoardStatus(BaseModel):
    """One board as the api sees it."""

    id: str
    online: bool
    last_seen: str | None = Field(description="ISO 8601 UTC time of its last message")


class BoardsResponse(Success):
    """Every board seen on the broker (and the default board)."""

    boards: list[BoardStatus]


class MqttHealth(BaseModel):
    """The api's broker connection."""

    connected: bool
    broker: str


class BoardHealth(BaseModel):
    """A board's renderer availability and whether it can save its state."""

    online: bool
    last_seen: str | None
    store: Literal["ok", "degraded"] | None = Field(
        description="``degraded`` while the renderer cannot save its state (read-only or "
        "full disk) or found its state file unusable at start; null before it reported"
    )
    store_error: str | None = Field(description="What is wrong with saving, when degraded")


class HealthResponse(Success):
    """``ok`` when the broker is connected and every board's renderer is online and can
    save its state."""

    status: Literal["ok", "degraded"]
    mqtt: MqttHealth
    boards: dict[str, BoardHealth]


class ErrorDetailModel(BaseModel):
    """Where (``loc``) and why (``msg``)."""

    loc: list[str | int]
    msg: str


class ErrorResponse(BaseModel):
    """Every error response."""

    success: Literal[False] = False
    error: str
    details: list[ErrorDetailModel]
