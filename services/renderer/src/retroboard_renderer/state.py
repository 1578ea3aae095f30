"""The board's saved state: what survives a restart."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from retroboard_common.models import (
    Brightness,
    CarouselState,
    Latitude,
    Longitude,
    PushOrigin,
    Transition,
)
from retroboard_renderer.night import NightSettings

DEFAULT_BRIGHTNESS = 80


class CustomPush(BaseModel):
    """Where a custom app was last pushed from, and when (its lifetime counts from it)."""

    origin: PushOrigin
    pushed_at: float
    """Seconds since the epoch."""


class SavedState(BaseModel):
    """Last app, every app instance's config and type, brightness and the carousel
    with its position."""

    current_app: str | None = None
    configs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Every instance's config by id, in the order the board lists them."""
    types: dict[str, str] = Field(default_factory=dict)
    """Every instance's type by id (an id missing here is its own type: the original
    apps, and state saved before instances existed)."""
    brightness: Brightness = DEFAULT_BRIGHTNESS
    power: bool = True
    transition: Transition = Field(default_factory=Transition)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    night: NightSettings = Field(default_factory=NightSettings)
    pushes: dict[str, CustomPush] = Field(default_factory=dict)
    """The custom apps' pushes, by instance id."""
    realtime: bool = True
    """Whether pixel streams may take the panel."""
    carousel: Annotated[CarouselState, Field()] = Field(
        default_factory=lambda: CarouselState(enabled=False, apps=[], current_index=0)
    )
