"""Every error as JSON: ``{"success": false, "error": "...", "details": [...]}``.

Covers our own refusals (:class:`ApiError`), Werkzeug's HTTP errors on any path
(404, 405, 413, …), request-model validation and unexpected exceptions, so a client
never sees an HTML error page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any, NoReturn

from flask import Flask, Request, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from retroboard_api.compact_json import CompactJson

log = logging.getLogger(__name__)

Loc = Sequence[str | int]


class ApiError(Exception):
    """A refused request: HTTP ``status``, a message and ``[{loc, msg}]`` details."""

    def __init__(
        self, status: int, error: str, details: Iterable[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = list(details or [])

    def body(self) -> dict[str, Any]:
        """The JSON body (REST response and Socket.IO ack alike)."""
        return {"success": False, "error": self.error, "details": self.details}


def wsgi_json_error(start_response: Callable[..., Any], status: int, error: str) -> list[bytes]:
    """An error answered by WSGI middleware, before Flask: the same JSON body."""
    body = json.dumps(ApiError(status, error).body()).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def detail(loc: Loc, msg: str) -> dict[str, Any]:
    """One ``{loc, msg}`` entry."""
    return {"loc": list(loc), "msg": msg}


def from_validation(exc: ValidationError, loc_prefix: Loc = ()) -> ApiError:
    """A request model's validation error as 422 (400 when the body is not an object)."""
    errors = exc.errors(include_url=False)
    details = [
        detail([*loc_prefix, *item["loc"]], item["msg"].removeprefix("Value error, "))
        for item in errors
    ]
    if any(not item["loc"] for item in errors):
        return ApiError(400, "the request body must be a JSON object", details)
    first = details[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return ApiError(422, f"{where}: {first['msg']}", details)


class JsonRequest(Request):
    """A request whose JSON problems become our 400/415 errors."""

    # Strict JSON: NaN and deep nesting are ValueErrors, so 400 below (not a 500 from a
    # RecursionError). A property: Flask assigns app.json, whose loads is Python's
    # lenient one, to every request it sets up.
    @property
    def json_module(self) -> Any:
        """The parser of :meth:`get_json`: :class:`CompactJson`, always."""
        return CompactJson

    @json_module.setter
    def json_module(self, _provider: Any) -> None:
        pass

    def on_json_loading_failed(self, e: ValueError | None) -> NoReturn:
        """Raise 415 for a non-JSON content type, 400 for JSON that does not parse."""
        if e is None:
            raise ApiError(
                415,
                f"expected Content-Type: application/json, got {self.mimetype or 'none'}",
            )
        raise ApiError(400, f"malformed JSON: {e}")


def error_response(error: ApiError) -> tuple[Response, int]:
    """The Flask response for ``error``."""
    return jsonify(error.body()), error.status


def validation_error_response(exc: ValidationError) -> Response:
    """flask-openapi3's ``validation_error_callback``: our shape instead of its own."""
    response, status = error_response(from_validation(exc))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error on every path as JSON."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> tuple[Response, int]:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response, int] | HTTPException:
        if error.code is None:  # a proxy for a ready-made response (abort(response))
            return error
        response, status = error_response(ApiError(error.code, _message(error)))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110 §15.5.6: a 405 says which methods the resource has.
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return error_response(ApiError(500, "internal error; see the api log"))


def _message(error: HTTPException) -> str:
    if error.code == 404:
        return f"not found: {request.path}"
    if error.code == 405:
        return f"method {request.method} not allowed on {request.path}"
    if error.code == 413:
        limit = request.max_content_length  # the app's, or an upload route's own
        return f"request body larger than {limit} bytes" if limit else "request body too large"
    return error.description or error.name
