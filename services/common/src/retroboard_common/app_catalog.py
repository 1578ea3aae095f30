"""Every built-in app type's config model, by type name: what the api documents and
the renderer's built-in apps draw with."""

from __future__ import annotations

from typing import Final

from retroboard_common.app_configs import (
    AppConfig,
    ClockConfig,
    CountdownConfig,
    ImageConfig,
    ScrollTextConfig,
    StarsConfig,
    WeatherConfig,
    WebImageConfig,
)
from retroboard_common.custom_apps import CUSTOM_TYPE, CustomAppConfig

APP_CONFIGS: Final[dict[str, type[AppConfig]]] = {
    "clock": ClockConfig,
    "scroll_text": ScrollTextConfig,
    "stars": StarsConfig,
    "countdown": CountdownConfig,
    "weather": WeatherConfig,
    "image": ImageConfig,
    "web_image": WebImageConfig,
    CUSTOM_TYPE: CustomAppConfig,
}
"""Each built-in app's config model, by app name, in the order the dashboard lists them."""
