"""REST endpoints about every board: health and the board list."""

from __future__ import annotations

from typing import Any

from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from retroboard_api.cache import BoardRecord
from retroboard_api.routes.board import check_board, security
from retroboard_api.runtime import current_runtime
from retroboard_api.schemas import BoardPath, BoardsResponse, ErrorResponse, HealthResponse

Json = dict[str, Any]


def _records() -> list[BoardRecord]:
    """Every board seen, plus the default board even before it published anything."""
    runtime = current_runtime()
    records = runtime.cache.boards()
    default = runtime.settings.board_id
    if all(record.board_id != default for record in records):
        records.append(BoardRecord(default))
    return sorted(records, key=lambda record: record.board_id)


def _health(records: list[BoardRecord]) -> Json:
    mqtt = current_runtime().mqtt
    healthy = mqtt.connected and all(
        record.online and (record.health is None or record.health.store == "ok")
        for record in records
    )
    return {
        "success": True,
        "status": "ok" if healthy else "degraded",
        "mqtt": {"connected": mqtt.connected, "broker": mqtt.url.redacted()},
        "boards": {
            record.board_id: {
                "online": record.online,
                "last_seen": record.last_seen_iso,
                "store": record.health.store if record.health else None,
                "store_error": record.health.error if record.health else None,
            }
            for record in records
        },
    }


def get_health() -> Json:
    """Broker connection and every board's renderer; always 200, ``status`` tells."""
    return _health(_records())


def get_board_health(path: BoardPath) -> Json:
    """Broker connection and this board's renderer; always 200 for a known board."""
    return _health([r for r in _records() if r.board_id == path.board])


def get_boards() -> Json:
    """Every board seen on the broker (and the default board)."""
    boards = [
        {"id": record.board_id, "online": record.online, "last_seen": record.last_seen_iso}
        for record in _records()
    ]
    return {"success": True, "boards": boards}


def fleet_blueprint(*, secured: bool = False) -> APIBlueprint:
    """A blueprint with the fleet endpoints under ``/api`` (health is always open).

    ``secured``: these reads need the token (RETROBOARD_API_TOKEN set, reads not public).
    """
    bp = APIBlueprint("fleet", __name__, url_prefix="/api", abp_tags=[Tag(name="fleet")])
    bp.before_request(check_board)
    auth: dict[str | int, Any] = {401: ErrorResponse} if secured else {}
    bp.get("/health", responses={200: HealthResponse}, summary=get_health.__doc__)(get_health)
    bp.get(
        "/boards/<board>/health",
        responses={200: HealthResponse, **auth, 404: ErrorResponse},
        summary=get_board_health.__doc__,
        security=security(secured),
    )(get_board_health)
    bp.get(
        "/boards",
        responses={200: BoardsResponse, **auth},
        summary=get_boards.__doc__,
        security=security(secured),
    )(get_boards)
    return bp
