"""Tests for the renderer's bitmap fonts (retroboard_renderer.text)."""

from __future__ import annotations

import re
import time
from importlib import resources

import numpy as np
import pytest

from retroboard_renderer.text import (
    DEFAULT_FONT,
    FONT_NAMES,
    BitmapFont,
    UnknownFont,
    load_font,
)

EXPECTED_HEIGHTS = {
    "tom-thumb": 6,
    "4x6": 6,
    "5x7": 7,
    "6x10": 10,
    "6x12": 12,
    "7x13": 13,
    "8x13": 13,
    "9x18": 18,
    "10x20": 20,
}
EXPECTED_ADVANCES = {
    "tom-thumb": 4,
    "4x6": 4,
    "5x7": 5,
    "6x10": 6,
    "6x12": 6,
    "7x13": 7,
    "8x13": 8,
    "9x18": 9,
    "10x20": 10,
}
ASCII = "".join(chr(c) for c in range(32, 127))
LATIN1 = "".join(chr(c) for c in range(160, 256))


def bdf_ink_counts(name: str) -> dict[int, int]:
    """Lit pixels per codepoint, counted straight from the bundled BDF file."""
    path = resources.files("retroboard_renderer").joinpath("fonts").joinpath(f"{name}.bdf")
    text = path.read_text(encoding="ascii")
    counts: dict[int, int] = {}
    for block in re.findall(r"^STARTCHAR.*?^ENDCHAR", text, re.MULTILINE | re.DOTALL):
        match = re.search(r"^ENCODING (\d+)", block, re.MULTILINE)
        assert match is not None
        codepoint = int(match.group(1))
        bitmap = block.split("BITMAP\n", 1)[1].split("ENDCHAR")[0].split()
        counts[codepoint] = sum(bin(int(row, 16)).count("1") for row in bitmap)
    return counts


def test_font_names() -> None:
    assert {"tom-thumb", "4x6", "5x7", "6x10", "9x18"} <= set(FONT_NAMES)
    assert DEFAULT_FONT == "6x10"
    assert DEFAULT_FONT in FONT_NAMES
    assert len(set(FONT_NAMES)) == len(FONT_NAMES)
    assert set(FONT_NAMES) == set(EXPECTED_HEIGHTS)


def test_font_names_are_smallest_first() -> None:
    sizes = [(load_font(n).height, load_font(n).measure("M")) for n in FONT_NAMES]
    assert sizes == sorted(sizes)
    assert FONT_NAMES[0] == "tom-thumb"


@pytest.mark.parametrize("name", FONT_NAMES)
def test_every_font_loads_and_renders(name: str) -> None:
    font = load_font(name)
    assert isinstance(font, BitmapFont)
    assert font.name == name
    assert font.height == EXPECTED_HEIGHTS[name]
    assert font.height == font.ascent + font.descent
    assert font.baseline == font.ascent

    mask = font.render("Hi")
    assert mask.dtype == np.bool_
    assert mask.shape == (font.height, 2 * EXPECTED_ADVANCES[name])
    assert mask.shape[1] == font.measure("Hi")
    assert mask.any()
    assert mask[:, : EXPECTED_ADVANCES[name]].any()  # the H
    assert mask[:, EXPECTED_ADVANCES[name] :].any()  # the i


@pytest.mark.parametrize("name", FONT_NAMES)
def test_load_font_is_cached(name: str) -> None:
    assert load_font(name) is load_font(name)


@pytest.mark.parametrize("name", FONT_NAMES)
@pytest.mark.parametrize("text", ["", " ", "Hi", "12:34:56 Hello", "Ünïcødé ☃ €", "a\tb\nc"])
def test_measure_matches_render_width(name: str, text: str) -> None:
    font = load_font(name)
    assert font.render(text).shape == (font.height, font.measure(text))


@pytest.mark.parametrize("name", FONT_NAMES)
def test_glyphs_match_the_bdf_bitmaps(name: str) -> None:
    font = load_font(name)
    counts = bdf_ink_counts(name)
    expected_range = ASCII if name == "tom-thumb" else ASCII + LATIN1
    assert set(counts) == {ord(c) for c in expected_range}
    for codepoint, lit in counts.items():
        char = chr(codepoint)
        assert font.has_glyph(char)
        assert int(font.render(char).sum()) == lit, f"{name} {char!r}"


@pytest.mark.parametrize("name", FONT_NAMES)
def test_baseline_and_descenders(name: str) -> None:
    font = load_font(name)
    assert not font.render("HE")[font.baseline :].any()
    assert font.render("gy")[font.baseline :].any()


def test_render_returns_a_fresh_array() -> None:
    font = load_font(DEFAULT_FONT)
    first = font.render("A")
    first[:] = True
    assert not font.render("A").all()
    assert not font.render(" ").any()


def test_tom_thumb_glyphs_fit_3x5_plus_descender() -> None:
    font = load_font("tom-thumb")
    assert (font.height, font.ascent, font.descent) == (6, 5, 1)
    for char in ASCII:
        mask = font.render(char)
        assert mask.shape == (6, 4), char
        assert not mask[:, 3].any(), f"{char!r} inks the gap column"
    for char in "A0123456789":
        mask = font.render(char)
        assert not mask[5].any(), f"{char!r} inks the descender row"
        assert mask[:5, :3].any()


def test_tom_thumb_a_and_digits() -> None:
    font = load_font("tom-thumb")

    def art(char: str) -> str:
        return "/".join(
            "".join("#" if v else "." for v in row[:3]) for row in font.render(char)[:5]
        )

    assert art("A") == ".#./#.#/###/#.#/#.#"
    assert art("8") == "###/#.#/###/#.#/###"
    assert art("1") == ".#./##./.#./.#./###"
    assert len({art(d) for d in "0123456789"}) == 10


@pytest.mark.parametrize(
    "name",
    [
        "",
        "nope",
        "6X10",
        " 6x10",
        "6x10.bdf",
        "fonts/6x10",
        "../etc/passwd",
        "/tmp/x.bdf",
        "../../fonts/6x10.bdf",
        "LICENSE",
        "6x10\x00",
    ],
)
def test_unknown_and_path_like_names_raise(name: str) -> None:
    with pytest.raises(UnknownFont) as excinfo:
        load_font(name)
    assert isinstance(excinfo.value, ValueError)
    assert "6x10" in str(excinfo.value)  # lists the choices


@pytest.mark.parametrize("name", FONT_NAMES)
def test_missing_characters_render_as_default(name: str) -> None:
    font = load_font(name)
    question = font.render("?")
    assert not font.has_glyph("☃")
    assert np.array_equal(font.render("☃"), question)
    assert np.array_equal(font.render("\n"), question)

    text = "A☃€B"
    mask = font.render(text)
    advance = EXPECTED_ADVANCES[name]
    assert mask.shape == (font.height, 4 * advance)
    assert np.array_equal(mask[:, advance : 3 * advance], np.hstack([question, question]))
    assert np.array_equal(mask[:, :advance], font.render("A"))


def test_latin1_is_covered_by_misc_fixed_not_tom_thumb() -> None:
    assert load_font("6x10").has_glyph("é")
    assert not np.array_equal(load_font("6x10").render("é"), load_font("6x10").render("?"))
    tom = load_font("tom-thumb")
    assert not tom.has_glyph("é")
    assert np.array_equal(tom.render("é"), tom.render("?"))


def test_render_20_chars_is_fast() -> None:
    font = load_font(DEFAULT_FONT)
    text = "12:34:56 Hello World"
    assert len(text) == 20
    font.render(text)
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        for _ in range(10):
            font.render(text)
        best = min(best, (time.perf_counter() - start) / 10)
    assert best < 1e-3
