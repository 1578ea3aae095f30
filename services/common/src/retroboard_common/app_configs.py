"""The built-in apps' configs: what clients send as an app's config, on every interface.

They are part of the contract: the renderer's apps draw with them, and the api's
OpenAPI document gives each app's config endpoint its own schema from them. Each
field has a default, so a body with any subset of the fields is a valid change (it
is merged into the saved config).
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from retroboard_common.models import WHOLE_NUMBER

FONT_NAMES: Final[tuple[str, ...]] = (
    "tom-thumb",
    "4x6",
    "5x7",
    "6x10",
    "6x12",
    "7x13",
    "8x13",
    "9x18",
    "10x20",
)
"""The bitmap fonts the renderer ships, smallest first (by line height, then width)."""

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


class ClockConfig(AppConfig):
    """How the clock looks."""

    font: FontName = Field(DEFAULT_FONT, description="Bitmap font")
    color: Color = Field(default_factory=lambda: [255, 255, 255], description="Text colour")


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


APP_CONFIGS: Final[dict[str, type[AppConfig]]] = {
    "clock": ClockConfig,
    "scroll_text": ScrollTextConfig,
    "stars": StarsConfig,
}
"""Each built-in app's config model, by app name, in the order the dashboard lists them."""
