"""The built-in apps' configs: what clients send as an app's config, on every interface.

They are part of the contract: the renderer's apps draw with them, and the api's
OpenAPI document gives each app's config endpoint its own schema from them. Each
field has a default, so a body with any subset of the fields is a valid change (it
is merged into the saved config).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from retroboard_common.models import WHOLE_NUMBER

FONT_NAMES: Final[tuple[str, ...]] = (
    "tom-thumb",
    "4x6",
    "5x7",
    "5x8",
    "6x9",
    "6x10",
    "6x12",
    "clR6x12",
    "6x13",
    "6x13B",
    "6x13O",
    "7x13",
    "7x13B",
    "7x13O",
    "8x13",
    "8x13B",
    "8x13O",
    "7x14",
    "7x14B",
    "9x15",
    "9x15B",
    "helvR12",
    "9x18",
    "9x18B",
    "10x20",
)
"""The bitmap fonts the renderer ships, smallest first (by line height, then the
width of ``M``; regular before bold ``B`` before oblique ``O``). All but
``tom-thumb`` are X11 fonts from Debian's ``xfonts-base``/``xfonts-75dpi``."""

DEFAULT_FONT: Final = "6x10"
"""The font used when the caller does not choose one."""

MAX_TEXT_LENGTH: Final = 500


def _known_font(name: str) -> str:
    if name not in FONT_NAMES:
        raise ValueError(f"unknown font {name!r}; choose one of {', '.join(FONT_NAMES)}")
    return name


Color = Annotated[
    list[Annotated[int, Field(ge=0, le=255), WHOLE_NUMBER]],
    Field(min_length=3, max_length=3, json_schema_extra={"format": "color"}),
]
"""An ``[r, g, b]`` colour, each 0–255 (``format: color`` tells forms to use a picker)."""

FontName = Annotated[
    str,
    AfterValidator(_known_font),
    Field(json_schema_extra={"enum": list(FONT_NAMES)}),
]
"""A bitmap font, by name only."""


class AppConfig(BaseModel):
    """Base of every app's config: unknown fields and loose types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _known_time_zone(name: str) -> str:
    if not name:
        return name  # the board's local time
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        ) from None
    return name


TimeZoneName = Annotated[
    str,
    Field(
        max_length=64,
        pattern=r"^[A-Za-z0-9_+\-/]*$",
        # The zones this machine knows, so forms offer a list (and the schema is exact).
        json_schema_extra={"enum": ["", *sorted(zoneinfo.available_timezones())]},
    ),
    AfterValidator(_known_time_zone),
]
"""An IANA time zone (``Asia/Tokyo``); empty means the board's local time."""

DATE_FORMATS: Final[dict[str, str]] = {
    "short": "%a %d %b",
    "iso": "%Y-%m-%d",
    "dmy": "%d.%m.%Y",
    "mdy": "%m/%d/%Y",
}
"""The clock's date line formats by name (``strftime`` patterns)."""


class ClockConfig(AppConfig):
    """How the clock looks, and whose time it shows."""

    font: FontName = Field(DEFAULT_FONT, description="Bitmap font")
    color: Color = Field(default_factory=lambda: [255, 255, 255], description="Text colour")
    timezone: TimeZoneName = Field(
        "", description="IANA time zone, e.g. Asia/Tokyo; empty: the board's local time"
    )
    hour_format: Literal[12, 24] = Field(24, description="12 (with AM/PM) or 24 hours")
    seconds: bool = Field(True, description="Show seconds")
    date: Literal["none", "short", "iso", "dmy", "mdy"] = Field(
        "none",
        description=(
            "Date line under the time: none, short (Thu 24 Dec), iso (2026-12-24), "
            "dmy (24.12.2026) or mdy (12/24/2026)"
        ),
    )


class ScrollTextConfig(AppConfig):
    """What scrolls, and how fast."""

    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH)] = Field(
        "Hello, World!", description="Message"
    )
    font: FontName = Field(DEFAULT_FONT, description="Bitmap font")
    color: Color = Field(default_factory=lambda: [0, 255, 255], description="Text colour")
    speed: Annotated[int, Field(ge=1, le=16), WHOLE_NUMBER] = Field(
        1, description="Pixels per frame"
    )
    fps: Annotated[int, Field(ge=1, le=120), WHOLE_NUMBER] = Field(
        30, description="Frames per second"
    )


class StarsConfig(AppConfig):
    """How many stars, how long they live, how smooth."""

    spawn_rate: Annotated[int, Field(ge=0, le=64), WHOLE_NUMBER] = Field(
        1, description="New stars per frame"
    )
    lifetime: Annotated[int, Field(ge=2, le=1000), WHOLE_NUMBER] = Field(
        40, description="Frames a star lives"
    )
    fps: Annotated[int, Field(ge=1, le=120), WHOLE_NUMBER] = Field(
        60, description="Frames per second"
    )


def _local_date_time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO date-time like 2026-12-24T18:00: {text!r}") from None
    if moment.tzinfo is not None:
        raise ValueError("give a local date-time without offset; set timezone instead")
    if moment.year < 1970:  # earlier local times need not convert to epoch seconds
        raise ValueError("the date must be in 1970 or later")
    return text


LOCAL_DATE_TIME_SCHEMA: Final = (
    r"^(19[7-9]\d|[2-9]\d{3})-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))"
    r"(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?)?$"
)
"""What the schema tells forms a target looks like (29 February, valid in leap years,
is accepted too: the validator decides)."""

LocalDateTime = Annotated[
    str,
    Field(min_length=10, max_length=32, json_schema_extra={"pattern": LOCAL_DATE_TIME_SCHEMA}),
    AfterValidator(_local_date_time),
]
"""An ISO 8601 local date-time (``2026-12-24T18:00``) or date, without an offset."""


class CountdownConfig(AppConfig):
    """What the countdown counts down to, and what it says when it gets there."""

    target: LocalDateTime = Field(
        "2027-01-01T00:00", description="Local date-time to count down to, e.g. 2026-12-24T18:00"
    )
    timezone: TimeZoneName = Field(
        "", description="IANA time zone of the target; empty: the board's local time"
    )
    done_text: Annotated[str, Field(max_length=64)] = Field(
        "Now!", description="Shown once the target is reached"
    )
    font: FontName = Field(
        DEFAULT_FONT, description="Bitmap font (a smaller one when the text does not fit)"
    )
    color: Color = Field(default_factory=lambda: [255, 160, 0], description="Text colour")


class WeatherConfig(AppConfig):
    """Where the weather is for (Open-Meteo, no key), in which units, how often."""

    latitude: Annotated[float, Field(ge=-90, le=90)] = Field(
        52.52, description="Latitude in degrees, -90 to 90 (north positive)"
    )
    longitude: Annotated[float, Field(ge=-180, le=180)] = Field(
        13.41, description="Longitude in degrees, -180 to 180 (east positive)"
    )
    units: Literal["metric", "imperial"] = Field(
        "metric", description="metric (°C) or imperial (°F)"
    )
    refresh: Annotated[int, Field(ge=60, le=86400), WHOLE_NUMBER] = Field(
        600, description="Seconds between fetches"
    )
    color: Color = Field(
        default_factory=lambda: [255, 255, 255], description="Temperature text colour"
    )


ImageFit = Literal["contain", "cover", "stretch", "center"]
"""How an image meets the panel: ``contain`` shows all of it (bands around), ``cover``
fills the panel (edges cropped), ``stretch`` fills it out of proportion, ``center``
keeps its own size (cropped when larger)."""

OptionalAssetName = Annotated[
    str,
    Field(
        max_length=64,
        pattern=r"^([a-z0-9][a-z0-9_-]{0,63})?$",
        # Tells forms to offer a picker of the board's image library.
        json_schema_extra={"format": "asset"},
    ),
]
"""An image-library name (as ``retroboard_common.models.AssetName``) or ``""``: none."""

MAX_URL_LENGTH: Final = 2048

WebUrl = Annotated[
    str,
    Field(max_length=MAX_URL_LENGTH, pattern=r"^(https?://[^\s/?#@]+([/?#]\S*)?)?$"),
]
"""An ``http://`` or ``https://`` URL with a host, or ``""``: none yet."""


class ImageConfig(AppConfig):
    """Which image of the board's library, and how it fills the panel."""

    asset: OptionalAssetName = Field("", description="Image-library name; empty: none yet")
    fit: ImageFit = Field("contain", description="contain, cover, stretch or center")
    background: Color = Field(
        default_factory=lambda: [0, 0, 0], description="Behind transparent parts and bands"
    )


class WebImageConfig(AppConfig):
    """Which image URL (a Tronbyt device's ``/next`` works), how often, how it fits."""

    url: WebUrl = Field("", description="http(s) URL of a PNG, GIF, JPEG, WebP or BMP")
    refresh: Annotated[int, Field(ge=5, le=86400), WHOLE_NUMBER] = Field(
        300, description="Seconds between fetches (a Tronbyt-Dwell-Secs header wins)"
    )
    fit: ImageFit = Field("contain", description="contain, cover, stretch or center")
    background: Color = Field(
        default_factory=lambda: [0, 0, 0], description="Behind transparent parts and bands"
    )
