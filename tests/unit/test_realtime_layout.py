"""Where stream bytes land on the panel: rows, serpentine, universes, clipping."""

from __future__ import annotations

import numpy as np
import pytest

from retroboard_renderer.realtime.layout import PanelLayout


def rgb(*pixels: tuple[int, int, int]) -> bytes:
    return bytes(v for pixel in pixels for v in pixel)


def test_rows_fill_row_major_from_the_top_left() -> None:
    layout = PanelLayout(4, 2)
    frame = layout.new_frame()
    layout.write_bytes(frame, 0, bytes(range(24)))
    assert frame.shape == (2, 4, 3)
    assert frame[0, 0].tolist() == [0, 1, 2]
    assert frame[0, 3].tolist() == [9, 10, 11]
    assert frame[1, 0].tolist() == [12, 13, 14]


def test_serpentine_runs_odd_rows_right_to_left() -> None:
    layout = PanelLayout(3, 2, layout="serpentine")
    frame = layout.new_frame()
    layout.write_bytes(frame, 0, rgb((1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4), (5, 5, 5)))
    assert frame[0, :, 0].tolist() == [1, 2, 3]
    assert frame[1, :, 0].tolist() == [0, 5, 4]


def test_a_byte_offset_mid_pixel_lands_on_the_right_channel() -> None:
    layout = PanelLayout(2, 1)
    frame = layout.new_frame()
    layout.write_bytes(frame, 4, b"\x09")
    assert frame.reshape(-1).tolist() == [0, 0, 0, 0, 9, 0]


def test_data_past_the_panel_is_ignored() -> None:
    layout = PanelLayout(2, 1)
    frame = layout.new_frame()
    assert layout.write_bytes(frame, 3, bytes([7] * 30))
    assert frame.reshape(-1).tolist() == [0, 0, 0, 7, 7, 7]
    assert not layout.write_bytes(frame, 6, b"\x01\x02\x03")
    assert not layout.write_bytes(frame, 10**9, b"\x01")


def test_universes_hold_170_pixels_from_the_first_universe() -> None:
    layout = PanelLayout(128, 64, first_universe=3)
    assert layout.universe_count == 49  # 8192 pixels / 170, rounded up
    assert layout.universes == range(3, 52)
    frame = layout.new_frame()
    channels = bytes([5, 6, 7]) * 170 + b"\xff\xff"  # 512 channels: the last 2 unused
    assert layout.write_universe(frame, 4, channels)
    flat = frame.reshape(-1, 3)
    assert flat[169].tolist() == [0, 0, 0]
    assert flat[170].tolist() == [5, 6, 7]
    assert flat[339].tolist() == [5, 6, 7]
    assert flat[340].tolist() == [0, 0, 0]  # not the two unused channels


def test_universes_outside_the_panel_are_ignored() -> None:
    layout = PanelLayout(128, 64)
    frame = layout.new_frame()
    assert not layout.write_universe(frame, 0, b"\x01" * 510)
    assert not layout.write_universe(frame, 50, b"\x01" * 510)
    assert not frame.any()


def test_the_last_universe_is_clipped_to_the_panel() -> None:
    layout = PanelLayout(128, 64)
    frame = layout.new_frame()
    assert layout.write_universe(frame, 49, b"\x02" * 510)
    flat = frame.reshape(-1, 3)
    assert (flat[48 * 170 :] == 2).all()
    assert not flat[: 48 * 170].any()


def test_last_byte_written() -> None:
    layout = PanelLayout(2, 2)
    assert layout.last_byte_written(9, 3)
    assert layout.last_byte_written(0, 100)
    assert not layout.last_byte_written(0, 11)
    assert not layout.last_byte_written(12, 3)


def test_a_bad_layout_is_refused() -> None:
    with pytest.raises(ValueError):
        PanelLayout(4, 4, layout="zigzag")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PanelLayout(0, 4)


def test_serpentine_matches_a_flipped_rows_frame() -> None:
    stream = np.random.default_rng(1).integers(0, 256, 64 * 32 * 3, dtype=np.uint8).tobytes()
    rows, snake = PanelLayout(64, 32), PanelLayout(64, 32, layout="serpentine")
    a, b = rows.new_frame(), snake.new_frame()
    rows.write_bytes(a, 0, stream)
    snake.write_bytes(b, 0, stream)
    a[1::2] = a[1::2, ::-1]
    assert np.array_equal(a, b)
