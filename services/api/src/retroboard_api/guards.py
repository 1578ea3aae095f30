"""Checks every ``/api`` request passes before its view: token, then body format."""

from __future__ import annotations

import hmac

from flask import Flask, request

from retroboard_api.errors import ApiError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
OPEN_PATHS = frozenset({"/api/health"})


def register_guards(app: Flask, token: str | None) -> None:
    """Install the checks on ``app``."""
    if token is not None:
        app.before_request(lambda: require_token(token))
    app.before_request(require_json_body)


def require_token(token: str) -> None:
    """401 unless ``Authorization: Bearer <RETROBOARD_API_TOKEN>`` (health stays open)."""
    if not request.path.startswith("/api/") or request.path in OPEN_PATHS:
        return
    if request.method == "OPTIONS":
        return  # CORS preflights carry no credentials
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise ApiError(401, "a valid bearer token is required (Authorization: Bearer …)")


def require_json_body() -> None:
    """A request body must be JSON: 413 too large, 415 another type, 400 malformed.

    Runs before flask-openapi3's validation, which would read both as "no body".
    A POST without any body (``curl -X POST …/stop``) passes.
    """
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    data = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if not data and not request.mimetype:
        return
    request.get_json()  # JsonRequest turns failures into 415 / 400
