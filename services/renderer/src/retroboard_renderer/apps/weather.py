"""``weather``: the current temperature and a condition icon, from Open-Meteo.

``update`` (on the updater's worker thread) fetches
``{weather_url}/v1/forecast?latitude=…&longitude=…&current=temperature_2m,weather_code,
is_day&temperature_unit=celsius|fahrenheit`` (parameter and variable names from
https://open-meteo.com/en/docs) and hands the reading to ``render`` by replacing
:attr:`Weather.reading`; ``render`` never does I/O.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from dataclasses import dataclass
from typing import Any, Final

from retroboard_common.app_configs import WeatherConfig
from retroboard_renderer.apps.base import App, AppContext, mark_stale, paint
from retroboard_renderer.apps.weather_icons import SIZE, draw_icon, icon, icon_name
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.http_fetch import fetch
from retroboard_renderer.text import BitmapFont, Mask, load_font

MAX_BYTES: Final = 16 * 1024
"""An answer with three current values is under 1 KiB; more is not Open-Meteo's."""
CURRENT: Final = "temperature_2m,weather_code,is_day"
TEXT_FONTS: Final = ("9x18", "6x10", "5x7")
"""Temperature fonts, tried largest first (they have the degree sign)."""
NO_DATA: Final = "--°"


class WeatherError(ValueError):
    """The weather service answered, but not with a usable current reading."""


@dataclass(frozen=True)
class Reading:
    """The current weather at the configured place."""

    temperature: float
    code: int
    """The WMO weather code."""
    is_day: bool
    unit: str
    """``"C"`` or ``"F"``."""


def forecast_url(base: str, config: WeatherConfig) -> str:
    """The Open-Meteo forecast request for ``config``'s place and units."""
    query = urllib.parse.urlencode(
        {
            "latitude": f"{config.latitude:.4f}",
            "longitude": f"{config.longitude:.4f}",
            "current": CURRENT,
            "temperature_unit": "fahrenheit" if config.units == "imperial" else "celsius",
        },
        safe=",",
    )
    return f"{base.rstrip('/')}/v1/forecast?{query}"


def _number(current: dict[str, Any], key: str) -> float:
    value = current.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WeatherError(f"current.{key} is not a number: {str(value)[:40]!r}")
    return float(value)


def parse_reading(body: bytes, unit: str) -> Reading:
    """The reading in an Open-Meteo JSON answer; raises :class:`WeatherError` when the
    answer is not JSON or lacks the current temperature or weather code."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeatherError(f"answer is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise WeatherError("answer is not a JSON object")
    if document.get("error"):
        raise WeatherError(f"weather service error: {str(document.get('reason'))[:200]}")
    current = document.get("current")
    if not isinstance(current, dict):
        raise WeatherError("answer has no 'current' object")
    temperature = _number(current, "temperature_2m")
    code = _number(current, "weather_code")
    if not code.is_integer() or not 0 <= code <= 99:
        raise WeatherError(f"current.weather_code is not a WMO code: {code}")
    # is_day is 1 or 0; a missing one counts as day (the day icons are the defaults).
    is_day = current.get("is_day", 1) != 0
    return Reading(temperature, int(code), is_day, unit)


class Weather(App[WeatherConfig]):
    """Shows the last good reading; redraws only when it (or the stale mark) changes."""

    name = "weather"
    description = "Current temperature and conditions (Open-Meteo)"
    config_model = WeatherConfig

    def __init__(
        self,
        config: WeatherConfig,
        width: int,
        height: int,
        context: AppContext | None = None,
    ) -> None:
        self.reading: Reading | None = None
        """The last good reading (``None`` before the first); replaced whole by
        :meth:`update`, read by :meth:`render`."""
        self._shown: tuple[Reading | None, bool] | None = None
        # Icons 16 px on a 64×32 panel, 32 px on 128×64, 64 px on 256×128.
        self._scale = max(1, min(width // 64, height // 32))
        super().__init__(config, width, height, context)

    def configure(self, config: WeatherConfig) -> None:
        """Apply a new place, units, refresh or colour; a new place or unit drops the
        old reading (it would be wrong), so "no data" shows until the next update."""
        old = self.config
        super().configure(config)
        if _place(old) != _place(config):
            self.reading = None
        self._shown = None

    def update(self) -> float:
        """Fetch the current weather; raises (keeping the last reading) on any failure."""
        config = self.config
        answer = fetch(
            forecast_url(self.context.weather_url, config),
            timeout=self.context.http_timeout,
            max_bytes=MAX_BYTES,
        )
        reading = parse_reading(answer.body, "F" if config.units == "imperial" else "C")
        if _place(self.config) != _place(config):
            return 1.0  # reconfigured meanwhile: this reading is for the old place
        self.reading = reading
        return float(config.refresh)

    def render(self, now: float) -> Frame:
        """Draw the icon and temperature of the last reading (``--°`` before one)."""
        shown = (self.reading, self.stale)
        if shown != self._shown:
            self._draw(*shown)
            self._shown = shown
        return self.frame

    def _draw(self, reading: Reading | None, stale: bool) -> None:
        self.frame[:] = 0
        scale, margin = self._scale, self._scale
        icon_size = SIZE * scale
        text_x = margin
        if reading is not None:
            image = icon(icon_name(reading.code, reading.is_day), scale)
            draw_icon(self.frame, image, margin, (self.height - icon_size) // 2)
            text_x = margin + icon_size + margin
            number = round(reading.temperature)  # an int: never "-0°"
            texts = [f"{number}°{reading.unit}", f"{number}°"]
        else:
            texts = [NO_DATA]
        mask = self._text_mask(texts, self.width - text_x - margin)
        x = text_x + (self.width - text_x - margin - mask.shape[1]) // 2
        paint(
            self.frame, mask, self.config.color, max(x, text_x), (self.height - mask.shape[0]) // 2
        )
        if stale:
            mark_stale(self.frame)

    def _text_mask(self, texts: list[str], room: int) -> Mask:
        """The first text, in the largest font, that fits ``room`` pixels (scaled up
        with the icons); the last one in the smallest font when none does."""
        scale = self._scale
        for name in TEXT_FONTS:
            font: BitmapFont = load_font(name)
            if font.height * scale > self.height:
                continue
            for text in texts:
                if font.measure(text) * scale <= room:
                    return _scaled(font.render(text), scale)
        return load_font(TEXT_FONTS[-1]).render(texts[-1])

    def frame_delay(self, now: float) -> float:
        """A new reading arrives from another thread; look for it twice a second."""
        return 0.5


def _place(config: WeatherConfig) -> tuple[float, float, str]:
    """What a reading depends on."""
    return config.latitude, config.longitude, config.units


def _scaled(mask: Mask, scale: int) -> Mask:
    return mask.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else mask
