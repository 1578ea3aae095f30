#!/usr/bin/env python3
"""Regenerate the renderer's bundled BDF fonts.

Two kinds of font end up in ``retroboard_renderer/fonts/``:

* X11 bitmap fonts from Debian's X11 font packages (see :data:`X11_FONTS`): the
  *misc-fixed* fonts (public domain) and Schumacher's ``clR6x12`` from
  ``xfonts-base``, Adobe's ``helvR12`` from ``xfonts-75dpi``. Each PCF file (the
  ISO10646-1 variant) is converted with ``pcf2bdf`` and keeps every glyph it
  has except control characters and the Private Use Area (see
  :func:`keep_codepoint`): Latin, Greek, Cyrillic, box drawing, arrows, symbols.
* ``tom-thumb``, a 3x5-pixel font designed for this project (CC0). Its glyphs are
  held below as string art and written out as BDF.

Usage (as root, on Debian/Ubuntu), either from the installed packages::

    apt-get install -y xfonts-base xfonts-75dpi pcf2bdf
    python services/renderer/tools/build_fonts.py          # rewrite the files
    python services/renderer/tools/build_fonts.py --check  # verify, write nothing

or from downloaded ``.deb`` files, without installing them::

    apt-get install -y pcf2bdf
    mkdir -p /tmp/retroboard-font-debs
    (cd /tmp/retroboard-font-debs && apt-get download xfonts-base xfonts-75dpi)
    python services/renderer/tools/build_fonts.py --debs /tmp/retroboard-font-debs

The output is deterministic: running it again against the same package
versions gives byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Every glyph of the ASCII range is required (127–159 are control codes).
REQUIRED_CODEPOINTS = range(32, 127)

DEFAULT_SOURCE_ROOT = Path("/")
DEFAULT_OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "retroboard_renderer" / "fonts"
MISC_DIR = "usr/share/fonts/X11/misc"
DPI75_DIR = "usr/share/fonts/X11/75dpi"


@dataclass(frozen=True)
class X11Font:
    """Where one bundled X11 font comes from."""

    package: str  # Debian package that ships the PCF file
    directory: str  # its directory, relative to the file system root
    pcf_file: str
    licence: str  # one line, for the BDF's COMMENT; LICENSE has the full text


_MISC_FIXED_LICENCE = "X11 misc-fixed, public domain"
MISC_FIXED_NAMES = (
    "4x6",
    "5x7",
    "5x8",
    "6x9",
    "6x10",
    "6x12",
    "6x13",
    "6x13B",
    "6x13O",
    "7x13",
    "7x13B",
    "7x13O",
    "7x14",
    "7x14B",
    "8x13",
    "8x13B",
    "8x13O",
    "9x15",
    "9x15B",
    "9x18",
    "9x18B",
    "10x20",
)

#: Font name -> source. The unsuffixed PCF files are the ISO 10646 (Unicode)
#: encoded variants, so BDF ``ENCODING`` equals the codepoint.
X11_FONTS: Mapping[str, X11Font] = {
    **{
        name: X11Font("xfonts-base", MISC_DIR, f"{name}.pcf.gz", _MISC_FIXED_LICENCE)
        for name in MISC_FIXED_NAMES
    },
    "clR6x12": X11Font(
        "xfonts-base", MISC_DIR, "clR6x12.pcf.gz", "Schumacher Clean, permissive (see LICENSE)"
    ),
    "helvR12": X11Font(
        "xfonts-75dpi", DPI75_DIR, "helvR12.pcf.gz", "Adobe Helvetica, permissive (see LICENSE)"
    ),
}

TOM_THUMB_NAME = "tom-thumb"
TOM_THUMB_WIDTH = 3  # ink columns per glyph
TOM_THUMB_ADVANCE = 4  # ink plus a one-pixel gap
TOM_THUMB_ASCENT = 5  # rows above the baseline (capitals and digits)
TOM_THUMB_DESCENT = 1  # one descender row below the baseline
TOM_THUMB_COPYRIGHT = "Designed for RetroBoard; dedicated to the public domain (CC0 1.0)."

# The tom-thumb glyphs, printable ASCII 32-126. Rows top to bottom, separated by
# "/", "#" = lit. Five rows sit on the baseline; an optional sixth row is the
# descender. Capitals and digits are 5 rows tall; lower case uses rows 2-5
# (x-height 4) with ascenders reaching row 1.
TOM_THUMB_GLYPHS: Mapping[str, str] = {
    " ": ".../.../.../.../...",
    "!": ".#./.#./.#./.../.#.",
    '"': "#.#/#.#/.../.../...",
    "#": "#.#/###/#.#/###/#.#",
    "$": ".#./.##/#../..#/##./.#.",
    "%": "#.#/..#/.#./#../#.#",
    "&": "##./##./.##/#.#/.##",
    "'": ".#./.#./.../.../...",
    "(": "..#/.#./.#./.#./..#",
    ")": "#../.#./.#./.#./#..",
    "*": ".../#.#/.#./#.#/...",
    "+": ".../.#./###/.#./...",
    ",": ".../.../.../.../.#./#..",
    "-": ".../.../###/.../...",
    ".": ".../.../.../.../.#.",
    "/": "..#/..#/.#./#../#..",
    "0": "###/#.#/#.#/#.#/###",
    "1": ".#./##./.#./.#./###",
    "2": "###/..#/###/#../###",
    "3": "###/..#/.##/..#/###",
    "4": "#.#/#.#/###/..#/..#",
    "5": "###/#../###/..#/###",
    "6": "###/#../###/#.#/###",
    "7": "###/..#/..#/.#./.#.",
    "8": "###/#.#/###/#.#/###",
    "9": "###/#.#/###/..#/###",
    ":": ".../.#./.../.#./...",
    ";": ".../.#./.../.../.#./#..",
    "<": "..#/.#./#../.#./..#",
    "=": ".../###/.../###/...",
    ">": "#../.#./..#/.#./#..",
    "?": "###/..#/.#./.../.#.",
    "@": ".#./#.#/###/#../.##",
    "A": ".#./#.#/###/#.#/#.#",
    "B": "##./#.#/##./#.#/##.",
    "C": ".##/#../#../#../.##",
    "D": "##./#.#/#.#/#.#/##.",
    "E": "###/#../##./#../###",
    "F": "###/#../##./#../#..",
    "G": ".##/#../#.#/#.#/.##",
    "H": "#.#/#.#/###/#.#/#.#",
    "I": "###/.#./.#./.#./###",
    "J": "..#/..#/..#/#.#/.#.",
    "K": "#.#/#.#/##./#.#/#.#",
    "L": "#../#../#../#../###",
    "M": "#.#/###/###/#.#/#.#",
    "N": "##./#.#/#.#/#.#/#.#",
    "O": ".#./#.#/#.#/#.#/.#.",
    "P": "##./#.#/##./#../#..",
    "Q": ".#./#.#/#.#/###/.##",
    "R": "##./#.#/##./#.#/#.#",
    "S": ".##/#../.#./..#/##.",
    "T": "###/.#./.#./.#./.#.",
    "U": "#.#/#.#/#.#/#.#/###",
    "V": "#.#/#.#/#.#/#.#/.#.",
    "W": "#.#/#.#/###/###/#.#",
    "X": "#.#/#.#/.#./#.#/#.#",
    "Y": "#.#/#.#/.#./.#./.#.",
    "Z": "###/..#/.#./#../###",
    "[": "##./#../#../#../##.",
    "\\": "#../#../.#./..#/..#",
    "]": ".##/..#/..#/..#/.##",
    "^": ".#./#.#/.../.../...",
    "_": ".../.../.../.../.../###",
    "`": "#../.#./.../.../...",
    "a": ".../.##/#.#/#.#/.##",
    "b": "#../##./#.#/#.#/##.",
    "c": ".../.##/#../#../.##",
    "d": "..#/.##/#.#/#.#/.##",
    "e": ".../.##/###/#../.##",
    "f": "..#/.#./###/.#./.#.",
    "g": ".../.##/#.#/.##/..#/##.",
    "h": "#../##./#.#/#.#/#.#",
    "i": ".#./.../.#./.#./.#.",
    "j": "..#/.../..#/..#/..#/##.",
    "k": "#../#.#/##./#.#/#.#",
    "l": ".#./.#./.#./.#./.#.",
    "m": ".../#.#/###/#.#/#.#",
    "n": ".../##./#.#/#.#/#.#",
    "o": ".../.#./#.#/#.#/.#.",
    "p": ".../##./#.#/##./#../#..",
    "q": ".../.##/#.#/.##/..#/..#",
    "r": ".../#.#/##./#../#..",
    "s": ".../.##/#../..#/##.",
    "t": ".#./###/.#./.#./..#",
    "u": ".../#.#/#.#/#.#/.##",
    "v": ".../#.#/#.#/#.#/.#.",
    "w": ".../#.#/#.#/###/###",
    "x": ".../#.#/.#./.#./#.#",
    "y": ".../#.#/#.#/.##/..#/##.",
    "z": ".../###/.##/##./###",
    "{": "..#/.#./##./.#./..#",
    "|": ".#./.#./.#./.#./.#./.#.",
    "}": "#../.#./.##/.#./#..",
    "~": ".../##./.##/.../...",
}

_ENCODING = re.compile(rb"^ENCODING\s+(-?\d+)", re.MULTILINE)
_DEFAULT_CHAR = re.compile(rb"^DEFAULT_CHAR\s+(-?\d+)", re.MULTILINE)


class BuildError(RuntimeError):
    """The fonts could not be regenerated (missing tool, package or glyph)."""


# --------------------------------------------------------------------------- X11 fonts


def keep_codepoint(codepoint: int) -> bool:
    """Whether a glyph is worth shipping.

    Dropped: C0/C1 control codes and DEL (never drawn as text), the Private
    Use Area U+E000–U+F8FF (no agreed meaning), surrogates, noncharacters
    (U+FDD0–U+FDEF, U+xxFFFE/F) and unencoded glyphs (``ENCODING -1``).
    """
    if codepoint < 32 or 127 <= codepoint <= 159:
        return False
    if 0xD800 <= codepoint <= 0xF8FF or 0xFDD0 <= codepoint <= 0xFDEF:
        return False
    return (codepoint & 0xFFFE) != 0xFFFE and codepoint <= 0x10FFFF


def installed_package_version(package: str) -> str:
    """Return the installed version of a Debian package, or ``"unknown"``."""
    dpkg_query = shutil.which("dpkg-query")
    if dpkg_query is None:
        return "unknown"
    result = subprocess.run(
        [dpkg_query, "-W", "-f=${Version}", package],
        capture_output=True,
        check=False,
    )
    version = result.stdout.decode("ascii", "replace").strip()
    return version if result.returncode == 0 and version else "unknown"


def extract_debs(deb_dir: Path, packages: Sequence[str], root: Path) -> dict[str, str]:
    """Unpack ``<package>_*.deb`` from *deb_dir* into *root*; return the versions."""
    dpkg_deb = shutil.which("dpkg-deb")
    if dpkg_deb is None:
        raise BuildError("dpkg-deb not found")
    versions: dict[str, str] = {}
    for package in packages:
        debs = sorted(deb_dir.glob(f"{package}_*.deb"))
        if len(debs) != 1:
            raise BuildError(f"want exactly one {package}_*.deb in {deb_dir}, found {len(debs)}")
        subprocess.run([dpkg_deb, "-x", str(debs[0]), str(root)], check=True)
        result = subprocess.run(
            [dpkg_deb, "-f", str(debs[0]), "Version"], capture_output=True, check=True
        )
        versions[package] = result.stdout.decode("ascii").strip()
    return versions


def pcf_to_bdf(pcf_path: Path, pcf2bdf: str) -> bytes:
    """Convert one (optionally gzipped) PCF file to BDF text with ``pcf2bdf``."""
    data = pcf_path.read_bytes()
    if pcf_path.suffix == ".gz":
        data = gzip.decompress(data)
    result = subprocess.run([pcf2bdf], input=data, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout.startswith(b"STARTFONT"):
        stderr = result.stderr.decode("utf-8", "replace").strip()
        raise BuildError(f"pcf2bdf failed on {pcf_path}: {stderr or 'no output'}")
    return result.stdout


def filter_bdf(bdf: bytes, comments: Sequence[str]) -> bytes:
    """Keep only the glyphs whose ``ENCODING`` passes :func:`keep_codepoint`.

    ``CHARS`` is recounted, *comments* are added after ``STARTFONT`` and a
    ``DEFAULT_CHAR`` that points at a dropped glyph is redirected to ``?``.
    Glyph blocks are written unchanged, in codepoint order.
    """
    text = bdf.replace(b"\r\n", b"\n")
    head, sep, body = text.partition(b"\nCHARS ")
    if not sep:
        raise BuildError("not a BDF file: no CHARS line")
    body = body.split(b"\n", 1)[1]  # drop the old count

    glyphs: dict[int, bytes] = {}
    for block in re.findall(rb"^STARTCHAR.*?^ENDCHAR\n?", body, re.MULTILINE | re.DOTALL):
        match = _ENCODING.search(block)
        if match is None:
            continue
        codepoint = int(match.group(1))
        if keep_codepoint(codepoint) and codepoint not in glyphs:
            glyphs[codepoint] = block if block.endswith(b"\n") else block + b"\n"

    missing = [cp for cp in REQUIRED_CODEPOINTS if cp not in glyphs]
    if missing:
        raise BuildError(f"font lacks required glyphs: {missing}")

    comment_lines = [b"COMMENT " + c.encode("ascii") for c in comments]
    default = _DEFAULT_CHAR.search(head)
    if default is not None and int(default.group(1)) not in glyphs:
        # The original default glyph (codepoint 0) is a control code, not kept.
        head = _DEFAULT_CHAR.sub(b"DEFAULT_CHAR %d" % ord("?"), head)
        comment_lines.append(
            b"COMMENT DEFAULT_CHAR changed from %s to %d ('?')." % (default.group(1), ord("?"))
        )

    out: list[bytes] = []
    for line in head.split(b"\n"):
        out.append(line)
        if line.startswith(b"STARTFONT "):
            out.extend(comment_lines)
    while out and not out[-1].strip():
        out.pop()

    blocks = b"".join(glyphs[cp] for cp in sorted(glyphs))
    return b"\n".join(out) + b"\n\nCHARS %d\n" % len(glyphs) + blocks + b"ENDFONT\n"


def build_x11_font(name: str, source_root: Path, pcf2bdf: str, package_version: str) -> bytes:
    """Return the filtered BDF for one X11 font."""
    font = X11_FONTS[name]
    pcf_path = source_root / font.directory / font.pcf_file
    if not pcf_path.is_file():
        raise BuildError(f"{pcf_path} not found; install it: apt-get install -y {font.package}")
    comments = [
        f"RetroBoard font '{name}': {font.licence}.",
        f"Source: Debian package {font.package} {package_version},",
        f"file /{font.directory}/{font.pcf_file},",
        "converted with pcf2bdf by services/renderer/tools/build_fonts.py;",
        "control characters and Private Use Area glyphs dropped, others unchanged.",
    ]
    return filter_bdf(pcf_to_bdf(pcf_path, pcf2bdf), comments)


# --------------------------------------------------------------------------- tom-thumb


def parse_glyph_art(char: str, art: str) -> list[str]:
    """Split and validate one glyph's string art into rows of ``#``/``.``."""
    rows = art.split("/")
    height = TOM_THUMB_ASCENT + TOM_THUMB_DESCENT
    if len(rows) not in (TOM_THUMB_ASCENT, height):
        raise BuildError(f"glyph {char!r}: {len(rows)} rows, want {TOM_THUMB_ASCENT} or {height}")
    for row in rows:
        if len(row) != TOM_THUMB_WIDTH or set(row) - {"#", "."}:
            raise BuildError(f"glyph {char!r}: bad row {row!r}")
    return rows + ["." * TOM_THUMB_WIDTH] * (height - len(rows))


def build_tom_thumb() -> bytes:
    """Write the tom-thumb font (ASCII 32–126) as BDF."""
    missing = [cp for cp in REQUIRED_CODEPOINTS if chr(cp) not in TOM_THUMB_GLYPHS]
    if missing:
        raise BuildError(f"tom-thumb lacks glyphs for {missing}")
    height = TOM_THUMB_ASCENT + TOM_THUMB_DESCENT
    size = f"BBX {TOM_THUMB_WIDTH} {height} 0 {-TOM_THUMB_DESCENT}"
    # Scalable width in 1/1000 em at SIZE <height>pt, 75 dpi (as misc-fixed does).
    swidth = TOM_THUMB_ADVANCE * 1000 * 72 // (height * 75)
    properties = [
        'FOUNDRY "RetroBoard"',
        'FAMILY_NAME "TomThumb"',
        f"PIXEL_SIZE {height}",
        'SPACING "C"',
        'CHARSET_REGISTRY "ISO10646"',
        'CHARSET_ENCODING "1"',
        f'COPYRIGHT "{TOM_THUMB_COPYRIGHT}"',
        f"DEFAULT_CHAR {ord('?')}",
        f"FONT_ASCENT {TOM_THUMB_ASCENT}",
        f"FONT_DESCENT {TOM_THUMB_DESCENT}",
    ]
    lines = [
        "STARTFONT 2.1",
        "COMMENT RetroBoard font 'tom-thumb': 3x5 pixel glyphs in a 4x6 cell.",
        "COMMENT Original design for RetroBoard, public domain (CC0 1.0); see LICENSE.",
        "COMMENT Generated by services/renderer/tools/build_fonts.py.",
        f"FONT -RetroBoard-TomThumb-Medium-R-Normal--{height}-{height * 10}-75-75-C-"
        f"{TOM_THUMB_ADVANCE * 10}-ISO10646-1",
        f"SIZE {height} 75 75",
        f"FONTBOUNDINGBOX {TOM_THUMB_ADVANCE} {height} 0 {-TOM_THUMB_DESCENT}",
        f"STARTPROPERTIES {len(properties)}",
        *properties,
        "ENDPROPERTIES",
        f"CHARS {len(REQUIRED_CODEPOINTS)}",
    ]
    for codepoint in REQUIRED_CODEPOINTS:
        rows = parse_glyph_art(chr(codepoint), TOM_THUMB_GLYPHS[chr(codepoint)])
        lines += [
            f"STARTCHAR U+{codepoint:04X}",
            f"ENCODING {codepoint}",
            f"SWIDTH {swidth} 0",
            f"DWIDTH {TOM_THUMB_ADVANCE} 0",
            size,
            "BITMAP",
        ]
        for row in rows:
            bits = int(row.replace("#", "1").replace(".", "0"), 2)
            lines.append(f"{bits << (8 - TOM_THUMB_WIDTH):02X}")
        lines.append("ENDCHAR")
    lines.append("ENDFONT")
    return ("\n".join(lines) + "\n").encode("ascii")


# --------------------------------------------------------------------------- driver


def build_all(
    source_root: Path, pcf2bdf: str, versions: Mapping[str, str] | None = None
) -> dict[str, bytes]:
    """Return ``{file name: BDF bytes}`` for every bundled font.

    *versions* gives each Debian package's version; missing ones are asked
    of ``dpkg-query`` (the installed packages).
    """
    known = dict(versions or {})
    for font in X11_FONTS.values():
        if font.package not in known:
            known[font.package] = installed_package_version(font.package)
    files = {f"{TOM_THUMB_NAME}.bdf": build_tom_thumb()}
    for name, font in X11_FONTS.items():
        files[f"{name}.bdf"] = build_x11_font(name, source_root, pcf2bdf, known[font.package])
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--source-root",
        type=Path,
        default=DEFAULT_SOURCE_ROOT,
        help="root under which the packages put their PCF files (default: %(default)s)",
    )
    parser.add_argument(
        "--debs",
        type=Path,
        help="read the PCF files from the <package>_*.deb files in this folder instead",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="where to write the BDF files (default: the package's fonts/)",
    )
    parser.add_argument("--pcf2bdf", default="pcf2bdf", help="pcf2bdf executable")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only compare with the files in --out-dir; exit 1 if they differ",
    )
    args = parser.parse_args(argv)

    pcf2bdf = shutil.which(args.pcf2bdf)
    if pcf2bdf is None:
        print(f"error: {args.pcf2bdf} not found; apt-get install -y pcf2bdf", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source_root: Path = args.source_root
            versions: dict[str, str] = {}
            if args.debs is not None:
                source_root = Path(tmp)
                packages = sorted({font.package for font in X11_FONTS.values()})
                versions = extract_debs(args.debs, packages, source_root)
            files = build_all(source_root, pcf2bdf, versions)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    out_dir: Path = args.out_dir
    stale = [
        name
        for name, data in files.items()
        if not (out_dir / name).is_file() or (out_dir / name).read_bytes() != data
    ]
    if args.check:
        for name in stale:
            print(f"out of date: {out_dir / name}", file=sys.stderr)
        return 1 if stale else 0

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (out_dir / name).write_bytes(files[name])
        print(f"wrote {out_dir / name} ({len(files[name])} bytes)")
    print(f"{len(files)} fonts, {len(stale)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
