"""The built dashboard (web/dist) at ``/``, with the single-page-app fallback."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from retroboard_api.errors import ApiError

ASSET_MAX_AGE = 365 * 24 * 3600  # Vite puts a content hash in every asset name


class SpaPathConverter(PathConverter):
    """Any path but ``/api/…``: unknown API paths stay JSON 404/405, not the SPA."""

    regex = r"(?!api(?:/|$))[^/].*?"


def dashboard_blueprint(dist: Path | None) -> Blueprint:
    """Serve ``dist`` when it holds a build; else ``/`` is a JSON 404."""
    bp = Blueprint("dashboard", __name__)
    built = dist is not None and (dist / "index.html").is_file()

    if not built:

        @bp.get("/")
        def not_built() -> Response:
            """No build to serve."""
            raise ApiError(404, "dashboard not built")

        return bp

    assert dist is not None
    root = dist.resolve()

    @bp.get("/")
    @bp.get("/<spa:path>")
    def serve(path: str = "") -> Response:
        """A file of the build, else ``index.html`` (client-side routes).

        A path that leaves the build (``..``, ``%2f`` decoded to ``/``) is 404 before
        anything looks at the disk, so the answer cannot tell which files exist.
        """
        if path and safe_join(str(root), path) is None:
            raise ApiError(404, "not found")
        if path and (root / path).is_file():
            max_age = ASSET_MAX_AGE if path.startswith("assets/") else None
            return send_from_directory(root, path, max_age=max_age)
        response = send_from_directory(root, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    return bp
