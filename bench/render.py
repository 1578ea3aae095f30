"""Renderer benchmark: per-app frame time and the CPU share at each app's fps.

    .venv/bin/python -m bench.render [--seconds 5]

Frame time is one ``render`` plus ``driver.show`` on the emulator. CPU share runs the
real render loop in a fresh process for a few seconds and divides the CPU time it used
by the wall time, with the live preview off and on (PNG encoding at 10 fps).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.machine import describe_machine
from retroboard_renderer.apps import BUILTIN_APPS, App
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.preview import PreviewPublisher

SIZES = [(64, 32), (256, 128)]
FRAMES = 500


def frame_times_ms(app: App[Any], width: int, height: int) -> list[float]:
    """Milliseconds of each of :data:`FRAMES` frames (render + show at 60 fps on the
    emulator), after a warm-up."""
    driver = EmulatorDriver(width, height)
    driver.set_brightness(80)
    now = 0.0
    for _ in range(50):
        now += 1 / 60
        driver.show(app.render(now))
    samples = []
    for _ in range(FRAMES):
        now += 1 / 60
        started = time.perf_counter()
        driver.show(app.render(now))
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def frame_time_ms(app_name: str, width: int, height: int) -> tuple[float, float]:
    """Mean and worst milliseconds per frame of an app with its default config."""
    cls = BUILTIN_APPS[app_name]
    samples = frame_times_ms(cls(cls.config_model(), width, height), width, height)
    return sum(samples) / len(samples), max(samples)


def cpu_share_child(app_name: str, width: int, height: int, preview: bool, seconds: float) -> None:
    """Run the render loop for ``seconds`` and print its CPU share (child process)."""
    cls = BUILTIN_APPS[app_name]
    engine = RenderEngine(EmulatorDriver(width, height))
    sent: list[int] = []
    publisher = PreviewPublisher(lambda png: sent.append(len(png)), fps=10)
    engine.add_frame_listener(publisher.on_frame)
    if preview:
        publisher.watch(ttl=seconds + 10)
    engine.show_app(cls(cls.config_model(), width, height))
    engine.start()
    time.sleep(0.5)  # warm-up
    cpu_start, wall_start, frames_start = time.process_time(), time.monotonic(), engine.frames_drawn
    time.sleep(seconds)
    cpu = time.process_time() - cpu_start
    wall = time.monotonic() - wall_start
    frames = engine.frames_drawn - frames_start
    engine.stop()
    print(
        json.dumps(
            {"cpu_percent": cpu / wall * 100, "fps": frames / wall, "frames_sent": len(sent)}
        )
    )


def cpu_share(
    app_name: str, width: int, height: int, preview: bool, seconds: float
) -> dict[str, Any]:
    """CPU share of the render loop in a fresh process."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.render",
            "--child",
            app_name,
            str(width),
            str(height),
            str(int(preview)),
            str(seconds),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


@dataclass
class RenderRow:
    """One app at one size."""

    app: str
    size: str
    mean_ms: float
    worst_ms: float
    fps: float = 0.0
    cpu_off: float = 0.0
    cpu_on: float = 0.0


def run(seconds: float, sizes: list[tuple[int, int]] | None = None) -> list[RenderRow]:
    """Frame times and CPU shares of every app at every size; prints as it goes."""
    rows = []
    print("\nframe time (render + show), ms")
    print(f"{'app':<12} {'size':>8} {'mean':>8} {'worst':>8}")
    for app_name in BUILTIN_APPS:
        for width, height in sizes or SIZES:
            mean, worst = frame_time_ms(app_name, width, height)
            rows.append(RenderRow(app_name, f"{width}x{height}", mean, worst))
            print(f"{app_name:<12} {f'{width}x{height}':>8} {mean:8.3f} {worst:8.3f}")

    print(f"\nrender loop CPU share at the app's default fps, % of one core ({seconds:g} s each)")
    print(f"{'app':<12} {'size':>8} {'fps':>6} {'preview off':>12} {'preview on':>12}")
    for row in rows:
        width, height = (int(n) for n in row.size.split("x"))
        off = cpu_share(row.app, width, height, False, seconds)
        on = cpu_share(row.app, width, height, True, seconds)
        row.fps, row.cpu_off, row.cpu_on = off["fps"], off["cpu_percent"], on["cpu_percent"]
        print(
            f"{row.app:<12} {row.size:>8} {row.fps:6.1f} {row.cpu_off:11.2f}% {row.cpu_on:11.2f}%",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each CPU run")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        app_name, width, height, preview, seconds = args.child
        cpu_share_child(app_name, int(width), int(height), preview == "1", float(seconds))
        return

    print(f"machine: {describe_machine()}")
    run(args.seconds)


if __name__ == "__main__":
    main()
