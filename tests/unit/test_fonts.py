"""Tests for the bundled BDF files and services/renderer/tools/build_fonts.py."""

from __future__ import annotations

import importlib.util
import re
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from retroboard_renderer.text import FONT_NAMES

REPO = Path(__file__).resolve().parents[2]
FONT_DIR = resources.files("retroboard_renderer").joinpath("fonts")


def load_build_fonts() -> ModuleType:
    """Import the build script (it is a tool, not part of a package)."""
    path = REPO / "services" / "renderer" / "tools" / "build_fonts.py"
    spec = importlib.util.spec_from_file_location("build_fonts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_fonts", module)
    spec.loader.exec_module(module)
    return module


build_fonts = load_build_fonts()


def font_bytes(name: str) -> bytes:
    return FONT_DIR.joinpath(f"{name}.bdf").read_bytes()


def test_every_font_name_has_a_file_and_no_file_is_orphaned() -> None:
    files = {p.name for p in FONT_DIR.iterdir() if p.name.endswith(".bdf")}
    assert files == {f"{name}.bdf" for name in FONT_NAMES}


def test_the_build_script_builds_every_font_name() -> None:
    assert set(build_fonts.X11_FONTS) | {build_fonts.TOM_THUMB_NAME} == set(FONT_NAMES)


@pytest.mark.parametrize("name", FONT_NAMES)
def test_files_hold_no_control_or_private_use_glyphs(name: str) -> None:
    codes = [int(c) for c in re.findall(rb"^ENCODING (-?\d+)", font_bytes(name), re.MULTILINE)]
    assert codes == sorted(set(codes))
    assert all(build_fonts.keep_codepoint(c) for c in codes)
    assert set(range(32, 127)) <= set(codes)
    count = re.search(rb"^CHARS (\d+)$", font_bytes(name), re.MULTILINE)
    assert count is not None and int(count.group(1)) == len(codes)


@pytest.mark.parametrize("name", sorted(build_fonts.X11_FONTS))
def test_each_x11_font_names_its_source_and_licence(name: str) -> None:
    source = build_fonts.X11_FONTS[name]
    header = font_bytes(name).split(b"\nCHARS ", 1)[0].decode("ascii")
    assert f"Debian package {source.package} " in header
    assert source.pcf_file in header
    licence = FONT_DIR.joinpath("LICENSE").read_text(encoding="utf-8")
    assert name in licence
    assert source.package in licence


def test_licence_keeps_the_permission_notices() -> None:
    licence = FONT_DIR.joinpath("LICENSE").read_text(encoding="utf-8")
    assert "Public domain font.  Share and enjoy." in licence
    assert "Copyright 1989 Dale Schumacher" in licence
    assert "Copyright 1984-1989, 1994 Adobe Systems Incorporated." in licence
    assert "Digital Equipment Corporation make no representations" in licence


def test_keep_codepoint() -> None:
    keep = build_fonts.keep_codepoint
    assert [keep(c) for c in (0, 10, 31, 127, 159, 0xE000, 0xF8FF, 0xFFFE, 0x1FFFF)] == [False] * 9
    assert all(keep(c) for c in (32, 126, 160, 0x416, 0x2192, 0x2605, 0x2665, 0xFFFD))


def test_filter_bdf_keeps_unicode_and_drops_controls() -> None:
    def glyph(code: int) -> bytes:
        return b"STARTCHAR g%d\nENCODING %d\nDWIDTH 1 0\nBBX 1 1 0 0\nBITMAP\n80\nENDCHAR\n" % (
            code,
            code,
        )

    codes = [0, *range(32, 127), 0x416, 0xE000, 0x2605]
    bdf = b"STARTFONT 2.1\nDEFAULT_CHAR 0\nCHARS 99\n" + b"".join(map(glyph, codes))
    out = build_fonts.filter_bdf(bdf + b"ENDFONT\n", ["hello"])
    kept = [int(c) for c in re.findall(rb"^ENCODING (\d+)", out, re.MULTILINE)]
    assert kept == [*range(32, 127), 0x416, 0x2605]
    assert b"\nCHARS 97\n" in out
    assert b"COMMENT hello\n" in out
    assert b"DEFAULT_CHAR 63\n" in out


def test_tom_thumb_file_is_what_the_script_writes() -> None:
    assert build_fonts.build_tom_thumb() == font_bytes("tom-thumb")
