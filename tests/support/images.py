"""Small test images, encoded as a client would send them."""

from __future__ import annotations

import base64
import io

from PIL import Image

Colour = tuple[int, int, int]


def png(colour: Colour, size: int | tuple[int, int] = 8) -> bytes:
    """A PNG of one colour; ``size`` a side, or ``(width, height)``."""
    width, height = (size, size) if isinstance(size, int) else size
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def png_base64(colour: Colour, size: int = 8) -> str:
    """:func:`png` as AWTRIX integrations embed an icon: base64."""
    return base64.b64encode(png(colour, size)).decode()


def gif(colours: list[Colour], durations: int | list[int], size: int = 8) -> bytes:
    """An animated GIF, one frame a colour, each shown ``durations`` ms (one for all,
    or one each), looping."""
    frames = [Image.new("RGB", (size, size), colour) for colour in colours]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return out.getvalue()
