"""What the bridge knows of one board, typed, and the HA entity states derived from it.

Only the derived values the entities need are kept (app names, the app showing, the
brightness, …), not the state payloads: an ``apps_list`` carries every app's JSON
schema and config, and a central bridge holds 10,000 boards.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from retroboard_bridge.homeassistant.entities import (
    APP_SELECT,
    CAROUSEL,
    CURRENT_APP,
    HA_MAX_STATE,
    LIGHT,
    MESSAGE,
    MESSAGE_APP,
    NIGHT,
    NONE,
    OFF,
    ON,
    REALTIME,
    STOPPED,
)
from retroboard_common.contract import STATES
from retroboard_common.models import (
    AppsListState,
    AppTypesState,
    CarouselState,
    CurrentAppState,
    NightState,
    RealtimeState,
    SettingsState,
)
from retroboard_common.topics import StateName

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BoardView:
    """The values of a board's last valid states that HA's entities show."""

    app_names: tuple[str, ...] | None = None
    """The board's apps; ``None`` until its ``apps_list`` is known."""
    current_known: bool = False
    running: str | None = None
    """The app showing now."""
    last_app: str | None = None
    brightness: int | None = None
    power: bool | None = None
    """Whether the panel is on (``settings``' ``power``)."""
    carousel_enabled: bool | None = None
    realtime_enabled: bool | None = None
    night_active: bool | None = None
    """Whether night mode is on now (by its window or by hand)."""
    message_limit: int = HA_MAX_STATE
    message_text: str | None = None

    def update(self, name: StateName, payload: Any) -> bool:
        """Take a new ``state/<name>`` payload; ``False`` (logged) when it is invalid."""
        if name == "app_types" and isinstance(payload, dict):
            # Only the message app's type matters here: validating the other types'
            # schemas too (33 KB) cost 3 ms a board, 30 s for a fleet of 10,000.
            types = payload.get("types")
            if isinstance(types, dict):
                payload = {
                    "types": {MESSAGE_APP: types[MESSAGE_APP]} if MESSAGE_APP in types else {}
                }
        try:
            model = STATES[name].model.model_validate(payload)
        except ValidationError as exc:
            log.warning("state/%s does not fit its model; ignored: %s", name, exc.errors()[:1])
            return False
        if isinstance(model, AppsListState):
            self._take_apps(model)
        elif isinstance(model, AppTypesState):
            info = model.types.get(MESSAGE_APP)
            self.message_limit = _max_length(info.config_schema if info else None)
        elif isinstance(model, CurrentAppState):
            self.current_known = True
            self.running = model.app
            if model.app is not None:
                self.last_app = model.app
        elif isinstance(model, SettingsState):
            self.brightness = model.brightness
            self.power = model.power
        elif isinstance(model, CarouselState):
            self.carousel_enabled = model.enabled
        elif isinstance(model, RealtimeState):
            self.realtime_enabled = model.enabled
        elif isinstance(model, NightState):
            self.night_active = model.active
        return True

    def _take_apps(self, apps_list: AppsListState) -> None:
        self.app_names = _shared_names(tuple(apps_list.apps))
        info = apps_list.instances.get(MESSAGE_APP)
        text = info.config.get("text") if info else None
        self.message_text = text[:HA_MAX_STATE] if isinstance(text, str) else None

    @property
    def apps(self) -> list[str]:
        """The board's apps (empty until ``apps_list`` is known)."""
        return list(self.app_names or ())

    def resume_app(self) -> str | None:
        """What "turn on" shows: the last app shown, else the first app."""
        if self.last_app is not None:
            return self.last_app
        return self.app_names[0] if self.app_names else None

    def message_max(self) -> int:
        """Longest scroll text HA may send: the app's limit, within HA's state limit."""
        return self.message_limit

    def message(self) -> str | None:
        """The scroll text app's message (``None`` when unknown)."""
        return self.message_text

    def entity_states(self) -> dict[str, str]:
        """Each entity's state payload, by entity key (only what is known)."""
        states: dict[str, str] = {}
        if self.current_known:
            states[APP_SELECT.key] = self.running or NONE
            states[CURRENT_APP.key] = self.running or STOPPED
            if self.brightness is not None:
                states[LIGHT.key] = json.dumps(self._light_state())
        if self.carousel_enabled is not None:
            states[CAROUSEL.key] = ON if self.carousel_enabled else OFF
        if self.realtime_enabled is not None:
            states[REALTIME.key] = ON if self.realtime_enabled else OFF
        if self.night_active is not None:
            states[NIGHT.key] = ON if self.night_active else OFF
        if self.message_text is not None:
            states[MESSAGE.key] = self.message_text
        return states

    def _light_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "state": ON if self.running and self.power is not False else OFF,
            "brightness": self.brightness,
            "color_mode": "brightness",
        }
        if self.running:
            state["effect"] = self.running
        return state


def _max_length(schema: Any) -> int:
    """The scroll text's ``maxLength`` from the app's JSON schema, within HA's limit."""
    text = schema.get("properties", {}).get("text", {}) if isinstance(schema, dict) else {}
    limit = text.get("maxLength") if isinstance(text, dict) else None
    return min(limit, HA_MAX_STATE) if isinstance(limit, int) else HA_MAX_STATE


_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple per distinct app list: a fleet's boards mostly have the same apps.

    Bounded: app lists change rarely (an update, a new instance), and the table is
    emptied when it grows past what a fleet plausibly has.
    """
    if len(_NAMES) > 1024:
        _NAMES.clear()
    return _NAMES.setdefault(names, names)
