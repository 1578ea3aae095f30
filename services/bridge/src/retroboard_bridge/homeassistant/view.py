"""What the bridge knows of one board, typed, and the HA entity states derived from it."""

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
    NONE,
    OFF,
    ON,
    REALTIME,
    STOPPED,
)
from retroboard_common.contract import STATES
from retroboard_common.models import (
    AppsListState,
    CarouselState,
    CurrentAppState,
    RealtimeState,
    SettingsState,
)
from retroboard_common.topics import StateName

log = logging.getLogger(__name__)


@dataclass
class BoardView:
    """The last valid state payloads of a board, plus the last app it showed."""

    apps_list: AppsListState | None = None
    current: CurrentAppState | None = None
    settings: SettingsState | None = None
    carousel: CarouselState | None = None
    realtime: RealtimeState | None = None
    last_app: str | None = None

    def update(self, name: StateName, payload: Any) -> bool:
        """Take a new ``state/<name>`` payload; ``False`` (logged) when it is invalid."""
        try:
            model = STATES[name].model.model_validate(payload)
        except ValidationError as exc:
            log.warning("state/%s does not fit its model; ignored: %s", name, exc.errors()[:1])
            return False
        if isinstance(model, AppsListState):
            self.apps_list = model
        elif isinstance(model, CurrentAppState):
            self.current = model
            if model.app is not None:
                self.last_app = model.app
        elif isinstance(model, SettingsState):
            self.settings = model
        elif isinstance(model, CarouselState):
            self.carousel = model
        elif isinstance(model, RealtimeState):
            self.realtime = model
        return True

    @property
    def apps(self) -> list[str]:
        """The board's apps (empty until ``apps_list`` is known)."""
        return list(self.apps_list.apps) if self.apps_list else []

    @property
    def running(self) -> str | None:
        """The app showing now."""
        return self.current.app if self.current else None

    def resume_app(self) -> str | None:
        """What "turn on" shows: the last app shown, else the first app."""
        if self.last_app is not None:
            return self.last_app
        apps = self.apps
        return apps[0] if apps else None

    def message_max(self) -> int:
        """Longest scroll text HA may send: the app's limit, within HA's state limit."""
        schema = self._message_info("schema")
        text = schema.get("properties", {}).get("text", {}) if isinstance(schema, dict) else {}
        limit = text.get("maxLength") if isinstance(text, dict) else None
        return min(limit, HA_MAX_STATE) if isinstance(limit, int) else HA_MAX_STATE

    def message(self) -> str | None:
        """The scroll text app's message (``None`` when unknown)."""
        config = self._message_info("config")
        text = config.get("text") if isinstance(config, dict) else None
        return text[:HA_MAX_STATE] if isinstance(text, str) else None

    def _message_info(self, field: str) -> Any:
        if self.apps_list is None or MESSAGE_APP not in self.apps_list.catalog:
            return None
        info = self.apps_list.catalog[MESSAGE_APP]
        return info.config_schema if field == "schema" else info.config

    def entity_states(self) -> dict[str, str]:
        """Each entity's state payload, by entity key (only what is known)."""
        states: dict[str, str] = {}
        if self.current is not None:
            states[APP_SELECT.key] = self.running or NONE
            states[CURRENT_APP.key] = self.running or STOPPED
            if self.settings is not None:
                states[LIGHT.key] = json.dumps(self._light_state())
        if self.carousel is not None:
            states[CAROUSEL.key] = ON if self.carousel.enabled else OFF
        if self.realtime is not None:
            states[REALTIME.key] = ON if self.realtime.enabled else OFF
        message = self.message()
        if message is not None:
            states[MESSAGE.key] = message
        return states

    def _light_state(self) -> dict[str, Any]:
        assert self.settings is not None
        state: dict[str, Any] = {
            "state": ON if self.running else OFF,
            "brightness": self.settings.brightness,
            "color_mode": "brightness",
        }
        if self.running:
            state["effect"] = self.running
        return state
