"""Checks every ``/api`` request passes before its view: origin, token, then body format."""

from __future__ import annotations

import hmac
import re
from typing import Final

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from retroboard_api.errors import ApiError
from retroboard_api.origins import OriginPolicy
from retroboard_common.models import MAX_ASSET_BYTES, MAX_PUSH_BYTES

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
READ_METHODS = frozenset({"GET", "HEAD"})
OPEN_PATHS = frozenset({"/api/health"})
UPLOAD_PATH: Final = re.compile(r"^/api(/boards/[^/]+)?/assets$")
MAX_UPLOAD_BODY: Final = MAX_ASSET_BYTES + 64 * 1024
"""An image upload's whole multipart body: the file and the form's own bytes."""
PUSH_PATH: Final = re.compile(r"^/api(/boards/[^/]+)?/(custom|notify)$")
"""AWTRIX 3 pushes: a custom app or a notification, up to :data:`MAX_PUSH_BYTES` (a
base64 icon included), whatever the app-wide body limit."""
EMPTY_BODY_PATH: Final = re.compile(
    r"^/api(/boards/[^/]+)?/(custom|notify|notify/dismiss|nextapp|previousapp)$"
)
"""AWTRIX 3's routes, whose clients send an empty body with a JSON content type."""


def register_guards(
    app: Flask,
    token: str | None,
    public_reads: bool = False,
    origins: OriginPolicy | None = None,
) -> None:
    """Install the checks on ``app``.

    ``origins``: refuse requests a browser sends from another origin (403);
    ``token``: require it (401), except for GETs when ``public_reads``.
    """
    if origins is not None:
        policy = origins
        app.before_request(lambda: require_allowed_origin(policy))
    if token is not None:
        secret = token
        app.before_request(lambda: require_token(secret, public_reads))
    app.before_request(require_json_body)


def require_allowed_origin(policy: OriginPolicy) -> None:
    """403 when a browser on a disallowed origin calls ``/api`` (preflights included).

    Requests without an ``Origin`` header (curl, scripts, same-origin GETs) pass: the
    header is what browsers send for cross-site requests, and the token covers the rest.
    """
    origin = request.headers.get("Origin")
    if origin is None or not request.path.startswith("/api/"):
        return
    if not policy(origin, request.environ):
        raise ApiError(403, f"origin {origin!r} is not allowed (RETROBOARD_CORS_ORIGINS)")


def require_token(token: str, public_reads: bool = False) -> None:
    """401 unless ``Authorization: Bearer <RETROBOARD_API_TOKEN>`` (health stays open;
    GETs too when ``public_reads``)."""
    if not request.path.startswith("/api/") or request.path in OPEN_PATHS:
        return
    if request.method == "OPTIONS":
        return  # CORS preflights carry no credentials
    if public_reads and request.method in READ_METHODS:
        return
    check_bearer(token)


def check_bearer(token: str) -> None:
    """401 unless this request carries ``Authorization: Bearer <token>``."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise ApiError(401, "a valid bearer token is required (Authorization: Bearer …)")


def require_json_body() -> None:
    """A request body must be JSON: 413 too large (with a length or chunked), 415
    another type, 400 malformed.

    Runs before flask-openapi3's validation, which would read both as "no body".
    A POST without any body (``curl -X POST …/stop``) passes.
    """
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    if request.method == "POST" and UPLOAD_PATH.match(request.path):
        require_upload()
        return
    if request.method == "POST" and PUSH_PATH.match(request.path):
        request.max_content_length = MAX_PUSH_BYTES
    data = request.get_data(cache=True)  # raises 413 past the limit
    limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
    # A chunked body has no length to check up front, and Werkzeug stops reading it at
    # the limit without a word: whatever still follows makes it too large.
    chunked = request.content_length is None
    if chunked and len(data) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    if not data and not request.mimetype:
        return
    if not data.strip() and EMPTY_BODY_PATH.match(request.path):
        return  # AWTRIX's "empty payload/body" (delete, dismiss…), even sent as JSON
    request.get_json()  # JsonRequest turns failures into 415 / 400


def require_upload() -> None:
    """An image upload is ``multipart/form-data`` (415 otherwise) of at most
    :data:`MAX_UPLOAD_BODY` bytes (413; the file itself is checked by the renderer)."""
    request.max_content_length = MAX_UPLOAD_BODY
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "upload an image as multipart/form-data, in the field `file`")
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BODY:
        raise RequestEntityTooLarge()
