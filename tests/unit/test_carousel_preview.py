"""Carousel timing on a monotonic clock, and the preview's watch/rate rules."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from retroboard_common.models import CarouselEntry, CarouselState
from retroboard_renderer.carousel import Carousel
from retroboard_renderer.preview import PreviewPublisher
from tests.support.fake_clock import FakeClock


def test_carousel_due_times_and_wrap() -> None:
    entries = [CarouselEntry(app="clock", duration=3), CarouselEntry(app="stars", duration=7)]
    carousel = Carousel(enabled=True, entries=entries)
    carousel.begin(100.0)
    assert carousel.due_at() == 103.0
    assert carousel.advance(103.0) == entries[1]
    assert carousel.due_at() == 110.0
    assert carousel.advance(110.0) == entries[0]


def test_saved_position_out_of_range_restarts_at_zero() -> None:
    state = CarouselState(enabled=True, apps=[CarouselEntry(app="clock")], current_index=4)
    assert Carousel.from_state(state).index == 0


def frame(value: int) -> np.ndarray:
    return np.full((4, 8, 3), value, dtype=np.uint8)


def test_no_frames_without_a_watcher() -> None:
    sent: list[bytes] = []
    preview = PreviewPublisher(sent.append, fps=10, clock=FakeClock())
    preview.on_frame(frame(1))
    assert sent == []


def test_frames_flow_while_watched_rate_capped_and_stop_after_ttl() -> None:
    clock = FakeClock()
    sent: list[bytes] = []
    preview = PreviewPublisher(sent.append, fps=10, clock=clock)
    preview.watch(ttl=1.0)
    for step in range(60):  # 60 fps for one second
        preview.on_frame(frame(step))
        clock.advance(1 / 60)
    assert 9 <= len(sent) <= 11
    preview.on_frame(frame(200))
    assert len(sent) <= 11
    image = Image.open(io.BytesIO(sent[0]))
    assert image.size == (8, 4) and image.getpixel((0, 0)) == (0, 0, 0)


def test_unchanged_frames_are_not_resent_and_held_back_frames_are_asked_for() -> None:
    clock = FakeClock()
    sent: list[bytes] = []
    preview = PreviewPublisher(sent.append, fps=10, clock=clock)
    preview.watch(ttl=10)
    preview.on_frame(frame(5))
    clock.advance(0.2)
    assert preview.on_frame(frame(5)) is None  # unchanged: not sent, nothing to come back for
    assert len(sent) == 1
    clock.advance(0.2)
    preview.on_frame(frame(9))
    clock.advance(0.01)
    due = preview.on_frame(frame(0))  # held back by the rate cap…
    assert len(sent) == 2
    # …so the render loop is asked to come back for it
    assert due is not None and clock() < due <= clock() + 0.1
