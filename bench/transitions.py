"""Transition benchmark: the cost of one transition frame, per kind and panel size.

    .venv/bin/python -m bench.transitions [--frames 300] [--json FILE]

Times :meth:`TransitionPlayer.frame` (the blend, :func:`compose`, included) the way the
render loop calls it: a 500 ms transition at 60 fps, 30 frames from start to end, played
over and over with a fresh player each time until ``--frames`` frames are measured, after
one transition of warm-up. Both frames are noise, so no kind gets an easy case.

Then the whole frame as a board draws it while a transition runs between two real apps
(``stars`` and ``scroll_text``, switching back and forth): ``RenderEngine.step``, which
is both apps' ``render``, the blend and the emulator driver's ``show``.

Prints a Markdown table of the mean and worst milliseconds per frame; the target is a
worst frame of at most 2 ms at 256x128.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.figures import verdict
from bench.machine import describe_machine
from retroboard_common.models import Direction, Transition, TransitionType
from retroboard_renderer.apps import BUILTIN_APPS, App
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.transitions import TransitionPlayer

SIZES = [(256, 128), (64, 32)]
CASES: list[tuple[TransitionType, Direction]] = [
    ("fade", "left"),
    ("slide", "left"),
    ("slide", "up"),
    ("wipe", "left"),
    ("wipe", "up"),
    ("pixelate", "left"),
    ("random", "left"),
]
"""What is timed: every kind; slide and wipe across columns and across rows."""
DURATION_MS = 500
FPS = 60
FRAMES = 300
TARGET_MS = 2.0
TARGET_SIZE = "256x128"


@dataclass
class TransitionRow:
    """One transition at one panel size."""

    transition: str
    size: str
    frames: int
    mean_ms: float
    worst_ms: float


@dataclass
class TransitionReport:
    """Every figure of this benchmark."""

    machine: str
    duration_ms: int
    fps: int
    rows: list[TransitionRow]

    @property
    def worst_at_target_size(self) -> float:
        """The worst frame of any transition at :data:`TARGET_SIZE`, in ms."""
        return max((r.worst_ms for r in self.rows if r.size == TARGET_SIZE), default=0.0)

    @property
    def ok(self) -> bool:
        """Whether every transition at :data:`TARGET_SIZE` met :data:`TARGET_MS`."""
        return self.worst_at_target_size <= TARGET_MS

    def to_json(self) -> dict[str, Any]:
        """Every figure as plain data."""
        return {**asdict(self), "target_ms": TARGET_MS, "ok": self.ok}


def frame_times_ms(spec: Transition, width: int, height: int, frames: int) -> list[float]:
    """Milliseconds of each of ``frames`` transition frames, after one transition of
    warm-up; ``random`` is picked anew for each transition, from a seeded generator."""
    noise = np.random.default_rng(1)
    old = noise.integers(0, 256, (height, width, 3), dtype=np.uint8)
    new = noise.integers(0, 256, (height, width, 3), dtype=np.uint8)
    out = np.empty_like(old)
    rng = random.Random(1)
    per_transition = round(spec.duration / 1000 * FPS)
    samples: list[float] = []
    now = 0.0
    warm = True
    while len(samples) < frames:
        player = TransitionPlayer(spec, old, now, rng=rng, out=out)
        for _ in range(per_transition):
            started = time.perf_counter()
            player.frame(now, new)
            elapsed = (time.perf_counter() - started) * 1000
            if not warm and len(samples) < frames:
                samples.append(elapsed)
            now += 1 / FPS
        warm = False
    return samples


BETWEEN_APPS = ("stars", "scroll_text")
"""The two apps of the whole-frame case."""


def engine_frame_times_ms(spec: Transition, width: int, height: int, frames: int) -> list[float]:
    """Milliseconds of each of ``frames`` engine steps while ``spec`` plays between the
    two apps of :data:`BETWEEN_APPS`, switching back and forth, after one transition of
    warm-up."""
    now = 0.0
    engine = RenderEngine(EmulatorDriver(width, height), clock=lambda: now, rng=random.Random(1))
    apps: list[App[Any]] = []
    for name in BETWEEN_APPS:
        cls = BUILTIN_APPS[name]
        apps.append(cls(cls.config_model(), width, height))
    engine.show_app(apps[0])
    engine.step()
    per_transition = round(spec.duration / 1000 * FPS)
    samples: list[float] = []
    turn = 1
    warm = True
    while len(samples) < frames:
        engine.show_app(apps[turn % 2], spec)
        turn += 1
        for _ in range(per_transition):
            now += 1 / FPS
            started = time.perf_counter()
            engine.step()
            elapsed = (time.perf_counter() - started) * 1000
            if not warm and len(samples) < frames:
                samples.append(elapsed)
        warm = False
    return samples


def run(frames: int = FRAMES, sizes: list[tuple[int, int]] | None = None) -> TransitionReport:
    """Frame times of every case at every size; prints as it goes."""
    rows = []
    print(f"\ntransition frame time (TransitionPlayer.frame), ms, {frames} frames each")
    print(f"{'transition':<14} {'size':>8} {'mean':>8} {'worst':>8}")
    for width, height in sizes or SIZES:
        for kind, direction in CASES:
            spec = Transition(type=kind, direction=direction, duration=DURATION_MS)
            name = f"{kind} {direction}" if kind in ("slide", "wipe") else kind
            samples = frame_times_ms(spec, width, height, frames)
            row = TransitionRow(
                name, f"{width}x{height}", len(samples), sum(samples) / len(samples), max(samples)
            )
            rows.append(row)
            print(f"{name:<14} {row.size:>8} {row.mean_ms:8.3f} {row.worst_ms:8.3f}", flush=True)
    width, height = (sizes or SIZES)[0]
    print(f"\nwhole frame (engine step) between {' and '.join(BETWEEN_APPS)}, ms")
    for kind in ("fade", "random"):
        spec = Transition(type=kind, duration=DURATION_MS)
        samples = engine_frame_times_ms(spec, width, height, frames)
        row = TransitionRow(
            f"{kind}, whole frame",
            f"{width}x{height}",
            len(samples),
            sum(samples) / len(samples),
            max(samples),
        )
        rows.append(row)
        print(f"{row.transition:<20} {row.size:>8} {row.mean_ms:8.3f} {row.worst_ms:8.3f}")
    return TransitionReport(describe_machine(), DURATION_MS, FPS, rows)


def table_rows(report: TransitionReport) -> list[str]:
    """Rows for the Markdown table of docs/performance.md (and ``python -m bench``)."""
    large = [r for r in report.rows if r.size == TARGET_SIZE]
    if not large:
        return []
    slowest = max(large, key=lambda r: r.worst_ms)
    return [
        f"| transition frame at {TARGET_SIZE}, every kind ({report.duration_ms} ms at "
        f"{report.fps} fps) | mean ≤ {max(r.mean_ms for r in large):.3f} ms, worst "
        f"{slowest.worst_ms:.3f} ms ({slowest.transition}) | ≤ {TARGET_MS:g} ms per frame | "
        f"{verdict(report.ok)} |"
    ]


def markdown(report: TransitionReport) -> str:
    """Every row as a Markdown table, with the target's verdict at its size."""
    lines = [
        f"Transition frames ({report.duration_ms} ms at {report.fps} fps) on: {report.machine}",
        "",
        "| transition | size | frames | mean | worst | target | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        target, met = "", ""
        if r.size == TARGET_SIZE:
            target, met = f"≤ {TARGET_MS:g} ms", verdict(r.worst_ms <= TARGET_MS)
        lines.append(
            f"| {r.transition} | {r.size} | {r.frames} | {r.mean_ms:.3f} ms | "
            f"{r.worst_ms:.3f} ms | {target} | {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=FRAMES, help="frames timed per case")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    report = run(args.frames)
    print()
    print(markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=2))


if __name__ == "__main__":
    main()
