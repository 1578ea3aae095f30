"""One pydantic model per MQTT payload (state topics, commands, responses).

Which model goes with which topic, verb and event is :mod:`retroboard_common.contract`.

State payloads are byte-for-byte the Socket.IO events of the same name, so every
service serialises them through :func:`dump_payload`.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    WithJsonSchema,
)

MAX_COMMAND_BYTES: Final = 16 * 1024
MAX_PUSH_BYTES: Final = 256 * 1024
"""A custom app or notification (an AWTRIX payload, a base64 icon included)."""
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


PushOrigin = Literal["api", "mqtt", "awtrix"]
"""``api``: REST or Socket.IO (``cmd/custom``); ``mqtt``: ``cmd/custom/<name>``;
``awtrix``: AWTRIX 3's own topic (``<prefix>/custom/<name>``)."""


class InstanceInfo(Payload):
    """One app instance: its type, its config, and how its data fetching goes."""

    type: str
    config: dict[str, JsonValue]
    stale: bool = Field(
        False, description="The last data fetch failed or a custom app's lifetime ran out"
    )
    error: str | None = Field(None, description="Why the last data fetch failed")
    origin: PushOrigin | None = Field(
        None, description="Where a custom app was pushed from (null: created as an app)"
    )
    pushed_at: float | None = Field(
        None, description="When a custom app was last pushed (seconds since the epoch)"
    )


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


TransitionType = Literal["none", "fade", "slide", "wipe", "pixelate", "random"]
"""``random``: one of the others, picked anew each time."""
Direction = Literal["left", "right", "up", "down"]
"""Where a ``slide`` or ``wipe`` moves to (``left``: the new app comes in from the right)."""
MAX_TRANSITION_MS: Final = 5000


class Transition(Payload):
    """How the panel changes from one thing shown to the next."""

    type: TransitionType = "none"
    direction: Direction = Field("left", description="For slide and wipe")
    duration: Annotated[
        int, Field(ge=0, le=MAX_TRANSITION_MS, description="Milliseconds"), WHOLE_NUMBER
    ] = 500


NO_TRANSITION: Final = Transition()

Latitude = Annotated[float, Field(ge=-90, le=90, description="Degrees north (for the sun)")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="Degrees east (for the sun)")]


class SettingsState(Payload):
    """``state/settings``: board-wide settings."""

    brightness: Brightness
    power: bool = Field(True, description="false: the panel is dark and apps are paused")
    transition: Transition = Field(
        default_factory=Transition, description="Between any two things shown"
    )
    latitude: Latitude | None = None
    longitude: Longitude | None = None


_LOCAL_TIME: Final = r"([01][0-9]|2[0-3]):[0-5][0-9]"


def _local_time(value: str) -> str:
    if not re.fullmatch(_LOCAL_TIME, value):
        raise ValueError("must be a local time HH:MM, 00:00 to 23:59")
    return value


LocalTime = Annotated[
    str,
    AfterValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": f"^{_LOCAL_TIME}$"}),
]
"""A local wall-clock time ``HH:MM`` (in ``RETROBOARD_TIMEZONE``)."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: Final[tuple[Weekday, ...]] = get_args(Weekday)
OFF: Final = "off"
"""A carousel ``fallback`` or night ``app`` that shows nothing (no instance has this id)."""


def _unset(value: object) -> bool:
    return value is None


def _each_day_once(days: list[str]) -> list[str]:
    if len(set(days)) != len(days):
        raise ValueError("must name each day once")
    return days


class CarouselEntry(Payload):
    """One carousel slot: an app shown for ``duration`` seconds, optionally only on some
    ``days`` and in a window ``from``–``until`` (local time; it may cross midnight, and
    then belongs to the day it starts on)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        populate_by_name=True,
        serialize_by_alias=True,
    )

    app: AppName
    duration: Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION), WHOLE_NUMBER] = 10
    # The optional parts are left out when not set: a plain entry stays
    # {"app": …, "duration": …}, as it always was.
    transition: Transition | None = Field(
        None, description="Into this app (null: the default)", exclude_if=_unset
    )
    days: (
        Annotated[
            list[Weekday],
            Field(min_length=1, max_length=7, json_schema_extra={"uniqueItems": True}),
            AfterValidator(_each_day_once),
        ]
        | None
    ) = Field(None, description="The days it shows (null: every day)", exclude_if=_unset)
    from_: LocalTime | None = Field(
        None, alias="from", description="Shown from (null: 00:00)", exclude_if=_unset
    )
    until: LocalTime | None = Field(
        None,
        exclude_if=_unset,
        description="Shown until, not included (null: the end of the day; before from: "
        "the next day; equal to from: 24 hours on)",
    )


Fallback = Annotated[AppName, Field(description='An instance id, or "off" for a dark panel')]


class CarouselState(Payload):
    """``state/carousel_config``: rotation settings and the running position."""

    enabled: bool
    apps: list[CarouselEntry]
    current_index: int
    fallback: Fallback = Field(
        OFF, description="Shown while no entry's days and window include now"
    )


MAX_SUN_OFFSET: Final = 720
SUN_EDGE: Final = re.compile(r"(sunset|sunrise)(?:([+-])(720|7[01][0-9]|[1-6]?[0-9]{1,2}))?")
"""``sunset`` or ``sunrise``, optionally with an offset of 0–720 minutes: groups are
the event, the sign and the minutes."""


def _night_edge(value: str) -> str:
    if SUN_EDGE.fullmatch(value):
        return value
    offset = re.fullmatch(r"sun(?:set|rise)[+-]([0-9]+)", value)
    if offset and int(offset.group(1)) > MAX_SUN_OFFSET:
        raise ValueError(f"an offset from the sun is at most {MAX_SUN_OFFSET} minutes")
    if value.startswith("sun"):
        raise ValueError('must be "sunset" or "sunrise", optionally with +/- minutes')
    try:
        return _local_time(value)
    except ValueError:
        raise ValueError('must be a local time HH:MM, or "sunset+30", "sunrise-15"') from None


NightEdge = Annotated[
    str,
    AfterValidator(_night_edge),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^({_LOCAL_TIME}|{SUN_EDGE.pattern})$",
            "description": 'A local time "HH:MM", or "sunset" / "sunrise" with an offset in '
            'minutes ("sunset+30", "sunrise-15", at most 720)',
        }
    ),
]
"""A night window's edge: ``22:30``, ``sunset``, ``sunrise-15``."""


class NightState(Payload):
    """``state/night``: the night window, what it does, and whether it is on now."""

    model_config = ConfigDict(
        extra="forbid", strict=True, populate_by_name=True, serialize_by_alias=True
    )

    enabled: bool = Field(description="Whether the window switches night mode on and off")
    from_: NightEdge = Field(alias="from")
    until: NightEdge
    brightness: Brightness = Field(description="The panel's brightness at night")
    app: Fallback | None = Field(
        description='Shown at night: an instance id, "off" (dark), or null (what shows)'
    )
    active: bool = Field(description="Night mode is on now")
    manual: bool = Field(description="Switched by hand; the window takes over at its next edge")


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


class NotificationInfo(Payload):
    """One notification, on show or queued (its text, not every drawing detail)."""

    id: int = Field(description="Counts up with every notification a board shows")
    text: str = Field(description="The text, fragments joined")
    icon: str | None = Field(description="Image-library name of its icon")
    duration: float = Field(description="Seconds it shows (unless held or counted in passes)")
    repeat: int = Field(description="Scroll passes it shows for; -1: by duration")
    hold: bool = Field(description="Stays until dismissed")
    wakeup: bool = Field(description="Shows even while the board is powered off")


class NotificationState(Payload):
    """``state/notification``: the notification on show (``null``: none) and the queue
    behind it, oldest first."""

    current: NotificationInfo | None
    queue: list[NotificationInfo]
    length: int = Field(description="Notifications waiting behind the current one")


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
    """Change board settings: any subset of them (omitted fields keep their value;
    ``latitude: null`` forgets the location)."""

    brightness: Brightness | None = None
    power: bool | None = Field(None, description="false: the panel goes dark, apps pause")
    transition: Transition | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class PowerBody(Payload):
    """Turn the panel on or off (apps pause while it is off; nothing is lost)."""

    power: bool


class NextAppBody(Payload):
    """Show the next app: the carousel's next entry when it runs, else the next
    instance in the apps list."""


class PreviousAppBody(Payload):
    """Show the previous app: the carousel's previous entry when it runs, else the
    previous instance in the apps list."""


CustomAppName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=62,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,61}$",
        description="The custom app's name; stored lower-case (Solar and solar are one app)",
    ),
]
"""The name of a custom app as pushed (``cmd/custom/<name>``, ``?name=``); an array of N
apps becomes ``<name>0`` … ``<name>N-1``, so two characters are left for the suffix."""


class AwtrixPayload(Payload):
    """An AWTRIX 3 custom-app or notification JSON object: its keys are checked by the
    renderer (unknown ones are accepted and answered as ``ignored``)."""

    model_config = ConfigDict(extra="allow", strict=True)


class CustomBody(Payload):
    """Create, update or (``app`` empty or null) delete the custom app ``name``.

    ``app`` is AWTRIX 3's custom-app JSON; an array of N objects pushes ``<name>0`` …
    ``<name>N-1``; deleting ``<name>`` deletes those too."""

    name: CustomAppName
    app: JsonValue = None


class NotifyBody(AwtrixPayload):
    """Show a notification: AWTRIX 3's custom-app keys plus ``hold``, ``stack``,
    ``wakeup``."""


class DismissBody(Payload):
    """Dismiss the notification on show (the next queued one follows)."""


class CarouselBody(Payload):
    """Change the carousel; omitted (or null) fields keep their value."""

    enabled: bool | None = None
    apps: Annotated[list[CarouselEntry], Field(max_length=MAX_CAROUSEL_APPS)] | None = None
    fallback: Fallback | None = None


class NightBody(Payload):
    """Change night mode; omitted fields keep their value (``app: null`` is a value:
    keep what shows). ``active`` switches it on or off by hand until the window's next
    edge."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    enabled: bool | None = None
    from_: NightEdge | None = Field(None, alias="from")
    until: NightEdge | None = None
    brightness: Brightness | None = None
    app: Fallback | None = None
    active: bool | None = None


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


class PowerCommand(PowerBody, Command):
    """``cmd/power``."""


class NextAppCommand(NextAppBody, Command):
    """``cmd/next_app``."""


class PreviousAppCommand(PreviousAppBody, Command):
    """``cmd/previous_app``."""


class CustomCommand(CustomBody, Command):
    """``cmd/custom`` (the api's form; automations publish the bare AWTRIX JSON to
    ``cmd/custom/<name>``)."""


class NotifyCommand(NotifyBody, Command):
    """``cmd/notify``: the AWTRIX JSON, optionally with ``transaction``."""

    model_config = ConfigDict(extra="allow", strict=True)


class DismissCommand(DismissBody, Command):
    """``cmd/notify/dismiss``."""


class NightCommand(NightBody, Command):
    """``cmd/night``."""


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
    "queue_full",
    "internal",
]
"""``conflict``: a valid command the board's state does not allow now (e.g. ``next`` while
the carousel is off); ``exists``: the id or name is taken; ``unsupported``: an upload
that is not an image of a supported format; ``queue_full``: too many notifications wait
already."""


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
    ignored: list[str] | None = Field(
        default=None, description="Keys of an AWTRIX payload that were accepted but not used"
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
