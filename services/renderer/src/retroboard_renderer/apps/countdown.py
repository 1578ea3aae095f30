"""``countdown``: days, hours, minutes and seconds to a local date-time, then a message.

The layout shrinks to fit the panel: ``12d 03:04:05`` on one line, else the days over
the time on two lines, else the same in smaller fonts, else without the seconds.
"""

from __future__ import annotations

import math
from datetime import datetime

from retroboard_common.app_configs import CountdownConfig
from retroboard_renderer.apps.base import App, AppContext, paint, shrinking_fonts
from retroboard_renderer.apps.clock import zone_of
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import BitmapFont, load_font

LINE_GAP = 2
"""Blank rows between two lines."""

Lines = tuple[str, ...]


def layouts(remaining: int) -> tuple[list[Lines], list[Lines]]:
    """Ways to show ``remaining`` whole seconds: those with the seconds, then those
    without, each most readable first."""
    days, rest = divmod(remaining, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02}:{minutes:02}:{seconds:02}"
    short = f"{hours:02}:{minutes:02}"
    if not days:
        return [(clock,)], [(short,)]
    day = f"{days}d"
    return [(f"{day} {clock}",), (day, clock)], [(f"{day} {short}",), (day, short)]


def block_size(font: BitmapFont, lines: Lines) -> tuple[int, int]:
    """Width and height of ``lines`` stacked in ``font``."""
    height = len(lines) * font.height + (len(lines) - 1) * LINE_GAP
    return max(font.measure(line) for line in lines), height


class Countdown(App[CountdownConfig]):
    """Counts down once a second; redraws only when the shown text changes."""

    name = "countdown"
    description = "Days, hours, minutes and seconds to a date, then a message"
    config_model = CountdownConfig

    def __init__(
        self,
        config: CountdownConfig,
        width: int,
        height: int,
        context: AppContext | None = None,
    ) -> None:
        self._shown: Lines | None = None
        super().__init__(config, width, height, context)

    def configure(self, config: CountdownConfig) -> None:
        """Apply a new target, zone, text, font or colour; the next frame uses them."""
        super().configure(config)
        target = datetime.fromisoformat(config.target)
        zone = zone_of(config.timezone)
        # A naive datetime's timestamp() is taken as local time: the "empty zone" case.
        self._target = target.replace(tzinfo=zone).timestamp() if zone else target.timestamp()
        # The chosen font first, then each smaller one.
        self._fonts = [load_font(name) for name in shrinking_fonts(config.font)]
        self._shown = None

    def remaining(self) -> int:
        """Whole seconds left (rounded up, so 0 means the target is reached)."""
        return max(0, math.ceil(self._target - self.context.wall_clock()))

    def render(self, now: float) -> Frame:
        """Draw the time left, or the done text once it is over."""
        left = self.remaining()
        groups = layouts(left) if left else ([(self.config.done_text,)], [])
        key = groups[0][0]  # the full text says all the frame shows
        if key != self._shown:
            self._draw(*self._choose(groups))
            self._shown = key
        return self.frame

    def _choose(self, groups: tuple[list[Lines], list[Lines]]) -> tuple[BitmapFont, Lines]:
        # The seconds in a smaller font beat a bigger font without them.
        for group in groups:
            for font in self._fonts:
                for lines in group:
                    width, height = block_size(font, lines)
                    if width <= self.width and height <= self.height:
                        return font, lines
        return self._fonts[-1], groups[0][0]  # nothing fits: the smallest font, clipped

    def _draw(self, font: BitmapFont, lines: Lines) -> None:
        self.frame[:] = 0
        y = (self.height - block_size(font, lines)[1]) // 2
        for line in lines:
            mask = font.render(line)
            paint(self.frame, mask, self.config.color, (self.width - mask.shape[1]) // 2, y)
            y += font.height + LINE_GAP

    def frame_delay(self, now: float) -> float:
        """Wake just after the count next changes (once a second, on the target's
        second boundaries); once a second after the end, for config changes' sake."""
        left = self._target - self.context.wall_clock()
        return (left % 1.0 if left > 0 else 1.0) + 0.001
