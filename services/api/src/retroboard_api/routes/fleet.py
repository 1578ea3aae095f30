"""REST endpoints about every board: health and the board list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from retroboard_api.board_pages import board_page, find, iso_utc
from retroboard_api.routes.board import check_board, security
from retroboard_api.runtime import current_runtime
from retroboard_api.schemas import (
    BoardPath,
    BoardsQuery,
    BoardsResponse,
    ErrorResponse,
    HealthResponse,
)
from retroboard_common.board_mirror import BoardSummaries, BoardSummary

Json = dict[str, Any]


def _summaries() -> BoardSummaries:
    """Every board seen, plus the default board even before it published anything."""
    runtime = current_runtime()
    return runtime.cache.summaries(also=runtime.settings.board_id)


def _health(boards: Sequence[BoardSummary]) -> Json:
    mqtt = current_runtime().mqtt
    healthy = mqtt.connected and all(
        board.online and (board.health is None or board.health.store == "ok") for board in boards
    )
    return {
        "success": True,
        "status": "ok" if healthy else "degraded",
        "mqtt": {"connected": mqtt.connected, "broker": mqtt.url.redacted()},
        "boards": {
            board.board_id: {
                "online": board.online,
                "last_seen": iso_utc(board.last_seen),
                "store": board.health.store if board.health else None,
                "store_error": board.health.error if board.health else None,
            }
            for board in boards
        },
    }


def get_health() -> Json:
    """Broker connection and every board's renderer; always 200, ``status`` tells."""
    return _health(_summaries())


def get_board_health(path: BoardPath) -> Json:
    """Broker connection and this board's renderer; always 200 for a known board."""
    board = find(_summaries(), path.board)
    return _health([] if board is None else [board])


def get_boards(query: BoardsQuery) -> Json:
    """A page of the boards seen (and the default board), by id prefix and online."""
    page = board_page(_summaries(), **query.model_dump())
    boards = [
        {"id": board.board_id, "online": board.online, "last_seen": iso_utc(board.last_seen)}
        for board in page.boards
    ]
    return {"success": True, "boards": boards, "total": page.total, "next": page.next}


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
        responses={200: BoardsResponse, **auth, 422: ErrorResponse},
        summary=get_boards.__doc__,
        security=security(secured),
    )(get_boards)
    return bp
