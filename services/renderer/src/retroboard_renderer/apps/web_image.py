"""``web_image``: an image fetched from a URL, refreshed on an interval.

The fetch, the checks (:func:`~retroboard_renderer.images.probe`'s limits) and the
decoding run in :meth:`WebImage.update` on the updater's worker thread; the result
reaches :meth:`WebImage.render` by one attribute assignment. A failed fetch keeps the
last good image on show, marked stale.

A Tronbyt server's device endpoint, ``GET /<device>/next``, works as the URL. What it
answers was checked in tronbyt/server (``internal/server/handlers_device_api.go``,
``handleNextApp``; ``internal/data/models.go``, ``GetEffectiveDwellTime`` and
``GetEffectiveBrightness``): a WebP body (``Content-Type: image/webp``) and

- ``Tronbyt-Dwell-Secs``: whole seconds to show this image (loop its animation) before
  asking for the next: the app's display time, else the device's default interval;
- ``Tronbyt-Brightness``: the device's effective brightness (night or dim mode
  included) as a whole percent, 0–100 (its ``Brightness`` type; ``Percent()`` clamps to
  that range).

So the next fetch follows after the dwell instead of ``refresh``, and the image is
drawn at that brightness (on top of the board's own brightness). A missing or
unparsable header changes nothing; a dwell of 0 or less falls back to ``refresh``.
"""

from __future__ import annotations

from email.message import Message
from typing import Final

from retroboard_common.app_configs import WebImageConfig
from retroboard_common.commands import CommandError
from retroboard_renderer.apps.base import App, AppContext
from retroboard_renderer.apps.image import ASSET_POLL_SECONDS, Player, draw, placeholder
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.http_fetch import fetch
from retroboard_renderer.images import MAX_BYTES, Animation, decode, probe, scale_brightness

DWELL_HEADER: Final = "Tronbyt-Dwell-Secs"
BRIGHTNESS_HEADER: Final = "Tronbyt-Brightness"
MAX_DWELL_SECONDS: Final = 86400
IDLE_SECONDS: Final = 1.0
"""Frame delay while there is nothing (or a still image) to show."""


def dwell_seconds(headers: Message) -> int | None:
    """The ``Tronbyt-Dwell-Secs`` header as seconds; ``None`` when absent or unusable."""
    value = headers.get(DWELL_HEADER)
    try:
        seconds = int(str(value).strip()) if value is not None else 0
    except ValueError:
        return None
    return min(seconds, MAX_DWELL_SECONDS) if seconds > 0 else None


def brightness_percent(headers: Message) -> int:
    """The ``Tronbyt-Brightness`` header, clamped to 0–100; 100 when absent or unusable."""
    value = headers.get(BRIGHTNESS_HEADER)
    if value is None:
        return 100
    try:
        return min(max(int(str(value).strip()), 0), 100)
    except ValueError:
        return 100


class WebImage(App[WebImageConfig]):
    """Shows the last image fetched from its URL."""

    name = "web_image"
    description = "An image from a URL (a Tronbyt device's /next works), refreshed"
    config_model = WebImageConfig

    def __init__(
        self,
        config: WebImageConfig,
        width: int,
        height: int,
        context: AppContext | None = None,
    ) -> None:
        self._image: Animation | None = None
        """The last good image; replaced whole by :meth:`update`."""
        self._player = Player()
        self.brightness = 100
        """The last ``Tronbyt-Brightness`` heard (100 without one)."""
        super().__init__(config, width, height, context)

    def configure(self, config: WebImageConfig) -> None:
        """Take a new config; the next update fetches with it (a new URL: at once)."""
        if config.url != self.config.url:
            self._image = None  # another source: the old picture is not its image
        super().configure(config)
        self._placeholder = placeholder(self.width, self.height, tuple(config.background))

    def update(self) -> float | None:
        """Fetch, check and decode the image; returns the seconds until the next
        fetch (the server's dwell when it says one, else ``refresh``). Raises on
        failure, leaving the last good image."""
        config = self.config
        if not config.url:
            self._image = None
            return float(config.refresh)
        answer = fetch(config.url, timeout=self.context.http_timeout, max_bytes=MAX_BYTES)
        probe(answer.body, check_pixels=False)  # decoding catches corrupt data
        try:
            frames = decode(answer.body, self.width, self.height, config.fit, config.background)
        except Exception as exc:  # Pillow's parsers raise many kinds on corrupt data
            raise CommandError("invalid", f"corrupt image: {exc}") from None
        brightness = brightness_percent(answer.headers)
        image = Animation(scale_brightness(frames, brightness))
        self.brightness = brightness
        self._image = image  # the one hand-over to render
        dwell = dwell_seconds(answer.headers)
        return float(dwell if dwell is not None else config.refresh)

    def render(self, now: float) -> Frame:
        """The frame due at ``now``; the placeholder until a fetch succeeded."""
        image = self._image
        if image is None:
            return draw(self, self._placeholder)
        frame, _ = self._player.frame(image, now)
        return draw(self, frame)

    def frame_delay(self, now: float) -> float:
        """Until the current frame's time is up (a still image or none: a second,
        so a freshly fetched one shows soon)."""
        if self._image is None:
            return ASSET_POLL_SECONDS
        return min(self._player.remaining(now), IDLE_SECONDS)
