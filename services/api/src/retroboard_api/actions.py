"""What a client can do to one board, as JSON bodies: shared by REST and Socket.IO.

Reads come from the cache; commands make a renderer round trip and answer with the
state the renderer sent back in its response.
"""

from __future__ import annotations

from typing import Any

from retroboard_api.cache import StateCache
from retroboard_api.commands import CommandGateway
from retroboard_api.errors import ApiError, detail
from retroboard_api.schemas import CarouselBody, SettingsBody, SwitchBody
from retroboard_common.topics import StateName, is_valid_board_id

Json = dict[str, Any]


class BoardActions:
    """Board reads and commands, each returning the body a client receives."""

    def __init__(self, cache: StateCache, gateway: CommandGateway, default_board: str) -> None:
        self.cache = cache
        self.gateway = gateway
        self.default_board = default_board

    def require_board(self, board: str) -> None:
        """404 unless ``board`` is the default board or one the broker has seen."""
        known = board == self.default_board or self.cache.get(board) is not None
        if not (is_valid_board_id(board) and known):
            raise ApiError(404, f"unknown board {board!r}", [detail(["board"], "unknown board")])

    # --- reads -------------------------------------------------------------------

    def apps(self, board: str) -> Json:
        """The apps, the current one and each app's description, schema and config."""
        return _success(self._state(board, "apps_list"))

    def current(self, board: str) -> Json:
        """The app showing and its config."""
        return _success(self._state(board, "current_app"))

    def settings(self, board: str) -> Json:
        """Board-wide settings."""
        return _success(self._state(board, "settings"))

    def carousel(self, board: str) -> Json:
        """The carousel configuration and position."""
        return _success(self._state(board, "carousel_config"))

    def app_config(self, board: str, app: str) -> Json:
        """One app's config and JSON Schema."""
        return _app_body(self._state(board, "apps_list"), app)

    # --- commands ----------------------------------------------------------------

    def switch(self, board: str, body: SwitchBody) -> Json:
        """Show an app (merging an optional config first)."""
        payload: Json = {"app": body.app}
        if body.config is not None:
            payload["config"] = body.config
        return self._command(board, "switch", payload, "current_app")

    def stop(self, board: str) -> Json:
        """Blank the display."""
        return self._command(board, "stop", {}, "current_app")

    def configure_app(self, board: str, app: str, config: Json) -> Json:
        """Merge ``config`` into ``app``'s config (applied live if it is showing)."""
        apps_list = self._cached(board, "apps_list")
        if apps_list is not None:
            _app_body(apps_list, app)  # 404 for an unknown app, without a round trip
        state = self._send(board, "config", {"app": app, "config": config}, config_fields=True)
        return _app_body(self._pick(board, state, "apps_list"), app)

    def configure_current(self, board: str, config: Json) -> Json:
        """Merge ``config`` into the current app's config (legacy ``POST /api/config``)."""
        state = self._send(board, "config", {"config": config}, config_fields=True)
        return _success(self._pick(board, state, "current_app"))

    def set_settings(self, board: str, body: SettingsBody) -> Json:
        """Change the brightness."""
        return self._command(board, "settings", body.model_dump(), "settings")

    def set_carousel(self, board: str, body: CarouselBody) -> Json:
        """Change the carousel (omitted fields keep their value)."""
        payload: Json = {}
        if body.enabled is not None:
            payload["enabled"] = body.enabled
        if body.apps is not None:
            payload["apps"] = [entry.model_dump() for entry in body.apps]
        return self._command(board, "carousel", payload, "carousel_config")

    def next(self, board: str) -> Json:
        """Skip the running carousel to its next app."""
        return self._command(board, "next", {}, "carousel_config")

    # --- internals ---------------------------------------------------------------

    def _command(self, board: str, verb: str, payload: Json, shows: StateName) -> Json:
        state = self._send(board, verb, payload)
        return _success(self._pick(board, state, shows))

    def _send(self, board: str, verb: str, payload: Json, *, config_fields: bool = False) -> Json:
        self.require_board(board)
        try:
            response = self.gateway.send(board, verb, payload)
        except ApiError as error:
            if config_fields:
                # The body of a config request *is* the config: name its fields directly.
                error.details = [_strip_config(item) for item in error.details]
            raise
        return dict(response.state or {})

    def _pick(self, board: str, state: Json, name: StateName) -> Json:
        value = state.get(name)
        return value if isinstance(value, dict) else self._state(board, name)

    def _cached(self, board: str, name: StateName) -> Json | None:
        record = self.cache.get(board)
        value = record.state(name) if record else None
        return value if isinstance(value, dict) else None

    def _state(self, board: str, name: StateName) -> Json:
        self.require_board(board)
        value = self._cached(board, name)
        if value is None:
            raise ApiError(
                503, f"no {name} from board {board!r} yet: its renderer has not published it"
            )
        return value


def _success(payload: Json) -> Json:
    return {"success": True, **payload}


def _app_body(apps_list: Json, app: str) -> Json:
    entry = apps_list.get("catalog", {}).get(app)
    if not isinstance(entry, dict):
        known = ", ".join(apps_list.get("apps", []))
        raise ApiError(
            404, f"unknown app {app!r}; choose one of {known}", [detail(["app"], "unknown app")]
        )
    return {
        "success": True,
        "app": app,
        "config": entry.get("config"),
        "schema": entry.get("schema"),
    }


def _strip_config(item: Json) -> Json:
    loc = item.get("loc", [])
    return {**item, "loc": loc[1:]} if loc[:1] == ["config"] and len(loc) > 1 else item
