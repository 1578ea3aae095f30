"""The wall clock jumps (NTP sync, a Pi booting without RTC, DST by hand): carousel
durations and timeouts run on the monotonic clock, so nothing skips or stalls."""

from __future__ import annotations

import ast
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retroboard_common.models import CarouselEntry
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.preview import PreviewPublisher
from retroboard_renderer.store import StateStore

SERVICES = Path(__file__).resolve().parents[2] / "services"

# The only places the wall clock may be read: what it is for, not how long.
WALL_CLOCK_ALLOWED = {
    "renderer/src/retroboard_renderer/apps/base.py",  # the wall clock apps show (clock, countdown)
    "renderer/src/retroboard_renderer/localtime.py",  # local time of schedules and night mode
    "api/src/retroboard_api/cache.py",  # a board's last_seen timestamp, shown as a date
    "stack/src/retroboard_stack/monitor.py",  # timestamps printed by `retroboard monitor`
}


WALL_CLOCK_READS = {("time", "time"), ("datetime", "now"), ("datetime", "utcnow")}


class JumpingWallClock:
    """``time.time`` that jumps a day forward, then a day back, on alternate calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._real = time.time

    def __call__(self) -> float:
        self.calls += 1
        return self._real() + (86_400.0 if self.calls % 2 else -86_400.0)


@pytest.fixture
def jumping(monkeypatch: pytest.MonkeyPatch) -> JumpingWallClock:
    clock = JumpingWallClock()
    monkeypatch.setattr(time, "time", clock)
    return clock


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    """A board on the real (monotonic) clocks of the renderer, its loop running."""
    engine = RenderEngine(EmulatorDriver(64, 32))
    instance = Board(engine, StateStore(tmp_path, save_delay=0))
    instance.restore(None)
    engine.start()
    yield instance
    engine.stop()


def test_carousel_keeps_its_pace_while_the_wall_clock_jumps(
    board: Board, jumping: JumpingWallClock
) -> None:
    advanced = threading.Semaphore(0)
    board.on_change(lambda names: advanced.release() if "carousel_config" in names else None)
    entries = [CarouselEntry(app="clock", duration=1), CarouselEntry(app="stars", duration=1)]
    board.set_carousel(True, entries)
    advanced.acquire(timeout=1)  # the change that started it
    started = time.monotonic()
    due = board.carousel.due_at()
    # On the monotonic clock; on the (patched or real) wall clock it would be far off.
    assert due is not None and started - 0.5 <= due <= started + 1.0

    shown: list[str | None] = []
    for _ in range(3):  # each entry gives way after its second, not a day early or late
        assert advanced.acquire(timeout=5), "the carousel stalled"
        shown.append(board.current_app)
    elapsed = time.monotonic() - started
    assert shown == ["stars", "clock", "stars"]
    assert 1.5 <= elapsed <= 10.0


def test_a_wall_clock_jump_alone_never_advances_the_carousel(
    board: Board, jumping: JumpingWallClock
) -> None:
    board.set_carousel(True, [CarouselEntry(app="stars", duration=3600)] * 2)
    for _ in range(20):
        board.engine.step()
    assert board.carousel.index == 0 and board.current_app == "stars"


def test_preview_ttl_ignores_the_wall_clock(jumping: JumpingWallClock) -> None:
    preview = PreviewPublisher(lambda _png: None, fps=10)
    preview.watch(ttl=60)
    assert preview.watching
    assert preview.watching  # a day forward on the wall clock (each call jumps) did not end it


def wall_clock_reads(path: Path) -> list[int]:
    """Lines where ``time.time`` or ``datetime.now``/``utcnow`` is referenced."""
    tree = ast.parse(path.read_text(), str(path))
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in WALL_CLOCK_READS
        ):
            lines.append(node.lineno)
    return lines


def test_durations_are_never_measured_on_the_wall_clock() -> None:
    found = {
        str(path.relative_to(SERVICES)): lines
        for path in sorted(SERVICES.glob("*/src/**/*.py"))
        if (lines := wall_clock_reads(path))
    }
    unexpected = {path: lines for path, lines in found.items() if path not in WALL_CLOCK_ALLOWED}
    assert unexpected == {}, "use time.monotonic() for durations and timeouts"
