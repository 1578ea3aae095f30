"""16×16 pixel-art weather icons for the WMO weather codes Open-Meteo reports.

Icons are composed from small string-art layers (one character per pixel, ``.`` is
transparent) and scaled by whole pixels for larger panels.

The codes, from Open-Meteo's forecast API docs ("WMO Weather interpretation codes
(WW)", https://open-meteo.com/en/docs): 0 clear sky; 1, 2, 3 mainly clear, partly
cloudy, overcast; 45, 48 fog and depositing rime fog; 51, 53, 55 drizzle; 56, 57
freezing drizzle; 61, 63, 65 rain; 66, 67 freezing rain; 71, 73, 75 snow fall; 77 snow
grains; 80, 81, 82 rain showers; 85, 86 snow showers; 95 thunderstorm; 96, 99
thunderstorm with hail.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

SIZE: Final = 16
"""Icons are ``SIZE`` × ``SIZE`` pixels before scaling."""

PALETTE: Final[dict[str, tuple[int, int, int]]] = {
    "Y": (255, 190, 0),  # sun
    "M": (235, 230, 170),  # moon and stars
    "W": (215, 215, 225),  # cloud
    "G": (120, 120, 140),  # dark cloud
    "B": (40, 130, 255),  # rain
    "S": (255, 255, 255),  # snow
    "I": (140, 230, 255),  # ice
    "L": (255, 235, 40),  # lightning
    "F": (150, 150, 160),  # fog
}

_SUN = """
......Y......
..Y...Y...Y..
...Y.....Y...
.....YYY.....
....YYYYY....
...YYYYYYY...
YY.YYYYYYY.YY
...YYYYYYY...
....YYYYY....
.....YYY.....
...Y.....Y...
..Y...Y...Y..
......Y......
"""

_SMALL_SUN = """
....Y....
.Y.....Y.
...YYY...
..YYYYY..
Y.YYYYY.Y
..YYYYY..
...YYY...
.Y.....Y.
....Y....
"""

_MOON = """
.....MMMM.......
...MMMM.........
..MMM......M....
.MMM............
.MMM.........M..
MMM.............
MMM.............
MMM.............
MMMM............
.MMMM.......M...
.MMMMM....MMM...
..MMMMMMMMMMM...
...MMMMMMMMM....
.....MMMMM......
"""

_SMALL_MOON = """
...MMM...
..MMM....
.MMM.....
.MM......
.MM......
.MMM...M.
..MMMMMM.
...MMMM..
"""

_CLOUD = """
.....WWW......
...WWWWWWWW...
..WWWWWWWWWW..
.WWWWWWWWWWWW.
WWWWWWWWWWWWWW
WWWWWWWWWWWWWW
.WWWWWWWWWWWW.
"""

_RAIN = """
..B....B....
.B....B....B
B....B....B.
............
....B....B..
...B....B...
"""

_DRIZZLE = """
..B.....B...
............
.....B.....B
............
.B.....B....
"""

_SLEET = """
..B.....I...
.B.....III..
........I...
....I.....B.
...III...B..
....I.......
"""

_SNOW = """
..S......S..
.SSS....SSS.
..S......S..
......S.....
.....SSS....
......S.....
"""

_BOLT = """
....LL.
...LL..
..LL...
.LLLLL.
...LL..
..LL...
..L....
"""

_FOG = """
..FFFFFFFFFFF...
................
....FFFFFFFFFFFF
................
FFFFFFFFFFFFF...
................
...FFFFFFFFFFFF.
................
.FFFFFFFFFFF....
"""

Layer = tuple[str, int, int, dict[str, str]]
"""String art, its top row and left column in the icon, and colour swaps."""

_DARK: Final = {"W": "G"}

_ICONS: Final[dict[str, tuple[Layer, ...]]] = {
    "clear_day": ((_SUN, 1, 1, {}),),
    "clear_night": ((_MOON, 1, 0, {}),),
    "partly_cloudy_day": ((_SMALL_SUN, 0, 7, {}), (_CLOUD, 7, 0, {})),
    "partly_cloudy_night": ((_SMALL_MOON, 0, 7, {}), (_CLOUD, 7, 0, {})),
    "overcast": ((_CLOUD, 2, 2, _DARK), (_CLOUD, 6, 0, {})),
    "fog": ((_FOG, 3, 0, {}),),
    "drizzle": ((_CLOUD, 1, 1, {}), (_DRIZZLE, 9, 2, {})),
    "rain": ((_CLOUD, 1, 1, {}), (_RAIN, 9, 2, {})),
    "freezing_rain": ((_CLOUD, 1, 1, {}), (_SLEET, 9, 2, {})),
    "snow": ((_CLOUD, 1, 1, {}), (_SNOW, 9, 2, {})),
    "rain_showers": ((_SMALL_SUN, 0, 7, {}), (_CLOUD, 3, 0, {}), (_RAIN, 10, 1, {})),
    "snow_showers": ((_SMALL_SUN, 0, 7, {}), (_CLOUD, 3, 0, {}), (_SNOW, 10, 1, {})),
    "thunderstorm": ((_CLOUD, 1, 1, _DARK), (_BOLT, 7, 5, {})),
}
"""Every icon by name, its layers bottom first."""

_BY_CODE: Final[dict[int, str]] = {
    0: "clear",
    1: "partly_cloudy",
    2: "partly_cloudy",
    3: "overcast",
    45: "fog",
    48: "fog",
    51: "drizzle",
    53: "drizzle",
    55: "drizzle",
    56: "freezing_rain",
    57: "freezing_rain",
    61: "rain",
    63: "rain",
    65: "rain",
    66: "freezing_rain",
    67: "freezing_rain",
    71: "snow",
    73: "snow",
    75: "snow",
    77: "snow",
    80: "rain_showers",
    81: "rain_showers",
    82: "rain_showers",
    85: "snow_showers",
    86: "snow_showers",
    95: "thunderstorm",
    96: "thunderstorm",
    99: "thunderstorm",
}
_DAY_NIGHT: Final = ("clear", "partly_cloudy")

ICON_NAMES: Final[tuple[str, ...]] = tuple(_ICONS)


@dataclass(frozen=True)
class Icon:
    """An icon's colours and which of its pixels are lit (read-only arrays)."""

    pixels: npt.NDArray[np.uint8]
    """Shape ``(h, w, 3)``."""
    mask: npt.NDArray[np.bool_]
    """Shape ``(h, w)``."""


def icon_name(code: int, is_day: bool = True) -> str:
    """The icon for WMO weather ``code``; an unknown code gets the overcast cloud."""
    name = _BY_CODE.get(code, "overcast")
    if name in _DAY_NIGHT:
        return f"{name}_{'day' if is_day else 'night'}"
    return name


@functools.lru_cache(maxsize=64)
def icon(name: str, scale: int = 1) -> Icon:
    """Icon ``name`` (one of :data:`ICON_NAMES`) with each pixel ``scale`` × ``scale``."""
    pixels = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    mask = np.zeros((SIZE, SIZE), dtype=np.bool_)
    for art, top, left, swaps in _ICONS[name]:
        for row, line in enumerate(art.strip("\n").splitlines()):
            for column, char in enumerate(line):
                if char != ".":
                    pixels[top + row, left + column] = PALETTE[swaps.get(char, char)]
                    mask[top + row, left + column] = True
    if scale > 1:
        pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
        mask = mask.repeat(scale, axis=0).repeat(scale, axis=1)
    pixels.setflags(write=False)
    mask.setflags(write=False)
    return Icon(pixels, mask)


def draw_icon(frame: npt.NDArray[np.uint8], image: Icon, x: int, y: int) -> None:
    """Paint ``image`` with its top-left corner at ``(x, y)``, clipped to ``frame``."""
    height, width = frame.shape[:2]
    mask_h, mask_w = image.mask.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + mask_w, width), min(y + mask_h, height)
    if x0 >= x1 or y0 >= y1:
        return
    region = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
    mask = image.mask[region]
    frame[y0:y1, x0:x1][mask] = image.pixels[region][mask]
