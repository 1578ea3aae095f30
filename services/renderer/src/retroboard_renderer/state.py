"""The board's saved state: what survives a restart."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from retroboard_common.models import Brightness, CarouselState

DEFAULT_BRIGHTNESS = 80


class SavedState(BaseModel):
    """Last app, every app's config, brightness and the carousel with its position."""

    current_app: str | None = None
    configs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    brightness: Brightness = DEFAULT_BRIGHTNESS
    realtime: bool = True
    """Whether pixel streams may take the panel."""
    carousel: Annotated[CarouselState, Field()] = Field(
        default_factory=lambda: CarouselState(enabled=False, apps=[], current_index=0)
    )
