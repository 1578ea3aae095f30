"""The OpenAPI application class: flask-openapi3 plus a tidy-up of the document."""

from __future__ import annotations

import re
from typing import Any, Final

from flask_openapi3.openapi import OpenAPI
from pydantic import BaseModel

from retroboard_api.schemas import ConfigFields
from retroboard_common.app_catalog import APP_CONFIGS
from retroboard_common.custom_apps import CustomAppConfig, NotificationConfig
from retroboard_common.models import SwitchBody

FLASK_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
TEMPLATE_VARIABLE = re.compile(r"{(\w+)}")
REF_TEMPLATE: Final = "#/components/schemas/{model}"
PUSH_BODIES: Final[dict[str, tuple[type[BaseModel], bool]]] = {
    "custom": (CustomAppConfig, True),
    "notify": (NotificationConfig, False),
}
"""Last path segment of an AWTRIX 3 push → its payload model, and whether an array of
them is allowed."""


class RetroBoardOpenAPI(OpenAPI):
    """flask-openapi3's ``OpenAPI`` with path templates and parameters kept in step.

    The board views are registered twice (``/api/boards/<board>/…`` and ``/api/…`` for
    the default board) with one path model. flask-openapi3 leaves a blueprint prefix's
    ``<board>`` in Flask syntax, and the unprefixed copies would list a ``board``
    parameter their path does not have. It also adds its own 422 (a list of pydantic
    errors) to operations that do not declare one, which this api never sends: every
    422 it sends is declared, as ``ErrorResponse``. All three are fixed here, and the
    app configs inside other bodies get their app's schema.
    """

    def generate_spec_json(self) -> None:
        """Build the document, then fix path templates and path parameters."""
        super().generate_spec_json()  # type: ignore[no-untyped-call]
        paths: dict[str, dict[str, Any]] = {
            FLASK_VARIABLE.sub(r"{\1}", path): item
            for path, item in self.spec_json.get("paths", {}).items()
        }
        for path, item in paths.items():
            names = set(TEMPLATE_VARIABLE.findall(path))
            for operation in item.values():
                if not isinstance(operation, dict):
                    continue
                operation["parameters"] = [
                    parameter
                    for parameter in operation.get("parameters", [])
                    if parameter.get("in") != "path" or parameter.get("name") in names
                ]
                responses = operation.get("responses", {})
                if _is_generated_422(responses.get("422")):
                    del responses["422"]
        self.spec_json["paths"] = paths
        components = self.spec_json.setdefault("components", {})
        _push_bodies(paths, components.setdefault("schemas", {}))
        _configs_per_app(components.get("schemas", {}))
        components.get("schemas", {}).pop(self.validation_error_model.__name__, None)
        if components.get("securitySchemes") is None:
            components.pop("securitySchemes", None)


def _is_generated_422(response: Any) -> bool:
    """Whether ``response`` is flask-openapi3's default 422 (a list of pydantic errors)."""
    if not isinstance(response, dict):
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("type") == "array")


def _push_bodies(paths: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> None:
    """Document the bodies of ``POST …/custom`` and ``…/notify``: AWTRIX 3's JSON, which
    the views take raw (the renderer validates it) and flask-openapi3 cannot see."""
    for path, item in paths.items():
        segment = path.rsplit("/", 1)[-1]
        operation = item.get("post")
        if segment not in PUSH_BODIES or not isinstance(operation, dict):
            continue
        model, arrays = PUSH_BODIES[segment]
        one = _component(schemas, model)
        schema: dict[str, Any] = one
        if arrays:
            schema = {
                "anyOf": [one, {"type": "array", "items": one}],
                "description": "One app, or an array of N apps (<name>0 … <name>N-1); "
                "an empty body or {} deletes the app (and <name>0 …)",
            }
        operation["requestBody"] = {
            "required": False,
            "description": "AWTRIX 3's JSON, at most 256 KiB (a base64 icon included); keys "
            "RetroBoard does not use are accepted and answered in `ignored`",
            "content": {"application/json": {"schema": schema}},
        }


def _component(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """A reference to ``model``'s schema, added to the components (with its own
    definitions) the first time."""
    name = model.__name__
    if name not in schemas:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        for definition_name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(definition_name, definition)
        # Unknown keys are accepted (and answered as ignored), unlike the model's own.
        schema.pop("additionalProperties", None)
        schemas[name] = schema
    return {"$ref": REF_TEMPLATE.format(model=name)}


def _configs_per_app(schemas: dict[str, Any]) -> None:
    """Say where a config's schema is the app's: in ``switch`` (by its ``app``) and in the
    legacy ``POST /api/config`` (the app showing). Each app's config model is a
    component already (its own config endpoint); the renderer checks every config, so
    an app the api does not know is answered the same way."""
    refs = {
        app: {"$ref": f"#/components/schemas/{model.__name__}"}
        for app, model in APP_CONFIGS.items()
    }
    switch = schemas.get(SwitchBody.__name__)
    if switch is not None:
        switch["oneOf"] = [
            {"properties": {"app": {"const": app}, "config": {"anyOf": [ref, {"type": "null"}]}}}
            for app, ref in refs.items()
        ] + [{"properties": {"app": {"not": {"enum": list(refs)}}}}]
    current = schemas.get(ConfigFields.__name__)
    if current is not None:
        current["anyOf"] = list(refs.values())
