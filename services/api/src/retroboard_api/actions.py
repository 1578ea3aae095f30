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
from retroboard_common.models import (
    ASSET_CONTENT_TYPES,
    AwtrixPayload,
    CommandResponse,
    CreateAppBody,
    CustomBody,
    DeleteAppBody,
    DeleteAssetBody,
    Payload,
)
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
        """One app instance's config and its type's JSON Schema."""
        return self._config_body(board, self._state(board, "apps_list"), app)

    def app_instance(self, board: str, app: str) -> Json:
        """One app instance: type, config, and how its data fetching goes."""
        return _instance_body(self._state(board, "apps_list"), app)

    def asset_file(self, board: str, name: str) -> tuple[bytes, str]:
        """An image's stored file and its content type."""
        self.require_board(board)
        data = self.gateway.fetch_asset(board, name)
        listed = (self._cached(board, "assets") or {}).get("assets", [])
        fmt = next((item.get("format") for item in listed if item.get("name") == name), None)
        known = {str(key): value for key, value in ASSET_CONTENT_TYPES.items()}
        return data, known.get(str(fmt), "application/octet-stream")

    # --- commands ----------------------------------------------------------------

    def command(self, board: str, verb: str, body: Payload) -> Json:
        """Send ``verb`` with ``body`` (a valid body of that verb) and answer with the
        state the contract says it changes, as the renderer sent it back."""
        answers = VERBS[verb].answers
        assert answers is not None, f"{verb} is not a client command"
        response = self._respond(board, verb, _payload_of(body))
        body_out = _success(self._pick(board, dict(response.state or {}), answers))
        if isinstance(body, AwtrixPayload | CustomBody):
            # AWTRIX keys the renderer accepted but does not act on (sound, overlay…).
            body_out["ignored"] = list(response.ignored or [])
        return body_out

    def push_custom(self, board: str, name: str, app: Any) -> Json:
        """Create, update or (``app`` empty or null) delete the custom app ``name``;
        answers with the new ``apps_list`` and the ``ignored`` keys."""
        return self.command(board, "custom", CustomBody(name=name, app=app))

    def configure_app(self, board: str, app: str, config: Json) -> Json:
        """Merge ``config`` into ``app``'s config (applied live if it is showing)."""
        apps_list = self._cached(board, "apps_list")
        if apps_list is not None:
            _instance(apps_list, app)  # 404 for an unknown app, without a round trip
        state = self._send(board, "config", {"app": app, "config": config}, config_fields=True)
        return self._config_body(board, self._pick(board, state, "apps_list"), app)

    def create_app(self, board: str, body: CreateAppBody) -> Json:
        """Add an app instance; answers with it."""
        state = self._send(board, "create_app", body.model_dump(mode="json", exclude_none=True))
        return _instance_body(self._pick(board, state, "apps_list"), body.id)

    def delete_app(self, board: str, app: str) -> Json:
        """Remove an app instance; answers with the new ``apps_list``."""
        return self.command(board, "delete_app", DeleteAppBody(id=app))

    def delete_asset(self, board: str, name: str) -> Json:
        """Remove an image from the library; answers with the new ``assets``."""
        return self.command(board, "delete_asset", DeleteAssetBody(name=name))

    def upload_asset(self, board: str, name: str, data: bytes) -> Json:
        """Store an image in the board's library; answers with its entry."""
        self.require_board(board)
        response = self.gateway.upload(board, name, data)
        asset = (response.state or {}).get("asset")
        return _success(asset if isinstance(asset, dict) else {"name": name})

    def configure_current(self, board: str, config: Json) -> Json:
        """Merge ``config`` into the current app's config (legacy ``POST /api/config``)."""
        state = self._send(board, "config", {"config": config}, config_fields=True)
        return _success(self._pick(board, state, "current_app"))

    # --- internals ---------------------------------------------------------------

    def _send(self, board: str, verb: str, payload: Json, *, config_fields: bool = False) -> Json:
        return dict(self._respond(board, verb, payload, config_fields=config_fields).state or {})

    def _respond(
        self, board: str, verb: str, payload: Json, *, config_fields: bool = False
    ) -> CommandResponse:
        self.require_board(board)
        try:
            return self.gateway.send(board, verb, payload)
        except ApiError as error:
            if config_fields:
                # The body of a config request *is* the config: name its fields directly.
                error.details = [_strip_config(item) for item in error.details]
            raise

    def _config_body(self, board: str, apps_list: Json, app: str) -> Json:
        entry = _instance(apps_list, app)
        types = (self._cached(board, "app_types") or {}).get("types", {})
        app_type = types.get(entry.get("type"), {}) if isinstance(types, dict) else {}
        return {
            "success": True,
            "app": app,
            "type": entry.get("type"),
            "config": entry.get("config"),
            "schema": app_type.get("schema", {}) if isinstance(app_type, dict) else {},
        }

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


def _payload_of(body: Payload) -> Json:
    """The command payload of a valid body: the fields the client set. An explicit
    ``null`` goes on, since some mean something (``latitude: null`` forgets the place,
    night mode's ``app: null`` shows what shows); elsewhere it keeps the value, as
    leaving the field out does.

    An AWTRIX payload is sent as the client wrote it: only its top-level nulls go (a
    ``null`` inside ``app`` or a draw command is the client's, for the renderer to judge).
    """
    if isinstance(body, AwtrixPayload | CustomBody):
        return {k: v for k, v in body.model_dump(mode="json").items() if v is not None}
    return body.model_dump(mode="json", exclude_unset=True)


def _success(payload: Json) -> Json:
    return {"success": True, **payload}


def _instance(apps_list: Json, app: str) -> Json:
    instances = apps_list.get("instances", {})
    entry = instances.get(app) if isinstance(instances, dict) else None
    if not isinstance(entry, dict):
        known = ", ".join(apps_list.get("apps", []))
        raise ApiError(
            404, f"unknown app {app!r}; choose one of {known}", [detail(["app"], "unknown app")]
        )
    return entry


def _instance_body(apps_list: Json, app: str) -> Json:
    return {"success": True, "id": app, **_instance(apps_list, app)}


def _strip_config(item: Json) -> Json:
    loc = item.get("loc", [])
    return {**item, "loc": loc[1:]} if loc[:1] == ["config"] and len(loc) > 1 else item
