"""AWTRIX 3 compatibility mode: the renderer also answers an AWTRIX clock's topics.

With ``RETROBOARD_AWTRIX_PREFIX=<prefix>``, an automation written for an AWTRIX 3
device works by changing nothing but the device: ``<prefix>/custom/<app>``,
``/notify``, ``/notify/dismiss``, ``/switch``, ``/nextapp``, ``/previousapp``,
``/power``, ``/settings`` (``BRI``, ``ATIME``, ``ATRANS``, ``TEFF``, ``TSPEED``); the
app on show is published on ``<prefix>/stats/currentApp``.
AWTRIX has no response topics, so a refused message is logged, never answered, and
never stops the renderer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Final

from retroboard_common.commands import CommandError, decode_command
from retroboard_common.models import (
    MAX_DURATION,
    MAX_PUSH_BYTES,
    MAX_TRANSITION_MS,
    MIN_DURATION,
    CarouselEntry,
    SettingsBody,
    SettingsState,
    TransitionType,
)
from retroboard_common.mqtt import MqttClient
from retroboard_common.topics import StateName
from retroboard_renderer.board import Board

log = logging.getLogger(__name__)

PREFIX_PATTERN: Final = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
"""An MQTT topic prefix without wildcards or empty levels (AWTRIX's default is
``awtrix_<chip id>``)."""

BUILTIN_NAMES: Final = {"time": "clock"}
"""AWTRIX's built-in app names that have a RetroBoard counterpart (``{"name": "Time"}``)."""

CAROUSEL_SETTINGS: Final = ("ATIME", "ATRANS")
TRANSITION_SETTINGS: Final = ("TEFF", "TSPEED")
AWTRIX_TRANSITIONS: Final[dict[int, TransitionType]] = {
    0: "random",
    1: "slide",
    2: "fade",  # Dim: through dark, the nearest is a fade
    5: "pixelate",
    6: "wipe",  # Curtain
    10: "fade",
}
"""AWTRIX 3's ``TEFF`` codes (docs/api.md, "Available Transition Effects") that have
a counterpart; the rest (3 Zoom, 4 Rotate, 7 Ripple, 8 Blink, 9 Reload) play a fade."""


class AwtrixCompat:
    """Subscribes AWTRIX 3's topics under ``prefix`` and applies them to the board."""

    def __init__(self, board: Board, mqtt: MqttClient, prefix: str) -> None:
        if not PREFIX_PATTERN.match(prefix):
            raise ValueError(f"{prefix!r} is not an MQTT topic prefix (no wildcards)")
        self.board = board
        self.mqtt = mqtt
        self.prefix = prefix
        self._routes: dict[str, Callable[[Any], object]] = {
            "notify": lambda data: self.board.notify(data),
            "notify/dismiss": lambda _data: self.board.dismiss(),
            "switch": self._switch,
            "nextapp": lambda _data: self.board.step_app(1),
            "previousapp": lambda _data: self.board.step_app(-1),
            "power": self._power,
            "settings": self._settings,
        }
        self._last_app: str | None = None

    def start(self) -> None:
        """Subscribe (before the MQTT client connects) and publish the app on show."""
        for path in (*self._routes, "custom/+"):
            self.mqtt.subscribe(f"{self.prefix}/{path}", self.handle, refuse_retained=True)
        self.board.on_change(self._changed)
        self.mqtt.on_connect(self._publish_current_app)

    def handle(self, topic: str, payload: bytes) -> None:
        """Apply one AWTRIX message; bad ones are logged and change nothing."""
        path = topic.removeprefix(f"{self.prefix}/")
        try:
            data = decode_command(payload, MAX_PUSH_BYTES + 1024)
            if path.startswith("custom/"):
                _changed, ignored = self.board.push_custom(path.split("/", 1)[1], data, "awtrix")
                if ignored:
                    log.info("AWTRIX custom app %s: ignored %s", path, ", ".join(ignored))
            elif path in self._routes:
                self._routes[path](data)
        except CommandError as exc:
            log.warning("refused AWTRIX message on %s: %s", topic, exc.message)
        except Exception:
            log.exception("AWTRIX message on %s failed", topic)

    def _switch(self, data: Any) -> None:
        name = data.get("name") if isinstance(data, dict) else None
        if not isinstance(name, str) or not name:
            raise CommandError("invalid", 'switch needs {"name": "<app>"}')
        key = name.lower()
        self.board.switch(BUILTIN_NAMES.get(key, key))

    def _power(self, data: Any) -> None:
        power = data.get("power") if isinstance(data, dict) else None
        if power not in (True, False, 0, 1):  # AWTRIX's firmware takes 0/1 as well
            raise CommandError("invalid", 'power needs {"power": true} or {"power": false}')
        self.board.set_power(bool(power))

    def _settings(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise CommandError("invalid", "settings is a JSON object")
        changes: dict[str, Any] = {}
        brightness = data.get("BRI")
        if brightness is not None:
            if not _is_number(brightness) or not 0 <= brightness <= 255:
                raise CommandError("invalid", "BRI: a number from 0 to 255")
            changes["brightness"] = round(brightness * 100 / 255)
        if any(key in data for key in TRANSITION_SETTINGS):
            changes["transition"] = self._transition(data.get("TEFF"), data.get("TSPEED"))
        # Checked before anything applies: a bad ATIME leaves BRI unapplied too.
        if any(key in data for key in CAROUSEL_SETTINGS):
            self._carousel_settings(data.get("ATIME"), data.get("ATRANS"))
        if changes:
            self.board.update_settings(SettingsBody.model_validate(changes))
        unused = sorted(set(data) - {"BRI", *CAROUSEL_SETTINGS, *TRANSITION_SETTINGS})
        if unused:
            log.info("AWTRIX settings: ignored %s", ", ".join(unused))

    def _transition(self, effect: Any, speed: Any) -> dict[str, Any]:
        """``TEFF`` (an effect code) and ``TSPEED`` (milliseconds) as the settings'
        transition; what is not given stays as it is."""
        settings = self.board.payload("settings")
        assert isinstance(settings, SettingsState)
        transition = settings.transition.model_dump()
        if effect is not None:
            if not isinstance(effect, int) or isinstance(effect, bool) or not 0 <= effect <= 10:
                raise CommandError("invalid", "TEFF: a transition effect from 0 to 10")
            transition["type"] = AWTRIX_TRANSITIONS.get(effect, "fade")
            if effect not in AWTRIX_TRANSITIONS:
                log.info("AWTRIX TEFF %d has no counterpart; a fade plays", effect)
        if speed is not None:
            if not _is_number(speed) or speed < 0:
                raise CommandError("invalid", "TSPEED: a number of milliseconds")
            transition["duration"] = min(round(speed), MAX_TRANSITION_MS)
        return transition

    def _carousel_settings(self, seconds: Any, rotate: Any) -> None:
        """``ATIME``: every carousel entry's duration; ``ATRANS``: rotate or not."""
        entries: list[CarouselEntry] | None = None
        if seconds is not None:
            if not _is_number(seconds) or seconds < MIN_DURATION:
                raise CommandError("invalid", "ATIME: a number of seconds, at least 1")
            duration = min(int(seconds), MAX_DURATION)
            entries = [
                entry.model_copy(update={"duration": duration})
                for entry in self.board.carousel.entries
            ]
        if rotate is not None and not isinstance(rotate, bool):
            raise CommandError("invalid", "ATRANS: true or false")
        enabled = rotate
        if rotate and not self.board.carousel.entries:
            log.info("AWTRIX ATRANS: the carousel has no apps to rotate; left off")
            enabled = None
        if enabled is not None or entries is not None:
            self.board.set_carousel(enabled, entries)

    def _changed(self, names: set[StateName]) -> None:
        if "current_app" in names and self.board.current_app != self._last_app:
            self._publish_current_app()

    def _publish_current_app(self) -> None:
        self._last_app = self.board.current_app
        self.mqtt.publish(f"{self.prefix}/stats/currentApp", self._last_app or "")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
