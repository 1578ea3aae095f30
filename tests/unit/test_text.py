"""Tests for the renderer's bitmap fonts (retroboard_renderer.text)."""

from __future__ import annotations

import re
import time
import tracemalloc
import unicodedata
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

#: The fonts the original RetroBoard offered (the issue's list).
ORIGINAL_FONTS = {
    *("4x6", "5x7", "5x8", "6x9", "6x10", "6x12", "6x13", "6x13B", "6x13O"),
    *("7x13", "7x13B", "7x13O", "7x14", "7x14B", "8x13", "8x13B", "8x13O"),
    *("9x15", "9x15B", "9x18", "9x18B", "10x20", "clR6x12", "helvR12", "tom-thumb"),
}
#: Fixed-width fonts: name -> (line height, advance); "WxH" names say both.
EXPECTED_CELLS = {
    "tom-thumb": (6, 4),
    "clR6x12": (12, 6),
    **{
        n: (int(n.split("x")[1].rstrip("BO")), int(n.split("x")[0]))
        for n in ORIGINAL_FONTS
        if n[0].isdigit()
    },
}
#: helvR12 is proportional; its accented capitals need a 12-row ascent.
HELV_HEIGHT = 15
ASCII = "".join(chr(c) for c in range(32, 127))
LATIN1 = "".join(chr(c) for c in range(160, 256))
#: No bundled font has these: emoji, CJK, the Private Use Area.
NOWHERE = ("\U0001f600", "\u6f22", "\ue000")


def bdf_glyphs(name: str) -> dict[int, tuple[int, int]]:
    """Codepoint -> (lit pixels, cell width), read straight from the bundled BDF file.

    The cell is the advance (DWIDTH), widened to hold ink that overhangs it.
    """
    path = resources.files("retroboard_renderer").joinpath("fonts").joinpath(f"{name}.bdf")
    text = path.read_text(encoding="ascii")
    glyphs: dict[int, tuple[int, int]] = {}
    for block in re.findall(r"^STARTCHAR.*?^ENDCHAR", text, re.MULTILINE | re.DOTALL):
        encoding = re.search(r"^ENCODING (\d+)", block, re.MULTILINE)
        dwidth = re.search(r"^DWIDTH (\d+)", block, re.MULTILINE)
        bbx = re.search(r"^BBX (\d+) (\d+) (-?\d+)", block, re.MULTILINE)
        assert encoding is not None and dwidth is not None and bbx is not None
        bitmap = block.split("BITMAP\n", 1)[1].split("ENDCHAR")[0].split()
        lit = sum(bin(int(row, 16)).count("1") for row in bitmap)
        advance = int(dwidth.group(1))
        width, xoff = int(bbx.group(1)), int(bbx.group(3))
        if lit:
            advance = max(advance, xoff + width) + max(-xoff, 0)
        glyphs[int(encoding.group(1))] = (lit, advance)
    return glyphs


def inked_cells(font: BitmapFont, text: str) -> list[np.ndarray]:
    """The rendered cell of each character of *text* (split by measured width)."""
    mask = font.render(text)
    cells, col = [], 0
    for char in text:
        width = font.measure(char)
        cells.append(mask[:, col : col + width])
        col += width
    assert col == mask.shape[1]
    return cells


def test_font_names() -> None:
    assert set(FONT_NAMES) == set(ORIGINAL_FONTS)
    assert len(FONT_NAMES) == len(ORIGINAL_FONTS) == 25
    assert DEFAULT_FONT == "6x10"
    assert DEFAULT_FONT in FONT_NAMES


def test_font_names_are_smallest_first() -> None:
    sizes = [(load_font(n).height, load_font(n).measure("M")) for n in FONT_NAMES]
    assert sizes == sorted(sizes)
    assert FONT_NAMES[0] == "tom-thumb"


@pytest.mark.parametrize("name", FONT_NAMES)
def test_every_font_loads_and_renders(name: str) -> None:
    font = load_font(name)
    assert isinstance(font, BitmapFont)
    assert font.name == name
    assert font.height == font.ascent + font.descent
    assert font.baseline == font.ascent
    if name == "helvR12":
        assert font.height == HELV_HEIGHT
        advances = (font.measure("H"), font.measure("i"))
    else:
        height, advance = EXPECTED_CELLS[name]
        assert font.height == height
        advances = (advance, advance)

    mask = font.render("Hi")
    assert mask.dtype == np.bool_
    assert mask.shape == (font.height, sum(advances))
    assert mask.shape[1] == font.measure("Hi")
    assert mask[:, : advances[0]].any()  # the H
    assert mask[:, advances[0] :].any()  # the i


@pytest.mark.parametrize("name", FONT_NAMES)
def test_load_font_is_cached(name: str) -> None:
    assert load_font(name) is load_font(name)


@pytest.mark.parametrize("name", FONT_NAMES)
@pytest.mark.parametrize(
    "text",
    ["", " ", "Hi", "12:34:56 Hello", "Ünïcødé ☃ €", "a\tb\nc", "Привет Ελλάδα → ★ ♥", "😀x"],
)
def test_measure_matches_render_width(name: str, text: str) -> None:
    font = load_font(name)
    assert font.render(text).shape == (font.height, font.measure(text))


@pytest.mark.parametrize("name", FONT_NAMES)
def test_every_glyph_of_the_bdf_is_drawn(name: str) -> None:
    font = load_font(name)
    glyphs = bdf_glyphs(name)
    assert font.glyph_count == len(glyphs)
    assert {ord(c) for c in ASCII} <= set(glyphs)
    if name != "tom-thumb":
        assert {ord(c) for c in LATIN1} <= set(glyphs)
    # Combining marks alone, as they compose with a letter before them.
    marks = [chr(c) for c in sorted(glyphs) if unicodedata.combining(chr(c))]
    chars = "".join(chr(c) for c in sorted(glyphs) if not unicodedata.combining(chr(c)))
    cells = inked_cells(font, chars) + [font.render(m) for m in marks]
    chars += "".join(marks)
    clipped = 0
    for char, cell in zip(chars, cells, strict=True):
        lit, advance = glyphs[ord(char)]
        assert font.has_glyph(char)
        assert cell.shape[0] == font.height
        if cell.shape[1] != advance or int(cell.sum()) != lit:
            clipped += 1  # taller than the line: drawn by another font, or clipped
            assert cell.any(), f"{name} {char!r}"
    # Only helvR12 has glyphs taller than its line (Ș, Ǻ, Vietnamese double accents).
    assert clipped == 0 or (name == "helvR12" and clipped < 80)


@pytest.mark.parametrize("char", ["Ș", "ț", "Ģ", "Ů"])
def test_glyphs_taller_than_the_line_are_drawn_whole(char: str) -> None:
    helv = load_font("helvR12")
    assert helv.has_glyph(char)
    lit, _ = bdf_glyphs("helvR12")[ord(char)]
    cell = helv.render(char)
    assert cell.shape[0] == helv.height
    # Borrowed whole from a font whose glyph fits the line: the mark is not cut.
    assert cell.any(axis=1).sum() >= 10
    lenders = [load_font(n) for n in FONT_NAMES if n != "helvR12"]
    assert any(int(cell.sum()) == int(f.render(char).sum()) for f in lenders if f.has_glyph(char))
    assert lit > 0


def test_overhanging_ink_is_kept() -> None:
    helv = load_font("helvR12")
    assert helv.measure("f") == 4  # DWIDTH 3, but the arm reaches a 4th column
    assert helv.render("f")[:, 3].any()


def test_fonts_go_beyond_latin1() -> None:
    assert load_font("6x10").glyph_count > 1000
    assert load_font("10x20").glyph_count > 5000
    for char in "ЖΩ─┼→★♥€":
        assert load_font("9x15").has_glyph(char), char


@pytest.mark.parametrize("name", FONT_NAMES)
@pytest.mark.parametrize("text", ["Привет", "Ελλάδα", "→ ★ ♥", "┌─┐│└┘"])
def test_unicode_text_draws_every_character(name: str, text: str) -> None:
    font = load_font(name)
    box = font.replacement
    for char, cell in zip(text, inked_cells(font, text), strict=True):
        if char == " ":
            assert not cell.any()
            continue
        assert cell.any(), f"{name}: {char!r} is blank"
        assert not np.array_equal(cell, box), f"{name}: {char!r} drawn as the replacement box"


@pytest.mark.parametrize("text", ["Привет", "Ελλάδα", "→♥"])
def test_default_font_has_its_own_unicode_glyphs(text: str) -> None:
    font = load_font(DEFAULT_FONT)
    assert all(font.has_glyph(c) for c in text)


def test_missing_glyph_is_borrowed_from_a_font_of_the_same_height() -> None:
    tom, four = load_font("tom-thumb"), load_font("4x6")
    assert not tom.has_glyph("Ж")
    assert four.has_glyph("Ж")
    assert np.array_equal(tom.render("Ж"), four.render("Ж"))


def test_borrowed_glyph_sits_on_the_baseline() -> None:
    helv = load_font("helvR12")
    assert not helv.has_glyph("Ж")
    cell = helv.render("Ж")
    assert cell.shape[0] == helv.height
    rows = np.flatnonzero(cell.any(axis=1))
    assert rows[-1] == helv.baseline - 1  # a capital: standing on the baseline

    def ink(mask: np.ndarray) -> np.ndarray:
        return mask[mask.any(axis=1)]

    lenders = [load_font(n) for n in FONT_NAMES if load_font(n).has_glyph("Ж")]
    assert any(np.array_equal(ink(cell), ink(f.render("Ж"))) for f in lenders)


def test_taller_fonts_lend_glyphs_whose_ink_fits() -> None:
    # No font of 10 rows or fewer has a star; 6x12's fits in 6x10's line.
    font = load_font("6x10")
    assert not font.has_glyph("★")
    star = font.render("★")
    assert star.shape[0] == 10
    lender = load_font("6x12").render("★")
    assert int(star.sum()) == int(lender.sum())
    assert not star[font.baseline :].any()


@pytest.mark.parametrize("name", FONT_NAMES)
@pytest.mark.parametrize("char", [*NOWHERE, "\n", "\x00"])
def test_unknown_character_draws_the_replacement_box(name: str, char: str) -> None:
    font = load_font(name)
    box = font.replacement
    assert not font.has_glyph(char)
    assert np.array_equal(font.render(char), box)
    # A hollow box as tall as the line: lit top and bottom rows and sides.
    assert box.shape[0] == font.height
    width = box.shape[1] - 1 if box.shape[1] >= 3 else box.shape[1]
    assert box[0, :width].all() and box[-1, :width].all()
    assert box[:, 0].all() and box[:, width - 1].all()
    assert not box[1:-1, 1 : width - 1].any()


@pytest.mark.parametrize("name", FONT_NAMES)
def test_replacement_box_in_a_line(name: str) -> None:
    font = load_font(name)
    box = font.replacement
    text = "A😀B"
    a, b = font.render("A"), font.render("B")
    mask = font.render(text)
    assert mask.shape == (font.height, a.shape[1] + box.shape[1] + b.shape[1])
    assert np.array_equal(mask, np.hstack([a, box, b]))


def test_combining_accents_compose() -> None:
    font = load_font(DEFAULT_FONT)
    assert np.array_equal(font.render("Cafe\u0301"), font.render("Café"))
    assert font.measure("Cafe\u0301") == font.measure("Café")
    # A lone combining mark is drawn as the font's own glyph for it.
    assert np.array_equal(font.render("\u0301"), inked_cells(font, "\u0301")[0])


def test_invisible_and_space_characters() -> None:
    font = load_font(DEFAULT_FONT)
    # Emoji presentation selector and zero-width joiner take no room.
    assert np.array_equal(font.render("♥\ufe0f"), font.render("♥"))
    assert np.array_equal(font.render("a\u200db"), font.render("ab"))
    tom = load_font("tom-thumb")
    # A space tom-thumb lacks (and no font has) is a blank, not a box.
    blank = tom.render("\u3000")
    assert blank.shape == tom.render(" ").shape and not blank.any()


def test_loading_one_font_loads_no_other() -> None:
    load_font.cache_clear()
    try:
        font = load_font(DEFAULT_FONT)
        font.render("Hello, Привет → 12:34")
        assert load_font.cache_info().currsize == 1
        font.render("😀")  # no font has it: nothing else gets loaded
        assert load_font.cache_info().currsize == 1
    finally:
        load_font.cache_clear()


def test_fonts_are_compact_in_memory() -> None:
    load_font.cache_clear()
    tracemalloc.start()
    try:
        fonts = [load_font(n) for n in FONT_NAMES]
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        load_font.cache_clear()
    assert len(fonts) == 25
    assert retained < 4 * 1024 * 1024  # all 25 fonts, ~60,000 glyphs


def test_render_returns_a_fresh_array() -> None:
    font = load_font(DEFAULT_FONT)
    first = font.render("A")
    first[:] = True
    assert not font.render("A").all()
    assert not font.render(" ").any()
    borrowed = font.render("★")
    borrowed[:] = False
    assert font.render("★").any()


@pytest.mark.parametrize("name", FONT_NAMES)
def test_baseline_and_descenders(name: str) -> None:
    font = load_font(name)
    assert not font.render("HE")[font.baseline :].any()
    assert font.render("gy")[font.baseline :].any()


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
        "helvr12",
    ],
)
def test_unknown_and_path_like_names_raise(name: str) -> None:
    with pytest.raises(UnknownFont) as excinfo:
        load_font(name)
    assert isinstance(excinfo.value, ValueError)
    assert "6x10" in str(excinfo.value)  # lists the choices


def test_latin1_is_covered_by_the_x11_fonts_not_tom_thumb() -> None:
    assert load_font("6x10").has_glyph("é")
    assert not np.array_equal(load_font("6x10").render("é"), load_font("6x10").render("e"))
    tom = load_font("tom-thumb")
    assert not tom.has_glyph("é")
    assert np.array_equal(tom.render("é"), load_font("4x6").render("é"))  # borrowed


def test_fonts_built_from_cells() -> None:
    cell = np.ones((3, 2), dtype=np.bool_)
    font = BitmapFont("tiny", ascent=2, descent=1, cells={"x": cell})
    assert font.has_glyph("x") and not font.has_glyph("y")
    assert np.array_equal(font.render("x"), cell)
    assert np.array_equal(font.render("y"), font.replacement)
    with_default = BitmapFont("tiny", ascent=2, descent=1, cells={"x": cell}, default_char="x")
    assert np.array_equal(with_default.render("y"), cell)


@pytest.mark.parametrize("text", ["12:34:56 Hello World", "Привет → ★ ♥ Ελλάδα!"])
def test_render_20_chars_is_fast(text: str) -> None:
    font = load_font(DEFAULT_FONT)
    assert len(text) == 20
    font.render(text)
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        for _ in range(10):
            font.render(text)
        best = min(best, (time.perf_counter() - start) / 10)
    assert best < 1e-3


def test_loading_the_biggest_font_is_fast() -> None:
    data = resources.files("retroboard_renderer").joinpath("fonts").joinpath("10x20.bdf")
    raw = data.read_bytes()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        BitmapFont.from_bdf("10x20", raw)
        best = min(best, time.perf_counter() - start)
    assert best < 0.5  # ~0.05 s here; generous for slow CI machines
