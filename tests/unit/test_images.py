"""Probing and decoding images: the limits hold before any pixel is decoded, and the
frames come out as a viewer would draw them."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFile

from retroboard_common.commands import CommandError
from retroboard_renderer.images import (
    MAX_BYTES,
    MAX_FRAMES,
    Animation,
    ImageFacts,
    decode,
    probe,
    scale_brightness,
)

RED, GREEN, BLUE, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def animation(colors: list[tuple[int, int, int]], fmt: str = "GIF", **options: Any) -> bytes:
    frames = [Image.new("RGB", (8, 8), color) for color in colors]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], **options)


def quadrants(size: int = 8) -> Image.Image:
    """Top-left red, top-right green, bottom-left blue, bottom-right white."""
    image = Image.new("RGB", (size, size))
    half = size // 2
    for box, color in (
        ((0, 0, half, half), RED),
        ((half, 0, size, half), GREEN),
        ((0, half, half, size), BLUE),
        ((half, half, size, size), WHITE),
    ):
        image.paste(color, box)
    return image


def refused(data: bytes) -> str:
    with pytest.raises(CommandError) as caught:
        probe(data)
    return caught.value.code


# --- probe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("PNG", "png"), ("GIF", "gif"), ("JPEG", "jpeg"), ("WEBP", "webp"), ("BMP", "bmp")],
)
def test_probe_tells_format_and_size_of_each_supported_format(fmt: str, name: str) -> None:
    data = encode(Image.new("RGB", (40, 20), RED), fmt)
    assert probe(data) == ImageFacts(format=name, width=40, height=20, frames=1)  # type: ignore[arg-type]


def test_probe_counts_frames_of_gif_and_webp_animations() -> None:
    assert probe(animation([RED, GREEN, BLUE], duration=100)).frames == 3
    assert probe(animation([RED, GREEN], "WEBP", duration=100)).frames == 2


def test_a_huge_header_is_refused_without_decoding_its_pixels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2000×2000 one-bit pixels compress to a few hundred bytes: a small bomb.
    data = encode(Image.new("1", (2000, 2000)), "PNG")
    assert len(data) < 2048
    decoded: list[object] = []
    real_load = ImageFile.ImageFile.load

    def spying_load(self: ImageFile.ImageFile) -> Any:
        decoded.append(self)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    assert refused(data) == "too_large"
    assert decoded == []


def test_pillows_own_bomb_limit_also_answers_too_large() -> None:
    data = encode(Image.new("1", (6000, 6000)), "PNG")
    assert refused(data) == "too_large"


def test_more_than_300_frames_are_refused_and_300_are_not() -> None:
    colors = [(i % 256, (i * 7) % 256, i // 256) for i in range(MAX_FRAMES + 1)]
    assert refused(animation(colors, duration=20)) == "too_large"
    assert probe(animation(colors[:MAX_FRAMES], duration=20)).frames == MAX_FRAMES


def test_more_than_a_mebibyte_is_refused_before_looking_at_it() -> None:
    assert refused(b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES)) == "too_large"


def test_text_and_other_image_formats_are_unsupported() -> None:
    assert refused(b"hello, this is not an image\n") == "unsupported"
    assert refused(encode(Image.new("RGB", (4, 4)), "TIFF")) == "unsupported"
    assert refused(b"") == "unsupported"


def test_a_truncated_png_is_invalid() -> None:
    noise = Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48)
    data = encode(noise, "PNG")
    assert refused(data[: len(data) // 2]) == "invalid"


def test_a_truncated_animation_is_invalid() -> None:
    data = animation([RED, GREEN, BLUE, WHITE], duration=100)
    assert refused(data[:-40]) == "invalid"


# --- decode -----------------------------------------------------------------------


def only_frame(data: bytes, width: int, height: int, fit: Any, background: Any = BLACK) -> Any:
    frames = decode(data, width, height, fit, background)
    assert len(frames) == 1
    frame, seconds = frames[0]
    assert frame.shape == (height, width, 3)
    assert frame.dtype == np.uint8
    assert seconds == 0.0
    return frame


@pytest.mark.parametrize(("width", "height"), [(64, 32), (128, 64)])
def test_contain_shows_all_of_a_square_with_bands_beside_it(width: int, height: int) -> None:
    frame = only_frame(encode(quadrants(), "PNG"), width, height, "contain", (9, 9, 9))
    side, left = height, (width - height) // 2
    assert tuple(frame[0, 0]) == (9, 9, 9)  # band
    assert tuple(frame[0, left]) == RED
    assert tuple(frame[0, left + side - 1]) == GREEN
    assert tuple(frame[height - 1, left]) == BLUE
    assert tuple(frame[height - 1, left + side - 1]) == WHITE
    assert tuple(frame[0, left + side]) == (9, 9, 9)


@pytest.mark.parametrize(("width", "height"), [(64, 32), (128, 64)])
def test_cover_fills_the_panel_and_crops_top_and_bottom(width: int, height: int) -> None:
    frame = only_frame(encode(quadrants(), "PNG"), width, height, "cover")
    # Scaled to width × width, the middle rows show: top half red/green, bottom blue/white.
    assert tuple(frame[0, 0]) == RED
    assert tuple(frame[0, width - 1]) == GREEN
    assert tuple(frame[height - 1, 0]) == BLUE
    assert tuple(frame[height - 1, width - 1]) == WHITE
    assert (frame[: height // 2, : width // 2] == RED).all()


@pytest.mark.parametrize(("width", "height"), [(64, 32), (128, 64)])
def test_stretch_fills_the_panel_out_of_proportion(width: int, height: int) -> None:
    frame = only_frame(encode(quadrants(), "PNG"), width, height, "stretch")
    assert (frame[: height // 2, : width // 2] == RED).all()
    assert (frame[: height // 2, width // 2 :] == GREEN).all()
    assert (frame[height // 2 :, : width // 2] == BLUE).all()
    assert (frame[height // 2 :, width // 2 :] == WHITE).all()


@pytest.mark.parametrize(("width", "height"), [(64, 32), (128, 64)])
def test_center_keeps_the_size_and_crops_a_larger_image(width: int, height: int) -> None:
    small = only_frame(encode(quadrants(8), "PNG"), width, height, "center")
    x, y = width // 2 - 4, height // 2 - 4
    assert (small[y : y + 4, x : x + 4] == RED).all()
    assert (small[y + 4 : y + 8, x + 4 : x + 8] == WHITE).all()
    assert int(small.sum()) == 255 * 16 * (1 + 1 + 1 + 3)  # unscaled: 16 pixels a quadrant
    big = only_frame(encode(quadrants(256), "PNG"), width, height, "center")
    assert tuple(big[0, 0]) == RED
    assert tuple(big[height - 1, width - 1]) == WHITE


def test_whole_factor_upscaling_keeps_pixel_art_crisp() -> None:
    pixels = Image.new("RGB", (2, 1))
    pixels.putpixel((0, 0), RED)
    pixels.putpixel((1, 0), GREEN)
    frame = only_frame(encode(pixels, "PNG"), 64, 32, "stretch")
    assert {tuple(color) for color in frame.reshape(-1, 3)} == {RED, GREEN}


def test_downscaling_is_smooth_not_dropped_pixels() -> None:
    stripes = Image.new("RGB", (64, 64))
    for x in range(0, 64, 2):
        stripes.paste(WHITE, (x, 0, x + 1, 64))
    frame = only_frame(encode(stripes, "PNG"), 32, 16, "stretch")
    # One-pixel stripes halved average to grey; nearest neighbour would keep one colour.
    assert 100 < int(frame[8, 16, 0]) < 160


def test_transparency_shows_the_background() -> None:
    image = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 4, 8))
    frame = only_frame(encode(image, "PNG"), 8, 8, "stretch", BLUE)
    assert tuple(frame[0, 0]) == RED
    assert tuple(frame[0, 7]) == BLUE
    half = Image.new("RGBA", (8, 8), (255, 0, 0, 128))
    mixed = only_frame(encode(half, "PNG"), 8, 8, "stretch", BLUE)
    assert tuple(mixed[0, 0]) == pytest.approx((128, 0, 127), abs=1)


def test_gif_frames_are_composed_and_timed_like_a_browser() -> None:
    first = Image.new("RGB", (8, 8), RED)
    second = first.copy()
    second.putpixel((0, 0), GREEN)  # saved as a 1-pixel patch over the first frame
    third = Image.new("RGB", (8, 8), BLUE)
    data = encode(first, "GIF", save_all=True, append_images=[second, third], duration=[50, 0, 250])
    frames = decode(data, 8, 8, "stretch")
    assert [seconds for _, seconds in frames] == [0.05, 0.1, 0.25]
    composed = frames[1][0]
    assert tuple(composed[0, 0]) == GREEN
    assert (composed.reshape(-1, 3)[1:] == RED).all()
    assert (frames[2][0] == BLUE).all()


def test_gif_disposal_to_background_clears_the_previous_frame() -> None:
    palette = [*RED, *GREEN, 0, 0, 0] + [0] * (253 * 3)
    first = Image.new("P", (8, 8), 0)
    first.putpalette(palette)
    second = Image.new("P", (8, 8), 2)  # all transparent but a green corner
    second.putpalette(palette)
    second.paste(1, (0, 0, 2, 2))
    data = encode(
        first,
        "GIF",
        save_all=True,
        append_images=[second],
        duration=100,
        disposal=2,
        transparency=2,
        optimize=False,
    )
    frames = decode(data, 8, 8, "stretch", (0, 0, 9))
    assert (frames[0][0] == RED).all()
    assert tuple(frames[1][0][0, 0]) == GREEN
    assert tuple(frames[1][0][7, 7]) == (0, 0, 9)  # the red frame was disposed of


def test_animated_webp_decodes_every_frame() -> None:
    frames = decode(animation([RED, GREEN], "WEBP", duration=[80, 120], lossless=True), 8, 8)
    assert [seconds for _, seconds in frames] == [0.08, 0.12]
    assert (frames[0][0] == RED).all()
    assert (frames[1][0] == GREEN).all()


def test_decoded_frames_are_read_only_so_they_can_be_shared() -> None:
    frame, _ = decode(encode(quadrants(), "PNG"), 8, 8)[0]
    with pytest.raises(ValueError):
        frame[0, 0] = 0


def test_scale_brightness_dims_every_frame() -> None:
    frames = decode(encode(Image.new("RGB", (4, 4), (200, 100, 50)), "PNG"), 4, 4)
    assert tuple(scale_brightness(frames, 50)[0][0][0, 0]) == (100, 50, 25)
    assert scale_brightness(frames, 100) is frames
    assert int(scale_brightness(frames, 0)[0][0].max()) == 0


# --- Animation --------------------------------------------------------------------


def test_animation_finds_the_frame_due_and_its_time_left() -> None:
    a, b, c = (np.full((1, 1, 3), value, dtype=np.uint8) for value in (1, 2, 3))
    timeline = Animation([(a, 0.1), (b, 0.3), (c, 0.1)])
    assert timeline.at(0.0)[0] is a
    assert timeline.at(0.0)[1] == pytest.approx(0.1)
    assert timeline.at(0.25)[0] is b
    assert timeline.at(0.25)[1] == pytest.approx(0.15)
    assert timeline.at(0.45)[0] is c
    assert timeline.at(0.5)[0] is a  # loops
    still = Animation([(a, 0.0)])
    assert still.at(123.0) == (a, math.inf)
