"""The renderer's settings: the common ones plus state, display and matrix options."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retroboard_common.settings import ServiceSettings, env
from retroboard_renderer.apps.base import DEFAULT_WEATHER_URL
from retroboard_renderer.localtime import load_timezone
from retroboard_renderer.realtime.sources import DEFAULT_SOURCES, Network, parse_sources

DisplayKind = Literal["emulator", "hzeller", "piomatter"]


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/retroboard`` (``~/.local/state/retroboard``)."""
    import os

    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "retroboard"


class MatrixSettings(BaseSettings):
    """Panel geometry and rpi-rgb-led-matrix options (``MATRIX_*``)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    rows: Annotated[int, Field(ge=8, le=64)] = env("MATRIX_ROWS", 32)
    cols: Annotated[int, Field(ge=8, le=256)] = env("MATRIX_COLS", 64)
    chain_length: Annotated[int, Field(ge=1, le=16)] = env("MATRIX_CHAIN_LENGTH", 1)
    parallel: Annotated[int, Field(ge=1, le=6)] = env("MATRIX_PARALLEL", 1)
    hardware_mapping: str = env("MATRIX_HARDWARE_MAPPING", "regular")
    gpio_slowdown: Annotated[int, Field(ge=0, le=5)] = env("MATRIX_GPIO_SLOWDOWN", 1)
    pwm_bits: Annotated[int, Field(ge=1, le=11)] = env("MATRIX_PWM_BITS", 11)
    led_rgb_sequence: str = env("MATRIX_LED_RGB_SEQUENCE", "RGB", pattern=r"^[RGB]{3}$")
    pixel_mapper: str = env("MATRIX_PIXEL_MAPPER", "")

    @field_validator("led_rgb_sequence")
    @classmethod
    def _each_colour_once(cls, value: str) -> str:
        # rpi-rgb-led-matrix aborts the process on a sequence without one of the three
        # (lib/framebuffer.cc, GetGpioFromLedSequence).
        if sorted(value) != ["B", "G", "R"]:
            raise ValueError("must name R, G and B once each, e.g. RBG")
        return value

    @property
    def width(self) -> int:
        """Canvas width in pixels (before any pixel mapper)."""
        return self.cols * self.chain_length

    @property
    def height(self) -> int:
        """Canvas height in pixels (before any pixel mapper)."""
        return self.rows * self.parallel


StreamLayout = Literal["rows", "serpentine"]


class RealtimeSettings(BaseSettings):
    """Pixel streams: DDP, E1.31 (sACN) and Art-Net (``RETROBOARD_REALTIME_*``)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    listen: bool = env("RETROBOARD_REALTIME", True, description="Listen for pixel streams at all")
    bind: str = env("RETROBOARD_REALTIME_BIND", "0.0.0.0", description="Address to listen on")
    universe: Annotated[int, Field(ge=0, le=63999)] = env(
        "RETROBOARD_REALTIME_UNIVERSE",
        1,
        description="The first universe (E1.31, Art-Net); 0 for Art-Net consoles counting "
        "from 0 (E1.31 has no universe 0)",
    )
    layout: StreamLayout = env(
        "RETROBOARD_REALTIME_LAYOUT", "rows", description="rows, or serpentine (odd rows reversed)"
    )
    timeout: Annotated[float, Field(gt=0, le=3600)] = env(
        "RETROBOARD_REALTIME_TIMEOUT",
        2.5,
        description="Seconds without a packet before the app is back",
    )
    sources: str = env(
        "RETROBOARD_REALTIME_SOURCES",
        "",
        description="Comma-separated networks allowed to stream (empty: private and loopback)",
    )
    ddp_port: Annotated[int, Field(ge=0, le=65535)] = env("RETROBOARD_REALTIME_DDP_PORT", 4048)
    e131_port: Annotated[int, Field(ge=0, le=65535)] = env("RETROBOARD_REALTIME_E131_PORT", 5568)
    artnet_port: Annotated[int, Field(ge=0, le=65535)] = env(
        "RETROBOARD_REALTIME_ARTNET_PORT", 6454
    )

    @field_validator("sources")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_sources(value)  # ValueError names the bad one
        return value

    @property
    def source_networks(self) -> tuple[Network, ...]:
        """The allow-list (empty setting: the private and loopback ranges)."""
        return parse_sources(self.sources) or DEFAULT_SOURCES


class RendererSettings(ServiceSettings):
    """Everything ``retroboard-renderer`` reads from the environment."""

    state_dir: Path = env("RETROBOARD_STATE_DIR", default_factory=default_state_dir)
    display: DisplayKind = env("RETROBOARD_DISPLAY", "emulator")
    preview_fps: Annotated[float, Field(gt=0, le=30)] = env("RETROBOARD_PREVIEW_FPS", 10.0)
    save_delay: Annotated[float, Field(ge=0, le=60)] = env("RETROBOARD_SAVE_DELAY", 1.0)
    emulator_terminal: bool = env("RETROBOARD_EMULATOR_TERMINAL", False)
    weather_url: str = env(
        "RETROBOARD_WEATHER_URL",
        DEFAULT_WEATHER_URL,
        pattern=r"^https?://",
        description="Base URL of the Open-Meteo forecast API the weather app asks",
    )
    http_timeout: Annotated[float, Field(gt=0, le=120)] = env(
        "RETROBOARD_HTTP_TIMEOUT", 10.0, description="Seconds an app's fetch may take"
    )
    awtrix_prefix: str = env(
        "RETROBOARD_AWTRIX_PREFIX",
        "",
        pattern=r"^([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$",
        description="Also answer AWTRIX 3's topics under this prefix (empty: off)",
    )
    timezone: str = env(
        "RETROBOARD_TIMEZONE",
        "",
        description="IANA timezone of schedules and night mode, e.g. Europe/Berlin "
        "(empty: the system's)",
    )
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = env(
        "RETROBOARD_METRICS_PORT",
        9110,
        description="TCP port of the Prometheus metrics endpoint /metrics (0: off)",
    )
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)
    realtime: RealtimeSettings = Field(default_factory=RealtimeSettings)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        load_timezone(value)  # ValueError names it
        return value

    @property
    def zone(self) -> tzinfo:
        """The timezone local times are read in."""
        return load_timezone(self.timezone)
