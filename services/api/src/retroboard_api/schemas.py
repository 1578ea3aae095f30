"""REST-only models: path parameters, the config bodies, responses, errors.

Request bodies of the commands are the contract's (:mod:`retroboard_common.contract`);
read and command responses are its state payloads with ``success`` in front, built
from the state models (:func:`state_response`), never copied.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, JsonValue, RootModel, create_model

from retroboard_api.board_pages import DEFAULT_LIMIT, MAX_LIMIT
from retroboard_common.contract import STATES, State
from retroboard_common.models import (
    AppConfigFields,
    AppName,
    AssetInfo,
    AssetName,
    CustomAppName,
    ErrorDetail,
    InstanceInfo,
    StoreHealth,
)
from retroboard_common.topics import BoardId, StateName

# --- path parameters ------------------------------------------------------------


class BoardPath(BaseModel):
    """``/api/boards/<board>/…`` (the unprefixed paths mean the default board)."""

    board: BoardId


class BoardAppPath(BoardPath):
    """``…/apps/<app>/config``."""

    app: Annotated[AppName, Field(description="An app name from GET /api/apps")]


class BoardAssetPath(BoardPath):
    """``…/assets/<name>``."""

    name: Annotated[AssetName, Field(description="An image name from GET /api/assets")]


# --- query parameters --------------------------------------------------------------


class BoardsQuery(BaseModel):
    """``GET /api/boards``: which boards, and which page of them."""

    prefix: str = Field(
        "",
        max_length=64,
        description="Only boards whose id starts with this (case-sensitive, as ids are)",
    )
    online: bool | None = Field(
        None, description="Only the online boards (true) or the offline ones (false)"
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="At most this many boards in the page"
    )
    after: BoardId | None = Field(
        None, description="Only boards whose id sorts after this: the previous page's `next`"
    )


class CustomQuery(BaseModel):
    """``POST /api/custom?name=<name>``: which custom app (AWTRIX 3's query parameter)."""

    name: CustomAppName


# --- request bodies ---------------------------------------------------------------


class ConfigFields(RootModel[AppConfigFields]):
    """Config fields to merge into the app's saved config (that app's schema)."""


class PreviewEvent(BaseModel):
    """Socket.IO ``preview`` event: start or stop watching live frames."""

    model_config = {"extra": "forbid"}
    enabled: bool


# --- responses -------------------------------------------------------------------


class Success(BaseModel):
    """Base of success bodies."""

    success: Literal[True] = True


def state_response(state: State) -> type[BaseModel]:
    """``state/<name>``'s payload with ``success``: what REST answers for that state."""
    name = state.model.__name__.removesuffix("State") + "Response"
    model: type[BaseModel] = create_model(
        name, __base__=(state.model, Success), __doc__=f"``state/{state.name}`` with ``success``."
    )
    return model


STATE_RESPONSES: dict[StateName, type[BaseModel]] = {
    name: state_response(state) for name, state in STATES.items()
}


class IgnoredKeys(BaseModel):
    """What an AWTRIX 3 push answers besides the state it changed."""

    ignored: list[str] = Field(
        default_factory=list,
        description="Keys of the payload that were accepted but not used (sound, rtttl, "
        "overlay, unknown keys…); empty when every key was used",
    )


def push_response(name: StateName, title: str, doc: str) -> type[BaseModel]:
    """``state/<name>``'s payload with ``success`` and ``ignored``: what an AWTRIX push
    answers."""
    model: type[BaseModel] = create_model(
        title, __base__=(STATES[name].model, IgnoredKeys, Success), __doc__=doc
    )
    return model


CustomResponse = push_response(
    "apps_list",
    "CustomResponse",
    "The apps list after the push (custom apps are instances of type ``custom``) and the "
    "keys that were ignored.",
)
NotifyResponse = push_response(
    "notification",
    "NotifyResponse",
    "The notification on show and the queue after the push, and the keys that were ignored.",
)


class AppConfigResponse(Success):
    """One app's saved config and its type's JSON Schema."""

    app: str
    type: str
    config: dict[str, JsonValue]
    config_schema: dict[str, JsonValue] = Field(alias="schema")


class AppInstanceResponse(InstanceInfo, Success):
    """One app instance: its id, type, config and how its data fetching goes."""

    id: str


class AssetResponse(AssetInfo, Success):
    """The image stored in the library."""


class BoardStatus(BaseModel):
    """One board as the api sees it."""

    id: BoardId
    online: bool
    last_seen: str | None = Field(description="ISO 8601 UTC time of its last message")


class BoardsResponse(Success):
    """A page of the boards seen on the broker (and the default board), sorted by id."""

    boards: list[BoardStatus]
    total: int = Field(description="How many boards match the filter, on every page together")
    next: BoardId | None = Field(description="The `after` of the next page; null on the last page")


class MqttHealth(BaseModel):
    """The api's broker connection."""

    connected: bool
    broker: str


class BoardHealth(BaseModel):
    """A board's renderer availability and whether it can save its state."""

    online: bool
    last_seen: str | None
    store: StoreHealth | None = Field(
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


class ErrorResponse(BaseModel):
    """Every error response."""

    success: Literal[False] = False
    error: str
    details: list[ErrorDetail]
