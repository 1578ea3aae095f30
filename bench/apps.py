"""App benchmark: every app type with real content, an animated GIF's CPU share, and the
frame gaps of an app while its data fetch takes 5 s.

    .venv/bin/python -m bench.apps [--seconds 10]

- Frame time: one ``render`` plus ``driver.show`` on the emulator, for every app type
  with content (a clock of another city, a countdown, the weather as Open-Meteo answers
  it, an animated GIF from the image library, a web image), at 64x32 and 256x128.
- GIF CPU share: the real render loop showing a 64x32 animated GIF (20 frames of 50 ms)
  at its own frame rate, in a fresh process, CPU time over wall time.
- Fetch gaps: a ``web_image`` showing an animated GIF (50 ms frames) whose next fetch
  the local server answers after 5 s; the longest gap between two shown frames over
  that time, against the frame period.

Content comes from a local HTTP server (recorded Open-Meteo answer, generated GIFs), so
nothing here needs the internet.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

from bench.figures import percentile, verdict
from bench.machine import describe_machine
from bench.render import frame_times_ms
from retroboard_renderer.apps import BUILTIN_APPS, App, AppContext
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.updater import Updater

SIZES = [(64, 32), (256, 128)]
GIF_FRAMES, GIF_FRAME_MS = 20, 50
FETCH_DELAY = 5.0
WEATHER = Path(__file__).parents[1] / "tests" / "fixtures" / "open_meteo" / "current_berlin.json"

CONFIGS: dict[str, dict[str, Any]] = {
    "clock": {"timezone": "Asia/Tokyo", "date": "short"},
    "scroll_text": {"text": "Привет, Ελλάδα → ★ ♥ Hello, World!"},
    "stars": {},
    "countdown": {"target": "2030-01-01T00:00"},
    "weather": {"latitude": 52.52, "longitude": 13.41},
    "image": {"asset": "party"},
    "web_image": {"url": "{server}/next", "refresh": 3600},
    "custom": {"text": "Hello, World! 21.5 °C", "icon": "party", "progress": 40},
}
"""Each app type with content a user would give it (``{server}``: the local server)."""


def animated_gif(width: int = 64, height: int = 32) -> bytes:
    """A GIF of :data:`GIF_FRAMES` frames of :data:`GIF_FRAME_MS` each: a moving bar."""
    frames = []
    for n in range(GIF_FRAMES):
        frame = Image.new("RGB", (width, height), (0, 0, 40))
        bar = Image.new("RGB", (width // 4, height), (255, 120 + 6 * n, 0))
        frame.paste(bar, (n * width // GIF_FRAMES, 0))
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=GIF_FRAME_MS)
    return out.getvalue()


class ContentServer(ThreadingHTTPServer):
    """Answers ``/v1/forecast`` with the recorded Open-Meteo answer and ``/next`` with
    the GIF, after ``delay`` seconds."""

    daemon_threads = True
    delay = 0.0
    gif = b""


class ContentHandler(BaseHTTPRequestHandler):
    """See :class:`ContentServer`."""

    server: ContentServer

    def do_GET(self) -> None:
        """Serve one request."""
        if self.path.startswith("/v1/forecast"):
            body, kind = WEATHER.read_bytes(), "application/json"
        else:
            time.sleep(self.server.delay)
            body, kind = self.server.gif, "image/gif"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def content() -> Iterator[tuple[str, AssetLibrary, ContentServer]]:
    """The local server and an image library holding the GIF as ``party``."""
    server = ContentServer(("127.0.0.1", 0), ContentHandler)
    server.gif = animated_gif()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        library = AssetLibrary(Path(folder))
        library.load()
        library.put("party", server.gif)
        try:
            yield f"http://127.0.0.1:{server.server_port}", library, server
        finally:
            server.shutdown()


def content_for(name: str, url: str) -> dict[str, Any]:
    """The config values of app type ``name``, with ``url`` as the local server."""
    return {k: v.format(server=url) if isinstance(v, str) else v for k, v in CONFIGS[name].items()}


def make_app(name: str, width: int, height: int, url: str, library: AssetLibrary) -> App[Any]:
    """App type ``name`` with its content, data fetched once."""
    cls = BUILTIN_APPS[name]
    values = content_for(name, url)
    context = AppContext(assets=library, weather_url=url, http_timeout=FETCH_DELAY * 2)
    app = cls(cls.config_model.model_validate(values), width, height, context)
    app.update()
    settle = getattr(app, "settle", None)
    if callable(settle):
        settle()
    return app


def frame_time_ms(app: App[Any], width: int, height: int) -> tuple[float, float, float]:
    """Mean, p99 and worst milliseconds per frame (render + show), after a warm-up."""
    samples = frame_times_ms(app, width, height)
    return sum(samples) / len(samples), percentile(samples, 99), max(samples)


def gif_cpu_child(seconds: float) -> None:
    """Show the animated GIF with the real render loop; print the CPU share (child)."""
    with content() as (url, library, _server):
        engine = RenderEngine(EmulatorDriver(64, 32))
        engine.show_app(make_app("image", 64, 32, url, library))
        engine.start()
        time.sleep(1.0)  # warm-up
        cpu, wall, frames = time.process_time(), time.monotonic(), engine.frames_drawn
        time.sleep(seconds)
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        frames = engine.frames_drawn - frames
        engine.stop()
    print(json.dumps({"cpu_percent": cpu / wall * 100, "fps": frames / wall}))


def gif_cpu(seconds: float) -> dict[str, float]:
    """:func:`gif_cpu_child` in a fresh process."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.apps", "--gif-child", str(seconds)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def fetch_gaps() -> dict[str, float]:
    """Frame gaps of a web image whose fetch takes :data:`FETCH_DELAY` seconds."""
    with content() as (url, library, server):
        app = make_app("web_image", 64, 32, url, library)
        engine = RenderEngine(EmulatorDriver(64, 32))
        shown: list[float] = []

        def note(_frame: object) -> None:
            shown.append(time.monotonic())

        engine.add_frame_listener(note)
        engine.show_app(app)
        engine.start()
        updater = Updater(lambda _id: None)
        server.delay = FETCH_DELAY
        updater.track("web", app)  # due at once: the slow fetch starts now
        updater.start()
        started = time.monotonic()
        time.sleep(FETCH_DELAY + 0.5)  # the fetch runs its 5 s on a worker meanwhile
        updater.stop()
        engine.stop()
    during = [t for t in shown if started <= t <= started + FETCH_DELAY]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    period = GIF_FRAME_MS / 1000
    return {
        "frames": len(during),
        "period_ms": period * 1000,
        "worst_gap_ms": max(gaps) * 1000,
        "p99_gap_ms": percentile(gaps, 99) * 1000,
        "worst_over_period": max(gaps) / period,
    }


@dataclass
class AppRow:
    """One app type at one size."""

    app: str
    size: str
    mean_ms: float
    p99_ms: float
    worst_ms: float


@dataclass
class AppFigures:
    """Everything this benchmark measures."""

    rows: list[AppRow]
    gif_cpu_percent: float
    gif_fps: float
    fetch: dict[str, float]


def run(seconds: float) -> AppFigures:
    """Measure and print as it goes."""
    rows = []
    print("\nframe time with content (render + show), ms")
    print(f"{'app':<12} {'size':>8} {'mean':>8} {'p99':>8} {'worst':>8}")
    with content() as (url, library, _server):
        for name in BUILTIN_APPS:
            for width, height in SIZES:
                app = make_app(name, width, height, url, library)
                mean, p99, worst = frame_time_ms(app, width, height)
                size = f"{width}x{height}"
                rows.append(AppRow(name, size, mean, p99, worst))
                print(f"{name:<12} {size:>8} {mean:8.3f} {p99:8.3f} {worst:8.3f}", flush=True)
    gif = gif_cpu(seconds)
    print(
        f"\nanimated 64x32 GIF ({1000 / GIF_FRAME_MS:.0f} fps): {gif['cpu_percent']:.2f} % of a "
        f"core at {gif['fps']:.1f} frames/s"
    )
    fetch = fetch_gaps()
    print(
        f"during a {FETCH_DELAY:g} s fetch: {fetch['frames']:.0f} frames, longest gap "
        f"{fetch['worst_gap_ms']:.1f} ms (p99 {fetch['p99_gap_ms']:.1f} ms) = "
        f"{fetch['worst_over_period']:.2f}x the {fetch['period_ms']:.0f} ms frame period"
    )
    return AppFigures(rows, gif["cpu_percent"], gif["fps"], fetch)


GIF_CPU_TARGET = 3.0  # % of a core
FRAME_MS_TARGET = 2.0  # p99 per frame, every app type at 256x128
GAP_TARGET = 1.5  # longest frame gap during a slow fetch, in frame periods


def table_rows(figures: AppFigures) -> list[str]:
    """The rows of docs/performance.md's table."""
    large = [row for row in figures.rows if row.size == "256x128"]
    slowest = max(large, key=lambda row: row.p99_ms)
    fetch = figures.fetch
    return [
        f"| animated 64x32 GIF at its own {1000 / GIF_FRAME_MS:.0f} fps | "
        f"{figures.gif_cpu_percent:.2f} % of a core | ≤ {GIF_CPU_TARGET:g} % | "
        f"{verdict(figures.gif_cpu_percent <= GIF_CPU_TARGET)} |",
        f"| every app type with content at 256x128 | frame p99 ≤ {slowest.p99_ms:.2f} ms "
        f"({slowest.app}; worst single frame {max(r.worst_ms for r in large):.2f} ms) | "
        f"≤ {FRAME_MS_TARGET:g} ms | {verdict(slowest.p99_ms <= FRAME_MS_TARGET)} |",
        f"| frames during a {FETCH_DELAY:g} s fetch (web image, {fetch['period_ms']:.0f} ms "
        f"frames) | longest gap {fetch['worst_gap_ms']:.1f} ms = "
        f"{fetch['worst_over_period']:.2f}× the period | ≤ {GAP_TARGET:g}× | "
        f"{verdict(fetch['worst_over_period'] <= GAP_TARGET)} |",
    ]


def main() -> None:
    """Entry point of ``python -m bench.apps``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the GIF CPU run")
    parser.add_argument("--gif-child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gif_child is not None:
        gif_cpu_child(args.gif_child)
        return
    print(f"machine: {describe_machine()}")
    print("\n" + "\n".join(table_rows(run(args.seconds))))


if __name__ == "__main__":
    main()
