"""Read the deployment files as Docker Compose and Docker would, for the deploy tests.

Small on purpose: compose's ``${NAME…}`` interpolation, and the few Dockerfile
instructions the tests need (ENV, COPY, ENTRYPOINT, CMD of the final stage).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from retroboard_api.settings import ApiSettings
from retroboard_bridge.settings import BridgeSettings
from retroboard_renderer.settings import MatrixSettings, RealtimeSettings, RendererSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
SERVICES = ("renderer", "api", "bridge")

SETTINGS_MODELS: dict[str, tuple[type[BaseSettings], ...]] = {
    "renderer": (RendererSettings, MatrixSettings, RealtimeSettings),
    "api": (ApiSettings,),
    "bridge": (BridgeSettings,),
}

# Docker Compose's interpolation: ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:?x}, ${NAME?x}.
BRACED = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class InterpolationError(Exception):
    """A ``${NAME:?message}`` whose variable is missing (compose refuses to start)."""


def interpolate(value: str, shell: Mapping[str, str]) -> str:
    """``value`` with every ``${…}`` replaced from ``shell``, as ``docker compose`` does."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        current = shell.get(name)
        unset = current is None
        empty_or_unset = unset or current == ""
        if op is None:
            return current or ""
        missing = empty_or_unset if op.startswith(":") else unset
        if op.endswith("-"):
            return arg if missing else str(current)
        if missing:
            raise InterpolationError(f"required variable {name} is missing a value: {arg}")
        return str(current)

    return BRACED.sub(replace, value)


def settings_fields(service: str) -> dict[str, FieldInfo]:
    """Environment variable → pydantic field, for every setting ``service`` reads."""
    fields = {}
    for model in SETTINGS_MODELS[service]:
        for info in model.model_fields.values():
            if isinstance(info.validation_alias, str):
                fields[info.validation_alias] = info
    return fields


def effective(service: str, environment: Mapping[str, str], name: str) -> str | None:
    """The value ``service`` works with: the variable, else the code's default."""
    if name in environment:
        return environment[name]
    default = settings_fields(service)[name].default
    return None if default is None or not isinstance(default, str | int | float) else str(default)


def load_compose() -> dict[str, Any]:
    """compose.yaml as data."""
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a dict of raw (uninterpolated) strings."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(key): str(value) for key, value in raw.items()}


def referenced_variables(value: str) -> set[str]:
    """The names a value interpolates."""
    return {match["name"] for match in BRACED.finditer(value)}


@dataclass
class Dockerfile:
    """The final stage of a Dockerfile, as far as running its command goes."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)  # path in image → repo path
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: str | None = None
    user: str | None = None
    base_images: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n(?:\s*#[^\n]*\n)*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def exec_form(arguments: str) -> list[str]:
    """A JSON-array ENTRYPOINT/CMD (the only form the images use)."""
    value = json.loads(arguments)
    assert isinstance(value, list), f"not exec form: {arguments}"
    return [str(item) for item in value]


def parse_env(arguments: str) -> dict[str, str]:
    """``ENV A=1 B=2`` (or the legacy ``ENV A 1``)."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def read_dockerfile(path: Path) -> Dockerfile:
    """Parse the final stage of ``path``."""
    result = Dockerfile(path)
    for keyword, arguments in instructions(path.read_text()):
        if keyword == "FROM":
            result = Dockerfile(path, base_images=[*result.base_images, arguments.split()[0]])
        elif keyword == "ENV":
            result.env.update(parse_env(arguments))
        elif keyword == "COPY" and not arguments.startswith("--from"):
            *sources, destination = arguments.split()
            if len(sources) == 1 and not destination.endswith("/"):
                result.copies[destination] = sources[0]
        elif keyword == "ENTRYPOINT":
            result.entrypoint = exec_form(arguments)
        elif keyword == "CMD":
            result.cmd = exec_form(arguments)
        elif keyword == "HEALTHCHECK":
            result.healthcheck = arguments
        elif keyword == "USER":
            result.user = arguments
    return result


def service_dockerfile(service: Mapping[str, Any]) -> Dockerfile:
    """The Dockerfile compose builds a service from."""
    build = service["build"]
    return read_dockerfile(ROOT / build.get("context", ".") / build["dockerfile"])


def service_argv(service: Mapping[str, Any], dockerfile: Dockerfile) -> list[str]:
    """What the container runs: compose's entrypoint/command over the image's."""

    def words(value: str | list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]

    entrypoint = words(service.get("entrypoint"))
    command = words(service.get("command"))
    if entrypoint is not None:  # compose: an entrypoint override drops the image's CMD
        return entrypoint + (command or [])
    return dockerfile.entrypoint + (command if command is not None else dockerfile.cmd)
