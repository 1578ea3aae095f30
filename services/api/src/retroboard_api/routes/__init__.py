"""HTTP routes: board endpoints, fleet endpoints and the dashboard."""

from __future__ import annotations

from retroboard_api.routes.board import BEARER, BEARER_SCHEME, board_blueprint
from retroboard_api.routes.dashboard import SpaPathConverter, dashboard_blueprint
from retroboard_api.routes.fleet import fleet_blueprint

__all__ = [
    "BEARER",
    "BEARER_SCHEME",
    "SpaPathConverter",
    "board_blueprint",
    "dashboard_blueprint",
    "fleet_blueprint",
]
