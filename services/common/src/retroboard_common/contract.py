"""The contract every service is driven from: state topics, command verbs, events.

One row per retained state topic (:data:`STATES`) and one per command verb
(:data:`VERBS`). The renderer dispatches ``cmd/<verb>`` through :data:`VERBS`, the
api builds its REST routes, Socket.IO command handlers and OpenAPI document from it,
and the api's cache and the bridge validate state with :data:`STATES`. Adding a verb
is its body and command models (:mod:`retroboard_common.models`), its row here and
its handler on the renderer's :class:`~retroboard_renderer.board.Board`.

Socket.IO event names are here too: each state topic is the event of the same name,
with the same payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from retroboard_common.models import (
    MAX_COMMAND_BYTES,
    MAX_PUSH_BYTES,
    AppsListState,
    AppTypesState,
    AssetDataBody,
    AssetDataCommand,
    AssetsState,
    CarouselBody,
    CarouselCommand,
    CarouselState,
    Command,
    ConfigBody,
    ConfigCommand,
    CreateAppBody,
    CreateAppCommand,
    CurrentAppState,
    CustomBody,
    CustomCommand,
    DeleteAppBody,
    DeleteAppCommand,
    DeleteAssetBody,
    DeleteAssetCommand,
    DismissBody,
    DismissCommand,
    NextAppBody,
    NextAppCommand,
    NextBody,
    NextCommand,
    NightBody,
    NightCommand,
    NightState,
    NotificationState,
    NotifyBody,
    NotifyCommand,
    Payload,
    PowerBody,
    PowerCommand,
    PreviewBody,
    PreviewCommand,
    PreviousAppBody,
    PreviousAppCommand,
    RealtimeBody,
    RealtimeCommand,
    RealtimeState,
    RequestStateBody,
    RequestStateCommand,
    SettingsBody,
    SettingsCommand,
    SettingsState,
    StopBody,
    StopCommand,
    SwitchBody,
    SwitchCommand,
)
from retroboard_common.topics import STATE_NAMES, StateName


@dataclass(frozen=True)
class State:
    """A retained ``state/<name>`` topic, also the Socket.IO event ``<name>``."""

    name: StateName
    model: type[Payload]
    max_bytes: int
    """What the api and the bridge accept from the broker (real payloads are far
    smaller: ``apps_list`` with every app ~2 KB)."""
    path: str
    """Where REST reads it: ``GET /api<path>`` (and under ``/api/boards/<board>``)."""


@dataclass(frozen=True)
class Verb:
    """A command: ``cmd/<name>`` on MQTT, answered on ``response/<name>``."""

    name: str
    body: type[Payload]
    """What a client sends over REST and Socket.IO."""
    command: type[Command]
    """The MQTT payload: the body and the caller's transaction id."""
    answers: StateName | None
    """The state a client gets back on success (the renderer's fresh copy)."""
    path: str | None = None
    """``POST /api<path>`` sends the body as it is (``None``: no such plain route)."""
    event: bool = False
    """Whether Socket.IO clients send it as the event ``<name>``."""
    max_bytes: int = MAX_COMMAND_BYTES
    """The largest ``cmd/<name>`` payload the renderer reads."""


STATES: Final[dict[StateName, State]] = {
    state.name: state
    for state in (
        State("apps_list", AppsListState, 256 * 1024, "/apps"),
        State("current_app", CurrentAppState, 64 * 1024, "/current"),
        State("settings", SettingsState, 1024, "/settings"),
        State("carousel_config", CarouselState, 16 * 1024, "/carousel"),
        State("realtime", RealtimeState, 1024, "/realtime"),
        State("app_types", AppTypesState, 256 * 1024, "/app-types"),
        State("assets", AssetsState, 128 * 1024, "/assets"),
        State("notification", NotificationState, 128 * 1024, "/notification"),
        State("night", NightState, 1024, "/night"),
    )
}

VERBS: Final[dict[str, Verb]] = {
    verb.name: verb
    for verb in (
        Verb("switch", SwitchBody, SwitchCommand, "current_app", "/switch", event=True),
        Verb("stop", StopBody, StopCommand, "current_app", "/stop", event=True),
        # REST has its own shapes for config (the body is the config itself):
        # POST /api/config and POST /api/apps/<app>/config.
        Verb("config", ConfigBody, ConfigCommand, "current_app", event=True),
        Verb("settings", SettingsBody, SettingsCommand, "settings", "/settings", event=True),
        Verb("carousel", CarouselBody, CarouselCommand, "carousel_config", "/carousel", event=True),
        Verb("next", NextBody, NextCommand, "carousel_config", "/carousel/next", event=True),
        Verb("power", PowerBody, PowerCommand, "settings", "/power", event=True),
        Verb("next_app", NextAppBody, NextAppCommand, "current_app", "/nextapp", event=True),
        Verb(
            "previous_app",
            PreviousAppBody,
            PreviousAppCommand,
            "current_app",
            "/previousapp",
            event=True,
        ),
        Verb("night", NightBody, NightCommand, "night", "/night", event=True),
        Verb("realtime", RealtimeBody, RealtimeCommand, "realtime", "/realtime", event=True),
        # REST: POST /api/apps (201), DELETE /api/apps/<id>, DELETE /api/assets/<name>.
        Verb("create_app", CreateAppBody, CreateAppCommand, "apps_list", event=True),
        Verb("delete_app", DeleteAppBody, DeleteAppCommand, "apps_list", event=True),
        Verb("delete_asset", DeleteAssetBody, DeleteAssetCommand, "assets", event=True),
        # AWTRIX 3's pushes. REST: POST /api/custom?name=<name> (the body is the app's
        # JSON); automations publish it bare to cmd/custom/<name>.
        Verb(
            "custom",
            CustomBody,
            CustomCommand,
            "apps_list",
            event=True,
            max_bytes=MAX_PUSH_BYTES + 1024,
        ),
        Verb(
            "notify",
            NotifyBody,
            NotifyCommand,
            "notification",
            "/notify",
            event=True,
            max_bytes=MAX_PUSH_BYTES + 1024,
        ),
        # On cmd/notify/dismiss, AWTRIX's topic (topics.COMMAND_PATHS).
        Verb("dismiss", DismissBody, DismissCommand, "notification", "/notify/dismiss", event=True),
        # Answered with the file's bytes on asset_data/<transaction> (GET /api/assets/<name>).
        Verb("asset_data", AssetDataBody, AssetDataCommand, None),
        Verb("request_state", RequestStateBody, RequestStateCommand, None),
        Verb("preview", PreviewBody, PreviewCommand, None),
    )
}

assert tuple(STATES) == STATE_NAMES, "STATES must list every state topic, in topic order"

COMMANDS: Final[dict[str, type[Command]]] = {name: verb.command for name, verb in VERBS.items()}
"""``cmd/<verb>`` → its payload model."""

# --- Socket.IO events that are not a state topic ---------------------------------------

BOARD_STATUS_EVENT: Final = "board_status"
"""Server → client: ``{"board", "online"}`` when a board's renderer comes or goes."""
FRAME_EVENT: Final = "frame"
"""Server → client: a live preview PNG, to the clients watching the preview."""
REQUEST_STATE_EVENT: Final = "request_state"
"""Client → server: send me the whole state again."""
PREVIEW_EVENT: Final = "preview"
"""Client → server: ``{"enabled"}`` starts or stops sending me frames."""
COMMAND_EVENTS: Final = tuple(name for name, verb in VERBS.items() if verb.event)
"""Client → server: the verbs clients send as events, each with its body."""


def board_room(board_id: str) -> str:
    """The Socket.IO room of every client following ``board_id``'s state."""
    return f"board:{board_id}"


def preview_room(board_id: str) -> str:
    """The Socket.IO room of the clients watching ``board_id``'s live preview frames."""
    return f"preview:{board_id}"
