"""The ``web_image`` app against a local server that answers like a Tronbyt server's
``GET /<device>/next``: a WebP body with ``Tronbyt-Dwell-Secs`` and
``Tronbyt-Brightness`` headers."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError

from retroboard_common.app_catalog import APP_CONFIGS
from retroboard_common.app_configs import WebImageConfig
from retroboard_common.commands import CommandError
from retroboard_renderer.apps.base import STALE_COLOR, AppContext
from retroboard_renderer.apps.image import PLACEHOLDER_COLOR
from retroboard_renderer.apps.web_image import WebImage
from retroboard_renderer.http_fetch import FetchError
from retroboard_renderer.images import MAX_BYTES

RED, GREEN = (255, 0, 0), (0, 255, 0)


def webp(colors: list[tuple[int, int, int]], durations: list[int] | None = None) -> bytes:
    frames = [Image.new("RGB", (64, 32), color) for color in colors]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=durations or [1000] * len(frames),
        lossless=True,
    )
    return buffer.getvalue()


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeTronbyt:
    """A threading HTTP server on 127.0.0.1 serving whatever :attr:`answer` says."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                answer = owner.answer
                self.send_response(answer.status)
                self.send_header("Content-Type", "image/webp")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/device1/next"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def tronbyt(self, body: bytes, dwell: str | None, brightness: str | None) -> None:
        headers = {"Cache-Control": "public, max-age=0, must-revalidate"}
        if dwell is not None:
            headers["Tronbyt-Dwell-Secs"] = dwell
        if brightness is not None:
            headers["Tronbyt-Brightness"] = brightness
        self.answer = Answer(200, body, headers)


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeTronbyt]:
    fake = FakeTronbyt()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def server(running_server: FakeTronbyt) -> FakeTronbyt:
    running_server.answer = Answer()
    running_server.requests.clear()
    return running_server


def make(url: str, **config: Any) -> WebImage:
    return WebImage(WebImageConfig(url=url, **config), 64, 32, AppContext(http_timeout=5.0))


def pixel(frame: Any, y: int = 10, x: int = 10) -> tuple[int, ...]:
    return tuple(int(v) for v in frame[y, x])


def test_web_image_is_a_known_app_config() -> None:
    assert APP_CONFIGS["web_image"] is WebImageConfig
    assert WebImageConfig().refresh == 300
    WebImageConfig(url="https://example.org/a.png?x=1")
    for bad in (
        {"url": "ftp://example.org/a.png"},
        {"url": "file:///etc/passwd"},
        {"url": "http://"},
        {"url": "https://example.org/" + "a" * 2048},
        {"refresh": 0},
    ):
        with pytest.raises(ValidationError):
            WebImageConfig(**bad)


def test_before_the_first_fetch_it_shows_the_placeholder(server: FakeTronbyt) -> None:
    app = make(server.url)
    assert pixel(app.render(0.0), 12, 26) == PLACEHOLDER_COLOR
    assert server.requests == []


def test_a_tronbyt_answer_sets_the_next_fetch_and_the_brightness(
    server: FakeTronbyt,
) -> None:
    server.tronbyt(webp([RED, GREEN], [500, 500]), dwell="7", brightness="50")
    app = make(server.url, refresh=300)
    assert app.update() == 7.0
    assert server.requests == ["/device1/next"]
    assert pixel(app.render(100.0)) == (127, 0, 0)  # red at half brightness
    assert pixel(app.render(100.6)) == (0, 127, 0)  # its animation plays on
    assert pixel(app.render(101.1)) == (127, 0, 0)  # and loops for the dwell
    assert app.brightness == 50


def test_without_tronbyt_headers_it_refreshes_on_its_interval(server: FakeTronbyt) -> None:
    server.tronbyt(webp([RED]), dwell=None, brightness=None)
    app = make(server.url, refresh=120)
    assert app.update() == 120.0
    assert pixel(app.render(0.0)) == RED


@pytest.mark.parametrize(
    ("dwell", "brightness", "delay", "shown"),
    [
        ("0", "100", 60.0, RED),  # a dwell of 0 falls back to refresh
        ("abc", "x", 60.0, RED),  # unparsable headers change nothing
        ("15", "0", 15.0, (0, 0, 0)),  # night brightness 0: dark
        ("15", "250", 15.0, RED),  # clamped to 100
    ],
)
def test_odd_header_values(
    server: FakeTronbyt, dwell: str, brightness: str, delay: float, shown: tuple[int, ...]
) -> None:
    server.tronbyt(webp([RED]), dwell=dwell, brightness=brightness)
    app = make(server.url, refresh=60)
    assert app.update() == delay
    assert pixel(app.render(0.0)) == shown


def test_a_failed_fetch_keeps_the_last_image_marked_stale(server: FakeTronbyt) -> None:
    server.tronbyt(webp([GREEN]), dwell="10", brightness="100")
    app = make(server.url)
    app.update()
    server.answer = Answer(status=500, body=b"oops")
    with pytest.raises(FetchError):
        app.update()
    app.stale = True  # what the updater does after a failure
    frame = app.render(0.0)
    assert pixel(frame) == GREEN
    assert pixel(frame, 0, 63) == STALE_COLOR
    server.answer = Answer(status=200, body=b"<html>not an image</html>")
    with pytest.raises(CommandError) as caught:
        app.update()
    assert caught.value.code == "unsupported"
    assert pixel(app.render(1.0)) == GREEN


def test_a_truncated_image_is_invalid_and_the_last_one_stays(server: FakeTronbyt) -> None:
    server.tronbyt(webp([GREEN]), dwell="10", brightness="100")
    app = make(server.url)
    app.update()
    noise = Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48)
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    whole = buffer.getvalue()
    server.answer = Answer(body=whole[: len(whole) // 2])
    with pytest.raises(CommandError) as caught:
        app.update()
    assert caught.value.code == "invalid"
    assert pixel(app.render(0.0)) == GREEN


def test_an_answer_over_a_mebibyte_is_refused(server: FakeTronbyt) -> None:
    server.answer = Answer(body=b"\0" * (MAX_BYTES + 1))
    app = make(server.url)
    with pytest.raises(FetchError, match="larger"):
        app.update()
    assert pixel(app.render(0.0), 12, 26) == PLACEHOLDER_COLOR


def test_an_unreachable_server_fails_the_update() -> None:
    probe_socket = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe_socket.server_address[1]
    probe_socket.server_close()  # nothing listens there now
    app = make(f"http://127.0.0.1:{port}/next")
    with pytest.raises(FetchError):
        app.update()


def test_the_fit_and_background_apply_to_the_fetched_image(server: FakeTronbyt) -> None:
    small = Image.new("RGBA", (16, 16), (255, 0, 0, 255))
    buffer = io.BytesIO()
    small.save(buffer, "PNG")
    server.answer = Answer(body=buffer.getvalue())
    app = make(server.url, fit="contain", background=[0, 0, 40])
    app.update()
    frame = app.render(0.0)
    assert pixel(frame, 0, 0) == (0, 0, 40)
    assert pixel(frame, 16, 32) == RED


def test_a_new_url_drops_the_old_picture(server: FakeTronbyt) -> None:
    server.tronbyt(webp([GREEN]), dwell="10", brightness="100")
    app = make(server.url)
    app.update()
    app.configure(WebImageConfig(url=server.url.replace("device1", "device2")))
    assert pixel(app.render(0.0), 12, 26) == PLACEHOLDER_COLOR
    app.update()
    assert server.requests[-1] == "/device2/next"
    assert pixel(app.render(0.0)) == GREEN
