"""REST endpoints of one board.

The same views are registered twice: under ``/api/boards/<board>`` and under ``/api``
with the default board filled in (``url_defaults``), so the unprefixed paths mean the
default board. Views are thin: validation is flask-openapi3's, work is
:class:`~retroboard_api.actions.BoardActions`'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from flask import Response, request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.file import FileStorage
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from retroboard_api.actions import BoardActions
from retroboard_api.errors import ApiError
from retroboard_api.runtime import current_runtime
from retroboard_api.schemas import (
    STATE_RESPONSES,
    AppConfigResponse,
    AppInstanceResponse,
    AssetResponse,
    BoardAppPath,
    BoardAssetPath,
    BoardPath,
    ConfigFields,
    CustomQuery,
    CustomResponse,
    ErrorResponse,
    NotifyResponse,
)
from retroboard_common.app_catalog import APP_CONFIGS
from retroboard_common.app_configs import AppConfig
from retroboard_common.contract import STATES, VERBS, State, Verb
from retroboard_common.custom_apps import CUSTOM_TYPE
from retroboard_common.models import AssetName, AwtrixPayload, CreateAppBody

Json = dict[str, Any]
Responses = dict[str | int, type[BaseModel] | dict[str, Any] | None]

READ_ERRORS: Responses = {404: ErrorResponse, 503: ErrorResponse}
COMMAND_ERRORS: Responses = {
    400: ErrorResponse,
    404: ErrorResponse,
    409: ErrorResponse,
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


def read_view(state: State) -> Callable[[BoardPath], Json]:
    """``GET <state.path>``: the state payload with ``success``."""

    def view(path: BoardPath) -> Json:
        return actions().read(path.board, state.name)

    view.__name__ = f"get_{state.name}"
    view.__doc__ = state.model.__doc__
    return view


def command_view(verb: Verb) -> Callable[..., Json]:
    """``POST <verb.path>``: the body is the verb's (none when it has no fields)."""
    model = verb.body
    if not model.model_fields:

        def view(path: BoardPath) -> Json:
            return actions().command(path.board, verb.name, model())

    else:

        def view(path: BoardPath, body: Any) -> Json:  # type: ignore[misc]
            return actions().command(path.board, verb.name, body)

        # flask-openapi3 validates and documents the body by this annotation.
        view.__annotations__ = {"path": BoardPath, "body": model, "return": Json}
    view.__name__ = f"post_{verb.name}"
    view.__doc__ = model.__doc__
    return view


def push_body(*, arrays: bool) -> Any:
    """The JSON body of an AWTRIX 3 push as it came: ``None`` when empty (the guards
    checked it parses and fits :data:`~retroboard_common.models.MAX_PUSH_BYTES`)."""
    if not request.get_data(cache=True).strip():
        return None
    value = request.get_json()
    if isinstance(value, dict) or value is None or (arrays and isinstance(value, list)):
        return value
    wanted = "a JSON object or an array of objects" if arrays else "a JSON object"
    raise ApiError(400, f"the request body must be {wanted} (AWTRIX 3's JSON)")


def post_custom(path: BoardPath, query: CustomQuery) -> Json:
    """Create or update the custom app ``name`` from AWTRIX 3's custom-app JSON (an array
    of N objects: ``<name>0`` … ``<name>N-1``); an empty body or ``{}`` deletes it (and
    ``<name>0`` …)."""
    return actions().push_custom(path.board, query.name, push_body(arrays=True))


def push_view(verb: Verb) -> Callable[[BoardPath], Json]:
    """``POST <verb.path>`` of a verb whose body is AWTRIX 3's JSON object, taken as it
    came (extra keys included; an empty body is ``{}``)."""
    model = verb.body

    def view(path: BoardPath) -> Json:
        data = push_body(arrays=False)
        return actions().command(path.board, verb.name, model.model_validate(data or {}))

    view.__name__ = f"post_{verb.name}"
    view.__doc__ = model.__doc__
    return view


def get_app_config(path: BoardAppPath) -> Json:
    """One app's saved config and its JSON Schema."""
    return actions().app_config(path.board, path.app)


def post_app_config(path: BoardAppPath, body: ConfigFields) -> Json:
    """Merge config fields into an app's config (applied live if it is showing)."""
    return actions().configure_app(path.board, path.app, body.root)


def app_config_views(app: str, model: type[AppConfig]) -> tuple[Callable[..., Json], ...]:
    """``GET`` and ``POST /apps/<app>/config`` of one built-in app, documented with the
    app's own config schema."""

    def get_view(path: BoardPath) -> Json:
        return actions().app_config(path.board, app)

    def post_view(path: BoardPath, body: Any) -> Json:
        # Only the fields sent are merged: the model's defaults must not reset the rest.
        return actions().configure_app(path.board, app, body.model_dump(exclude_unset=True))

    post_view.__annotations__ = {"path": BoardPath, "body": model, "return": Json}
    for view, method in ((get_view, "get"), (post_view, "post")):
        view.__name__ = f"{method}_{app}_config"
    get_view.__doc__ = f"``{app}``'s saved config and its JSON Schema."
    post_view.__doc__ = f"Merge fields into ``{app}``'s config: {model.__doc__}"
    return get_view, post_view


def get_app(path: BoardAppPath) -> Json:
    """One app instance: its type, config, and how its data fetching goes (``stale``,
    ``error``)."""
    return actions().app_instance(path.board, path.app)


def post_app(path: BoardPath, body: CreateAppBody) -> tuple[Json, int]:
    """Add an app instance of a type (``GET /api/app-types`` lists them)."""
    return actions().create_app(path.board, body), 201


def delete_app(path: BoardAppPath) -> Json:
    """Remove an app instance (the three original apps cannot be removed)."""
    return actions().delete_app(path.board, path.app)


def _form_text(value: object) -> object:
    # flask-openapi3 reads form fields as JSON where they parse ("12", "true"); a name
    # is text either way.
    return value if value is None or isinstance(value, str) else json.dumps(value)


class AssetUploadForm(BaseModel):
    """An image upload: the file, and optionally its name in the library."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    file: FileStorage = Field(description="PNG, GIF, JPEG, WebP or BMP, at most 1 MiB")
    name: Annotated[AssetName | None, BeforeValidator(_form_text)] = Field(
        None, description="Defaults to the file name's stem, lower-cased"
    )


def post_asset(path: BoardPath, form: AssetUploadForm) -> tuple[Json, int]:
    """Store an image in the board's library (replacing one of the same name)."""
    name = form.name or name_from_filename(form.file.filename or "")
    return actions().upload_asset(path.board, name, form.file.read()), 201


def name_from_filename(filename: str) -> str:
    """``My Photo.PNG`` → ``my-photo``: the stem, lower-cased, other characters as ``-``."""
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0].lower()
    return re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-_")[:64] or "image"


def get_asset(path: BoardAssetPath) -> Response:
    """The stored file of an image, with its content type."""
    data, content_type = actions().asset_file(path.board, path.name)
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "no-cache"
    return response


def delete_asset(path: BoardAssetPath) -> Json:
    """Remove an image from the library (409 while an app instance uses it)."""
    return actions().delete_asset(path.board, path.name)


def post_current_config(path: BoardPath, body: ConfigFields) -> Json:
    """Merge config fields into the current app's config (legacy)."""
    return actions().configure_current(path.board, body.root)


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

    def read(rule: str, view: Any, model: type[BaseModel], *, documented: bool = True) -> None:
        responses = {200: model, **read_auth, **READ_ERRORS}
        auth = security(secured_reads)
        bp.get(rule, responses=responses, summary=view.__doc__, security=auth, doc_ui=documented)(
            view
        )

    def command(
        rule: str,
        view: Any,
        model: type[BaseModel],
        *,
        documented: bool = True,
        also: Responses | None = None,
    ) -> None:
        responses = {200: model, **command_auth, **COMMAND_ERRORS, **(also or {})}
        auth = security(secured)
        bp.post(rule, responses=responses, summary=view.__doc__, security=auth, doc_ui=documented)(
            view
        )

    for state in STATES.values():
        read(state.path, read_view(state), STATE_RESPONSES[state.name])
    for verb in VERBS.values():
        if verb.path is None or verb.answers is None:
            continue
        if issubclass(verb.body, AwtrixPayload):  # /notify: 429 when the queue is full
            command(verb.path, push_view(verb), NotifyResponse, also={429: ErrorResponse})
        else:
            command(verb.path, command_view(verb), STATE_RESPONSES[verb.answers])
    command("/custom", post_custom, CustomResponse)
    for app, model in APP_CONFIGS.items():
        if app == CUSTOM_TYPE:
            # No instance is called "custom" (the renderer refuses the name): custom apps
            # are pushed (/custom) and configured under their own name, like any app.
            continue
        get_view, post_view = app_config_views(app, model)
        read(f"/apps/{app}/config", get_view, AppConfigResponse)
        command(f"/apps/{app}/config", post_view, AppConfigResponse)
    # Any other app a renderer has (e.g. a newer renderer's): the same, unchecked here.
    read("/apps/<app>/config", get_app_config, AppConfigResponse, documented=False)
    command("/apps/<app>/config", post_app_config, AppConfigResponse, documented=False)
    command("/config", post_current_config, STATE_RESPONSES["current_app"])

    def route(method: str, rule: str, view: Any, ok: Responses, *, reading: bool) -> None:
        """One of the app-instance and library routes: ``ok`` plus the errors of a
        read (and 422 for a bad path) or of a command."""
        if reading:
            errors = {**read_auth, **READ_ERRORS, 422: ErrorResponse}
        else:
            errors = {**command_auth, **COMMAND_ERRORS}
        auth = security(secured_reads if reading else secured)
        register = getattr(bp, method)
        register(rule, responses={**ok, **errors}, summary=view.__doc__, security=auth)(view)

    route("post", "/apps", post_app, {201: AppInstanceResponse}, reading=False)
    route("get", "/apps/<app>", get_app, {200: AppInstanceResponse}, reading=True)
    route("delete", "/apps/<app>", delete_app, {200: STATE_RESPONSES["apps_list"]}, reading=False)
    route("post", "/assets", post_asset, {201: AssetResponse}, reading=False)
    # The file comes from the renderer, so it may time out (504), unlike a cached read.
    image: Responses = {200: {"content": {"image/*": {}}}, 504: ErrorResponse}
    route("get", "/assets/<name>", get_asset, image, reading=True)
    removed: Responses = {200: STATE_RESPONSES["assets"]}
    route("delete", "/assets/<name>", delete_asset, removed, reading=False)
    return bp
