"""What a client can do to one board, as JSON bodies: shared by REST and Socket.IO.

Reads come from the cache; commands make a renderer round trip and answer with the
state the renderer sent back in its response.
"""

from __future__ import annotations

from typing import Any

from retroboard_api.cache import StateCache
from retroboard_api.commands import CommandGateway
from retroboard_api.errors import ApiError, detail
from retroboard_common.contract import VERBS
from retroboard_common.models import Payload
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
        known = board == self.default_board or self.cache.knows(board)
        if not (is_valid_board_id(board) and known):
            raise ApiError(404, f"unknown board {board!r}", [detail(["board"], "unknown board")])

    # --- reads -------------------------------------------------------------------

    def read(self, board: str, name: StateName) -> Json:
        """One state payload (``GET /api/apps``, ``/current``, …) with ``success``."""
        return _success(self._state(board, name))

    def app_config(self, board: str, app: str) -> Json:
        """One app's config and JSON Schema."""
        return _app_body(self._state(board, "apps_list"), app)

    # --- commands ----------------------------------------------------------------

    def command(self, board: str, verb: str, body: Payload) -> Json:
        """Send ``verb`` with ``body`` (a valid body of that verb) and answer with the
        state the contract says it changes, as the renderer sent it back."""
        answers = VERBS[verb].answers
        assert answers is not None, f"{verb} is not a client command"
        state = self._send(board, verb, body.model_dump(mode="json", exclude_none=True))
        return _success(self._pick(board, state, answers))

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

    # --- internals ---------------------------------------------------------------

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
        value = self.cache.state(board, name)
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
