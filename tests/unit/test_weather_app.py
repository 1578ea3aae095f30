"""The weather app fetches Open-Meteo's current weather and shows temperature and icon.

A local HTTP server stands in for Open-Meteo, serving a recorded answer
(tests/fixtures/open_meteo/) or failing on purpose.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from retroboard_common.app_configs import WeatherConfig
from retroboard_renderer.apps.base import STALE_COLOR, AppContext
from retroboard_renderer.apps.weather import Reading, Weather, WeatherError
from retroboard_renderer.apps.weather_icons import ICON_NAMES, icon, icon_name
from retroboard_renderer.http_fetch import FetchError
from retroboard_renderer.text import load_font
from tests.unit.test_clock_app import crop, shown_lines

FIXTURES = Path(__file__).parent.parent / "fixtures" / "open_meteo"
BERLIN = (FIXTURES / "current_berlin.json").read_bytes()  # -3.6 °C, snow (71), night
GREEN = [0, 255, 0]


@dataclass
class Answer:
    """What the fake Open-Meteo sends next."""

    status: int = 200
    body: bytes = BERLIN
    delay: float = 0.0
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    on_request: Callable[[], None] | None = None


@pytest.fixture
def open_meteo() -> Iterator[tuple[str, Answer]]:
    """A local stand-in for api.open-meteo.com: its base URL and the next answer."""
    answer = Answer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            answer.paths.append(url.path)
            answer.queries.append(urllib.parse.parse_qs(url.query))
            if answer.on_request:
                answer.on_request()
            if answer.delay:
                answer.release.wait(answer.delay)  # a slow server; teardown releases it
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answer
    finally:
        answer.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def weather(url: str, width: int = 64, height: int = 32, **config: object) -> Weather:
    app_config = WeatherConfig.model_validate({"color": GREEN, **config})
    return Weather(app_config, width, height, AppContext(weather_url=url, http_timeout=2.0))


def text_of(frame: np.ndarray) -> np.ndarray:
    """Where the temperature text is lit (it alone is drawn in GREEN)."""
    return np.asarray((frame == GREEN).all(axis=2))


def icon_drawn(frame: np.ndarray, name: str, scale: int, x: int, y: int) -> bool:
    """Whether icon ``name`` is drawn, exactly, with its top-left corner at ``(x, y)``."""
    image = icon(name, scale)
    height, width = image.mask.shape
    region = frame[y : y + height, x : x + width]
    return bool((region[image.mask] == image.pixels[image.mask]).all()) and bool(
        (region[~image.mask] == 0).all()
    )


def test_update_fetches_current_weather_and_render_shows_it(
    open_meteo: tuple[str, Answer],
) -> None:
    url, answer = open_meteo
    app = weather(url, latitude=52.52, longitude=13.41)
    assert app.update() == 600.0  # the next update is due after `refresh` seconds
    assert app.reading == Reading(-3.6, 71, False, "C")
    frame = app.render(0.0)
    assert shown_lines(text_of(frame), ("-4°C", "9x18"))
    assert icon_drawn(frame, "snow", 1, 1, 8)
    assert answer.paths == ["/v1/forecast"]
    assert answer.queries == [
        {
            "latitude": ["52.5200"],
            "longitude": ["13.4100"],
            "current": ["temperature_2m,weather_code,is_day"],
            "temperature_unit": ["celsius"],
        }
    ]


def test_imperial_units_ask_for_fahrenheit(open_meteo: tuple[str, Answer]) -> None:
    url, answer = open_meteo
    answer.body = BERLIN.replace(b"-3.6", b"25.5").replace(b"\xc2\xb0C", b"\xc2\xb0F")
    app = weather(url, units="imperial", refresh=3600)
    assert app.update() == 3600.0
    assert answer.queries[0]["temperature_unit"] == ["fahrenheit"]
    assert shown_lines(text_of(app.render(0.0)), ("26°F", "9x18"))


def test_larger_panels_get_larger_icons_and_text(open_meteo: tuple[str, Answer]) -> None:
    url, _ = open_meteo
    for width, height, scale in ((128, 64, 2), (256, 128, 4)):
        app = weather(url, width, height)
        app.update()
        frame = app.render(0.0)
        assert icon_drawn(frame, "snow", scale, scale, (height - 16 * scale) // 2)
        text = load_font("9x18").render("-4°C").repeat(scale, axis=0).repeat(scale, axis=1)
        assert np.array_equal(crop(text_of(frame)), crop(text))  # each pixel scale × scale


def test_no_data_yet_shows_dashes_and_no_icon() -> None:
    app = weather("http://127.0.0.1:9")
    frame = app.render(0.0)
    assert shown_lines(text_of(frame), ("--°", "9x18"))
    assert (frame[~text_of(frame)] == 0).all()


def test_failed_fetch_keeps_the_last_reading_and_render_marks_it_stale(
    open_meteo: tuple[str, Answer],
) -> None:
    url, answer = open_meteo
    app = weather(url)
    app.update()
    good = app.render(0.0).copy()
    answer.status, answer.body = 500, b'{"error": true, "reason": "boom"}'
    with pytest.raises(FetchError, match="500"):
        app.update()
    assert app.reading == Reading(-3.6, 71, False, "C")
    app.stale = True  # what the updater does after a failed update
    frame = app.render(0.0)
    assert tuple(frame[0, -1]) == tuple(frame[1, -1]) == STALE_COLOR
    assert shown_lines(text_of(frame), ("-4°C", "9x18"))
    assert icon_drawn(frame, "snow", 1, 1, 8)
    app.stale = False  # the next update worked again
    assert np.array_equal(app.render(0.0), good)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad Gateway</html>",
        b"\xff\xfe",
        b"[]",
        b'{"latitude": 52.52}',
        b'{"current": {"temperature_2m": "cold", "weather_code": 3}}',
        b'{"current": {"temperature_2m": NaN, "weather_code": 3}}',
        b'{"current": {"temperature_2m": 5.0, "weather_code": 3.5}}',
        b'{"current": {"temperature_2m": 5.0, "weather_code": true}}',
        b'{"current": {"temperature_2m": 5.0}}',
        b'{"error": true, "reason": "Latitude must be in range of -90 to 90"}',
    ],
)
def test_a_malformed_answer_raises_and_keeps_the_last_reading(
    open_meteo: tuple[str, Answer], body: bytes
) -> None:
    url, answer = open_meteo
    app = weather(url)
    app.update()
    answer.body = body
    with pytest.raises(WeatherError):
        app.update()
    assert app.reading == Reading(-3.6, 71, False, "C")


def test_the_documented_error_answer_fails_the_update(open_meteo: tuple[str, Answer]) -> None:
    url, answer = open_meteo
    answer.status, answer.body = 400, (FIXTURES / "error_400.json").read_bytes()
    app = weather(url)
    with pytest.raises(FetchError, match="400"):
        app.update()
    assert app.reading is None


def test_an_oversized_answer_fails_the_update(open_meteo: tuple[str, Answer]) -> None:
    url, answer = open_meteo
    answer.body = b" " * 100_000 + BERLIN
    with pytest.raises(FetchError, match="larger"):
        weather(url).update()


def test_a_slow_server_fails_within_about_the_timeout(open_meteo: tuple[str, Answer]) -> None:
    url, answer = open_meteo
    answer.delay = 30.0
    config = WeatherConfig(color=GREEN)
    app = Weather(config, 64, 32, AppContext(weather_url=url, http_timeout=0.3))
    started = time.monotonic()
    with pytest.raises(FetchError):
        app.update()
    assert time.monotonic() - started < 2.0
    assert app.reading is None


def test_a_new_place_drops_the_old_reading(open_meteo: tuple[str, Answer]) -> None:
    url, _ = open_meteo
    app = weather(url)
    app.update()
    app.configure(WeatherConfig(color=[255, 0, 0]))
    assert app.reading is not None  # only the colour changed
    app.configure(WeatherConfig(latitude=35.68, longitude=139.69))
    assert app.reading is None
    assert shown_lines(np.asarray(app.render(0.0).any(axis=2)), ("--°", "9x18"))


def test_a_reading_for_a_place_left_meanwhile_is_dropped(
    open_meteo: tuple[str, Answer],
) -> None:
    url, answer = open_meteo
    app = weather(url)
    answer.on_request = lambda: app.configure(WeatherConfig(latitude=35.68, longitude=139.69))
    assert app.update() == 1.0  # soon again, for the new place
    assert app.reading is None
    answer.on_request = None
    app.update()
    assert answer.queries[-1]["latitude"] == ["35.6800"]
    assert app.reading is not None


@pytest.mark.parametrize(
    ("code", "is_day", "name"),
    [
        (0, True, "clear_day"),
        (0, False, "clear_night"),
        (1, True, "partly_cloudy_day"),
        (2, False, "partly_cloudy_night"),
        (3, True, "overcast"),
        (45, True, "fog"),
        (48, True, "fog"),
        (51, True, "drizzle"),
        (55, True, "drizzle"),
        (56, True, "freezing_rain"),
        (57, True, "freezing_rain"),
        (61, True, "rain"),
        (65, True, "rain"),
        (66, True, "freezing_rain"),
        (67, True, "freezing_rain"),
        (71, True, "snow"),
        (77, True, "snow"),
        (80, True, "rain_showers"),
        (82, True, "rain_showers"),
        (85, True, "snow_showers"),
        (86, True, "snow_showers"),
        (95, True, "thunderstorm"),
        (96, True, "thunderstorm"),
        (99, True, "thunderstorm"),
        (42, True, "overcast"),  # not a code Open-Meteo documents
    ],
)
def test_wmo_codes_pick_their_icons(code: int, is_day: bool, name: str) -> None:
    assert icon_name(code, is_day) == name


def test_icons_are_distinct_pixel_art_that_scales() -> None:
    drawn = {name: icon(name) for name in ICON_NAMES}
    assert all(image.mask.shape == (16, 16) and image.mask.sum() > 20 for image in drawn.values())
    assert len({image.pixels.tobytes() for image in drawn.values()}) == len(ICON_NAMES)
    double = icon("rain", 2)
    assert double.mask.shape == (32, 32)
    assert np.array_equal(double.mask[::2, ::2], icon("rain").mask)


def test_defaults() -> None:
    assert WeatherConfig().model_dump() == {
        "latitude": 52.52,
        "longitude": 13.41,
        "units": "metric",
        "refresh": 600,
        "color": [255, 255, 255],
    }


@pytest.mark.parametrize(
    "values",
    [
        {"latitude": 90.5},
        {"latitude": -91},
        {"longitude": 180.01},
        {"longitude": "13.4"},
        {"latitude": float("nan")},
        {"units": "kelvin"},
        {"refresh": 59},
        {"refresh": 86401},
        {"refresh": 600.5},
        {"color": [0, 0]},
        {"city": "Berlin"},
    ],
)
def test_bad_weather_configs_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WeatherConfig.model_validate(values)


def test_whole_numbers_and_integer_degrees_are_accepted() -> None:
    config = WeatherConfig.model_validate({"latitude": 35, "longitude": -70, "refresh": 900.0})
    assert (config.latitude, config.longitude, config.refresh) == (35, -70, 900)
