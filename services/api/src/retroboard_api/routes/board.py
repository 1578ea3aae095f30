"""REST endpoints of one board.

The same views are registered twice: under ``/api/boards/<board>`` and under ``/api``
with the default board filled in (``url_defaults``), so the unprefixed paths mean the
default board. Views are thin: validation is flask-openapi3's, work is
:class:`~retroboard_api.actions.BoardActions`'.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel

from retroboard_api.actions import BoardActions
from retroboard_api.runtime import current_runtime
from retroboard_api.schemas import (
    AppConfigResponse,
    AppsResponse,
    BoardAppPath,
    BoardPath,
    CarouselBody,
    CarouselResponse,
    ConfigBody,
    CurrentResponse,
    ErrorResponse,
    SettingsBody,
    SettingsResponse,
    SwitchBody,
)

Json = dict[str, Any]
Responses = dict[str | int, type[BaseModel] | dict[str, Any] | None]

READ_ERRORS: Responses = {404: ErrorResponse, 503: ErrorResponse}
COMMAND_ERRORS: Responses = {
    400: ErrorResponse,
    404: ErrorResponse,
    413: ErrorResponse,
    415: ErrorResponse,
    422: ErrorResponse,
    500: ErrorResponse,
    503: ErrorResponse,
    504: ErrorResponse,
}


BEARER = "bearer"
BEARER_SCHEME = {"type": "http", "scheme": "bearer"}


def security(secured: bool) -> list[dict[str, list[str]]]:
    """The OpenAPI security requirement of an operation."""
    return [{BEARER: []}] if secured else []


def actions() -> BoardActions:
    """The app's :class:`BoardActions`."""
    return current_runtime().actions


def check_board() -> None:
    """404 for an unknown ``<board>`` before any validation (a ``before_request`` hook)."""
    board = (request.view_args or {}).get("board")
    if isinstance(board, str):
        actions().require_board(board)


# --- views ---------------------------------------------------------------------------


def get_apps(path: BoardPath) -> Json:
    """List the apps with their descriptions, config schemas and configs."""
    return actions().apps(path.board)


def get_current(path: BoardPath) -> Json:
    """The app showing now and its config (``app`` null when stopped)."""
    return actions().current(path.board)


def post_switch(path: BoardPath, body: SwitchBody) -> Json:
    """Show an app; ``config`` is merged into its saved config first."""
    return actions().switch(path.board, body)


def post_stop(path: BoardPath) -> Json:
    """Blank the display (also stops a running carousel)."""
    return actions().stop(path.board)


def get_app_config(path: BoardAppPath) -> Json:
    """One app's saved config and its JSON Schema."""
    return actions().app_config(path.board, path.app)


def post_app_config(path: BoardAppPath, body: ConfigBody) -> Json:
    """Merge config fields into an app's config (applied live if it is showing)."""
    return actions().configure_app(path.board, path.app, body.root)


def post_current_config(path: BoardPath, body: ConfigBody) -> Json:
    """Merge config fields into the current app's config (legacy)."""
    return actions().configure_current(path.board, body.root)


def get_settings(path: BoardPath) -> Json:
    """Board-wide settings."""
    return actions().settings(path.board)


def post_settings(path: BoardPath, body: SettingsBody) -> Json:
    """Set the brightness (0–100)."""
    return actions().set_settings(path.board, body)


def get_carousel(path: BoardPath) -> Json:
    """The carousel: enabled, its apps with durations, and the current position."""
    return actions().carousel(path.board)


def post_carousel(path: BoardPath, body: CarouselBody) -> Json:
    """Change the carousel; omitted fields keep their value."""
    return actions().set_carousel(path.board, body)


def post_carousel_next(path: BoardPath) -> Json:
    """Skip the running carousel to its next app."""
    return actions().next(path.board)


def board_blueprint(
    name: str, tag: Tag, *, secured: bool = False, public_reads: bool = False
) -> APIBlueprint:
    """A blueprint with every board endpoint (register it with a ``url_prefix``).

    ``secured``: RETROBOARD_API_TOKEN is set, so document the bearer token and 401;
    ``public_reads``: the GET endpoints are open all the same.
    """
    bp = APIBlueprint(name, __name__, abp_tags=[tag])
    bp.before_request(check_board)
    secured_reads = secured and not public_reads
    read_auth: Responses = {401: ErrorResponse} if secured_reads else {}
    command_auth: Responses = {401: ErrorResponse} if secured else {}

    def read(rule: str, view: Any, model: type[BaseModel]) -> None:
        responses = {200: model, **read_auth, **READ_ERRORS}
        bp.get(rule, responses=responses, summary=view.__doc__, security=security(secured_reads))(
            view
        )

    def command(rule: str, view: Any, model: type[BaseModel]) -> None:
        responses = {200: model, **command_auth, **COMMAND_ERRORS}
        bp.post(rule, responses=responses, summary=view.__doc__, security=security(secured))(view)

    read("/apps", get_apps, AppsResponse)
    read("/current", get_current, CurrentResponse)
    command("/switch", post_switch, CurrentResponse)
    command("/stop", post_stop, CurrentResponse)
    read("/apps/<app>/config", get_app_config, AppConfigResponse)
    command("/apps/<app>/config", post_app_config, AppConfigResponse)
    command("/config", post_current_config, CurrentResponse)
    read("/settings", get_settings, SettingsResponse)
    command("/settings", post_settings, SettingsResponse)
    read("/carousel", get_carousel, CarouselResponse)
    command("/carousel", post_carousel, CarouselResponse)
    command("/carousel/next", post_carousel_next, CarouselResponse)
    return bp
