"""AWTRIX 3 compatible custom apps and notifications: the payload, validated.

A payload is AWTRIX's JSON object (``text``, ``icon``, ``bar``, ``draw``…) with AWTRIX's
own key names. :func:`parse_custom` and :func:`parse_notification` take what a client
sent, set aside the keys RetroBoard does not act on (sound, overlays…: accepted and
reported, so an AWTRIX integration keeps working) and validate the rest into a
:class:`CustomAppConfig` / :class:`NotificationConfig`, or raise
:class:`CustomPayloadError` naming the offending key.

Colours are accepted as AWTRIX sends them (``"#RRGGBB"``, ``"RRGGBB"`` or ``[r, g, b]``)
and stored as ``[r, g, b]``, so ``model_dump()`` validates again unchanged.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any, Final

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from retroboard_common.app_configs import AppConfig, Color
from retroboard_common.models import WHOLE_NUMBER, ErrorDetail

CUSTOM_TYPE: Final = "custom"
"""The app type of pushed custom apps (AWTRIX 3's): no instance may take the name."""
MAX_CUSTOM_TEXT: Final = 2000
MAX_DRAW_COMMANDS: Final = 1024
MAX_CHART_VALUES: Final = 64
MAX_CUSTOM_PAYLOAD_BYTES: Final = 256 * 1024
MAX_BITMAP_PIXELS: Final = 65536
DEFAULT_APP_DURATION: Final = 10
"""Seconds a custom app stays on screen in the rotation when ``duration`` is not given."""
DEFAULT_NOTIFICATION_DURATION: Final = 5
MAX_COORDINATE: Final = 4096
"""Drawing coordinates are refused beyond ±this (a panel is at most a few hundred px)."""

EFFECT_NAMES: Final[tuple[str, ...]] = (
    "Checkerboard",
    "ColorWaves",
    "Fade",
    "Matrix",
    "MovingLine",
    "Plasma",
    "Ripple",
    "TheaterChase",
    "TwinklingStars",
)
"""The AWTRIX background effects RetroBoard draws, by AWTRIX's names."""

DRAW_COMMANDS: Final[tuple[str, ...]] = ("dp", "dl", "dr", "df", "dc", "dfc", "dt", "db")

APP_ONLY_KEYS: Final[frozenset[str]] = frozenset({"lifetime", "lifetimeMode", "pos", "save"})
NOTIFICATION_ONLY_KEYS: Final[frozenset[str]] = frozenset(
    {"hold", "stack", "wakeup", "sound", "rtttl", "loopSound", "clients"}
)
IGNORED_KEYS: Final[frozenset[str]] = frozenset(
    {"sound", "rtttl", "loopSound", "pos", "clients", "overlay", "effectSettings"}
)
"""AWTRIX keys RetroBoard accepts but does not act on (besides any unknown key)."""

ICON_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ICON_FILE: Final = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_-]{0,63})(\.(png|gif|jpe?g|webp|bmp))?$", re.IGNORECASE
)
_HEX: Final = re.compile(r"^#?([0-9a-fA-F]{6})$")
_DATA_URI: Final = re.compile(r"^data:[\w/+.-]*;base64,", re.IGNORECASE)


class CustomPayloadError(ValueError):
    """A custom-app or notification payload refused: ``message`` for people,
    ``details`` (``loc`` starting with the AWTRIX key) for programs."""

    def __init__(self, message: str, details: list[ErrorDetail]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


def _payload_error(loc: list[str | int], msg: str) -> CustomPayloadError:
    where = ".".join(str(part) for part in loc)
    return CustomPayloadError(f"{where}: {msg}" if where else msg, [ErrorDetail(loc=loc, msg=msg)])


# --- colours ----------------------------------------------------------------------


def hex_color(value: object) -> list[int] | None:
    """``value`` as ``[r, g, b]`` if it is a ``"#RRGGBB"``/``"RRGGBB"`` string, else ``None``."""
    if isinstance(value, str):
        match = _HEX.match(value.strip())
        if match:
            number = int(match.group(1), 16)
            return [number >> 16, (number >> 8) & 255, number & 255]
    return None


def _to_rgb(value: object) -> object:
    """AWTRIX colour spellings → ``[r, g, b]`` (other values pass on to be refused)."""
    if isinstance(value, str):
        rgb = hex_color(value)
        if rgb is None:
            raise PydanticCustomError(
                "color",
                "not a colour: give '#RRGGBB' or [r, g, b], got '{value}'",
                {"value": value[:16]},
            )
        return rgb
    if isinstance(value, tuple):
        return list(value)
    return value


AwtrixColor = Annotated[Color, BeforeValidator(_to_rgb)]
"""A colour as AWTRIX takes it: ``"#RRGGBB"`` (``#`` optional) or ``[r, g, b]``."""


def _check_color(value: object) -> list[int]:
    """One colour inside a draw command or gradient (same rules as :data:`AwtrixColor`)."""
    rgb = hex_color(value) if isinstance(value, str) else None
    if rgb is not None:
        return rgb
    if (
        isinstance(value, list | tuple)
        and len(value) == 3
        and all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value)
    ):
        return [int(c) for c in value]
    raise ValueError("not a colour: give '#RRGGBB' or [r, g, b]")


# --- text ---------------------------------------------------------------------------


class TextFragment(AppConfig):
    """A piece of text in its own colour (other keys, AWTRIX's or not, are ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    t: Annotated[str, Field(max_length=MAX_CUSTOM_TEXT)] = Field(description="Text")
    c: AwtrixColor = Field(default_factory=lambda: [255, 255, 255], description="Colour")


# --- drawing ------------------------------------------------------------------------

_DRAW_SHAPES: Final[dict[str, tuple[str, ...]]] = {
    "dp": ("x", "y", "color"),
    "dl": ("x0", "y0", "x1", "y1", "color"),
    "dr": ("x", "y", "w", "h", "color"),
    "df": ("x", "y", "w", "h", "color"),
    "dc": ("x", "y", "r", "color"),
    "dfc": ("x", "y", "r", "color"),
    "dt": ("x", "y", "text", "color"),
    "db": ("x", "y", "w", "h", "bitmap"),
}
"""What each draw command's array holds, in order."""


def _int_in(value: object, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("must be an integer")
    if not low <= value <= high:
        raise ValueError(f"must be from {low} to {high}")
    return value


def _check_draw_values(command: str, values: list[Any]) -> list[Any]:
    names = _DRAW_SHAPES[command]
    if len(values) != len(names):
        raise ValueError(f"needs {len(names)} values [{', '.join(names)}], got {len(values)}")
    checked: list[Any] = []
    for name, value in zip(names, values, strict=True):
        try:
            if name == "color":
                checked.append(_check_color(value))
            elif name == "text":
                if not isinstance(value, str) or len(value) > 256:
                    raise ValueError("must be a string of at most 256 characters")
                checked.append(value)
            elif name == "bitmap":
                if not isinstance(value, list):
                    raise ValueError("must be an array of 0xRRGGBB integers")
                checked.append([_int_in(pixel, 0, 0xFFFFFF) for pixel in value])
            elif name in ("w", "h", "r"):
                checked.append(_int_in(value, 0, MAX_COORDINATE))
            else:
                checked.append(_int_in(value, -MAX_COORDINATE, MAX_COORDINATE))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    if command == "db":
        width, height, bitmap = checked[2], checked[3], checked[4]
        if width * height > MAX_BITMAP_PIXELS:
            raise ValueError(f"w*h must be at most {MAX_BITMAP_PIXELS}")
        if len(bitmap) > width * height:
            raise ValueError("bitmap has more than w*h values")
    return checked


def _check_draw_command(value: object) -> dict[str, list[Any]]:
    """One ``draw`` item: an object with one command key and its array of values."""
    if not isinstance(value, dict) or len(value) != 1:
        raise PydanticCustomError(
            "draw_command",
            "each draw item is an object with one key: {commands}",
            {"commands": ", ".join(DRAW_COMMANDS)},
        )
    ((command, values),) = value.items()
    if command not in _DRAW_SHAPES:
        raise PydanticCustomError(
            "draw_command",
            "unknown draw command {command!r}; known: {commands}",
            {"command": str(command)[:16], "commands": ", ".join(DRAW_COMMANDS)},
        )
    if not isinstance(values, list | tuple):
        raise PydanticCustomError(
            "draw_command", "must be an array of values", {"command": command}
        )
    try:
        checked = _check_draw_values(command, list(values))
    except ValueError as exc:
        raise PydanticCustomError(
            "draw_command", "{reason}", {"command": command, "reason": str(exc)}
        ) from None
    return {command: checked}


DrawCommand = Annotated[
    dict[str, list[Any]],
    BeforeValidator(_check_draw_command),
    Field(
        json_schema_extra={
            "description": "One command: dp [x,y,cl], dl [x0,y0,x1,y1,cl], dr/df [x,y,w,h,cl], "
            "dc/dfc [x,y,r,cl], dt [x,y,text,cl], db [x,y,w,h,[0xRRGGBB…]]",
            "maxProperties": 1,
            "minProperties": 1,
            "propertyNames": {"enum": list(DRAW_COMMANDS)},
        }
    ),
]


# --- the models -----------------------------------------------------------------------


def _icon_value(value: object) -> object:
    # AWTRIX icon ids are numbers; some integrations send them unquoted.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value


def _known_effect(name: str) -> str:
    if name and name not in EFFECT_NAMES:
        raise ValueError(f"unknown effect {name!r}; choose one of {', '.join(EFFECT_NAMES)}")
    return name


# Integer choices, not Literal[0, 1, 2]: a Literal would take ``true`` for 1.
Choice3 = Annotated[int, Field(ge=0, le=2, json_schema_extra={"enum": [0, 1, 2]}), WHOLE_NUMBER]
Choice2 = Annotated[int, Field(ge=0, le=1, json_schema_extra={"enum": [0, 1]}), WHOLE_NUMBER]
Milliseconds = Annotated[int, Field(ge=0, le=600_000), WHOLE_NUMBER]
ChartValues = Annotated[
    list[Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000), WHOLE_NUMBER]],
    Field(max_length=MAX_CHART_VALUES),
]


def _white() -> list[int]:
    return [255, 255, 255]


def _black() -> list[int]:
    return [0, 0, 0]


class CustomAppConfig(AppConfig):
    """An AWTRIX 3 custom app: text, icon, charts, drawing, with AWTRIX's key names."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        populate_by_name=True,
        serialize_by_alias=True,
        # Form labels from the attribute names ("Text case"), not the camelCase keys.
        field_title_generator=lambda name, _info: name.replace("_", " ").capitalize(),
    )

    text: str | list[TextFragment] = Field(
        "", description="Text, or coloured fragments [{t, c}]", union_mode="left_to_right"
    )
    text_case: Choice3 = Field(
        0, alias="textCase", description="0 as sent, 1 upper case, 2 as sent"
    )
    top_text: bool = Field(False, alias="topText", description="Text at the top, not centred")
    text_offset: Annotated[int, Field(ge=-1024, le=1024), WHOLE_NUMBER] = Field(
        0, alias="textOffset", description="Pixels added to the text's x position"
    )
    center: bool = Field(True, description="Centre text that does not scroll")
    color: AwtrixColor = Field(default_factory=_white, description="Text, bar and line colour")
    gradient: Annotated[list[AwtrixColor], Field(max_length=2)] = Field(
        default_factory=list, description="Two colours blended across the text (empty: none)"
    )
    blink_text: Milliseconds = Field(
        0, alias="blinkText", description="Blink the text every this many ms (0: no)"
    )
    fade_text: Milliseconds = Field(
        0, alias="fadeText", description="Fade the text on and off every this many ms (0: no)"
    )
    background: AwtrixColor = Field(default_factory=_black, description="Background colour")
    rainbow: bool = Field(False, description="Each letter cycles through the colours")
    icon: Annotated[
        str,
        BeforeValidator(_icon_value),
        Field(
            max_length=64,
            pattern=r"^([a-z0-9][a-z0-9_-]{0,63})?$",
            json_schema_extra={"format": "asset", "pattern": r"^([a-z0-9][a-z0-9_-]{0,63})?$"},
        ),
    ] = Field("", description="Image-library name shown left of the text (empty: none)")
    push_icon: Choice3 = Field(
        0,
        alias="pushIcon",
        description="0 icon stays, 1 scrolls away with the text, 2 scrolls and comes back",
    )
    repeat: Annotated[int, Field(ge=-1, le=10_000), WHOLE_NUMBER] = Field(
        -1, description="Scroll passes before the app ends (-1: no limit)"
    )
    duration: Annotated[int, Field(ge=1, le=86_400), WHOLE_NUMBER] | None = Field(
        None, description="Seconds on screen (empty: the board's default)"
    )
    bar: ChartValues = Field(default_factory=list, description="Bar chart values")
    line: ChartValues = Field(default_factory=list, description="Line chart values")
    autoscale: bool = Field(True, description="Scale bar and line charts to their values")
    bar_bc: AwtrixColor = Field(
        default_factory=_black, alias="barBC", description="Background of the bars"
    )
    progress: Annotated[int, Field(ge=-1, le=100), WHOLE_NUMBER] = Field(
        -1, description="Progress bar 0–100 (-1: none)"
    )
    progress_c: AwtrixColor = Field(
        default_factory=lambda: [0, 255, 0], alias="progressC", description="Progress colour"
    )
    progress_bc: AwtrixColor = Field(
        default_factory=lambda: [40, 40, 40],
        alias="progressBC",
        description="Progress bar background",
    )
    draw: Annotated[list[DrawCommand], Field(max_length=MAX_DRAW_COMMANDS)] = Field(
        default_factory=list, description="Drawing commands on AWTRIX's 32×8 canvas"
    )
    lifetime: Annotated[int, Field(ge=0, le=31_536_000), WHOLE_NUMBER] = Field(
        0, description="Seconds without an update before it expires (0: never)"
    )
    lifetime_mode: Choice2 = Field(
        0, alias="lifetimeMode", description="On expiry: 0 delete, 1 mark stale (red frame)"
    )
    no_scroll: bool = Field(False, alias="noScroll", description="Never scroll the text")
    scroll_speed: Annotated[int, Field(ge=1, le=1000), WHOLE_NUMBER] = Field(
        100, alias="scrollSpeed", description="Scroll speed in percent"
    )
    effect: Annotated[
        str, Field(max_length=32, json_schema_extra={"enum": ["", *EFFECT_NAMES]})
    ] = Field("", description="Background effect (empty: none)")
    save: bool = Field(False, description="Accepted for AWTRIX; apps are always kept")

    @field_validator("effect")
    @classmethod
    def _effect(cls, value: str) -> str:
        return _known_effect(value)

    @field_validator("text")
    @classmethod
    def _text_length(cls, value: str | list[TextFragment]) -> str | list[TextFragment]:
        length = len(value) if isinstance(value, str) else sum(len(f.t) for f in value)
        if length > MAX_CUSTOM_TEXT:
            raise ValueError(f"text is longer than {MAX_CUSTOM_TEXT} characters")
        return value

    @field_validator("gradient")
    @classmethod
    def _two_colours(cls, value: list[list[int]]) -> list[list[int]]:
        if len(value) == 1:
            raise ValueError("give two colours (or none)")
        return value


class NotificationConfig(CustomAppConfig):
    """An AWTRIX 3 notification: a custom app shown once, on top."""

    hold: bool = Field(False, description="Stay until dismissed")
    stack: bool = Field(True, description="Queue behind the current notification")
    wakeup: bool = Field(False, description="Show even while the panel is off")


# --- parsing ---------------------------------------------------------------------------

_CUSTOM_KEYS: Final = frozenset(
    field.alias or name for name, field in CustomAppConfig.model_fields.items()
)
_NOTIFICATION_KEYS: Final = (
    frozenset(field.alias or name for name, field in NotificationConfig.model_fields.items())
    - APP_ONLY_KEYS
)
_TYPE_TAG: Final = re.compile(r"[\[\]-]|^(str|int|bool|float|list|dict|none)$")


def _loc(error: Any) -> list[str | int]:
    """Pydantic's error location without its union-member tags, the command key of a
    draw item appended (``["draw", 3, "dl"]``)."""
    loc: list[str | int] = [
        part
        for index, part in enumerate(error["loc"])
        if index == 0 or isinstance(part, int) or not _TYPE_TAG.search(part)
    ]
    command = (error.get("ctx") or {}).get("command")
    if error["type"] == "draw_command" and command in _DRAW_SHAPES:
        loc.append(command)
    return loc


def _from_validation(exc: ValidationError) -> CustomPayloadError:
    located = [(_loc(error), error) for error in exc.errors()]
    details: list[ErrorDetail] = []
    for loc, error in located:
        # A union's "not a string" is noise when the list branch says what is wrong inside.
        deeper = any(len(other) > len(loc) and other[: len(loc)] == loc for other, _ in located)
        if deeper and error["type"].endswith("_type"):
            continue
        msg = str(error["msg"]).removeprefix("Value error, ")
        detail = ErrorDetail(loc=loc, msg=msg)
        if detail not in details:
            details.append(detail)
    first = details[0]
    where = ".".join(str(part) for part in first.loc)
    return CustomPayloadError(f"{where}: {first.msg}" if where else first.msg, details)


def _split(data: object, known: frozenset[str]) -> tuple[dict[str, Any], list[str]]:
    if not isinstance(data, dict):
        raise _payload_error([], "the payload must be a JSON object")
    kept = {key: value for key, value in data.items() if key in known}
    ignored = sorted(str(key) for key in data if key not in known)
    return kept, ignored


def parse_custom(data: dict[str, Any]) -> tuple[CustomAppConfig, list[str]]:
    """Validate an AWTRIX custom-app payload; returns the config and the keys it
    ignored (sorted). Raises :class:`CustomPayloadError`."""
    kept, ignored = _split(data, _CUSTOM_KEYS)
    try:
        return CustomAppConfig.model_validate(kept), ignored
    except ValidationError as exc:
        raise _from_validation(exc) from None


def parse_notification(data: dict[str, Any]) -> tuple[NotificationConfig, list[str]]:
    """Validate an AWTRIX notification payload; returns the config and the keys it
    ignored (sorted, app-only keys such as ``lifetime`` among them)."""
    kept, ignored = _split(data, _NOTIFICATION_KEYS)
    try:
        return NotificationConfig.model_validate(kept), ignored
    except ValidationError as exc:
        raise _from_validation(exc) from None


def plain_text(config: CustomAppConfig) -> str:
    """The text as one string, fragments joined (for state summaries)."""
    if isinstance(config.text, str):
        return config.text
    return "".join(fragment.t for fragment in config.text)


# --- icons -----------------------------------------------------------------------------


def library_icon_name(value: str) -> str | None:
    """The image-library name ``icon`` gives, or ``None`` when it is base64 image data.

    AWTRIX names icons by their file on the clock (``Weather``, ``sun.gif``, ``1234``):
    the library's names are lower case, without an extension.
    """
    match = _ICON_FILE.match(value)
    if match is None:
        return None
    name = match.group("name").lower()
    return name if ICON_NAME.match(name) else None


def decode_base64_icon(value: str) -> bytes:
    """The image bytes of a base64 ``icon`` (a ``data:`` URI prefix is allowed).

    Raises :class:`CustomPayloadError` at ``["icon"]`` when it is not base64.
    """
    text = _DATA_URI.sub("", value.strip(), count=1)
    text = re.sub(r"\s+", "", text)
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _payload_error(
            ["icon"], "neither an image-library name nor base64 image data"
        ) from None
    if not data:
        raise _payload_error(["icon"], "empty icon data")
    return data
