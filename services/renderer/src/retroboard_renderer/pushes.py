"""AWTRIX 3 pushes made ready for the board: names, arrays, embedded icons, errors.

Everything here checks; nothing changes the board. A push that is refused is refused
before anything is stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from retroboard_common.commands import CommandError
from retroboard_common.custom_apps import (
    CUSTOM_TYPE,
    CustomAppConfig,
    CustomPayloadError,
    decode_base64_icon,
    library_icon_name,
)
from retroboard_common.models import ErrorDetail

ConfigT = TypeVar("ConfigT", bound=CustomAppConfig)
Parser = Callable[[dict[str, Any]], tuple[ConfigT, list[str]]]

NAME_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,61}$")
ICON_PREFIX: Final = "icon-"
"""Embedded icons are stored in the library as ``icon-<hash of the image>``: the same
picture pushed again (AWTRIX automations resend it with every update) is written once."""


@dataclass(frozen=True)
class EmbeddedIcon:
    """A base64 icon of a push, to store in the library under ``name``."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ParsedPush:
    """One validated custom app or notification of a push."""

    config: CustomAppConfig
    ignored: list[str]
    icon: EmbeddedIcon | None


def custom_app_id(name: str) -> str:
    """The instance id of custom app ``name`` (``Solar`` → ``solar``), checked."""
    if not NAME_PATTERN.match(name):
        raise CommandError(
            "invalid",
            f"name: {name!r} is not a custom app name (letters, digits, '_', '-'; "
            "at most 62 characters)",
            [ErrorDetail(loc=["name"], msg="not a custom app name")],
        )
    if name.lower() == CUSTOM_TYPE:
        # The type's own config routes (``/apps/custom/config``) would shadow the app's.
        raise CommandError(
            "conflict",
            "name: 'custom' is the app type; give the custom app a name of its own",
            [ErrorDetail(loc=["name"], msg="reserved name")],
        )
    return name.lower()


def parse_push(parse: Parser[ConfigT], data: object, prefix: list[str | int]) -> ParsedPush:
    """Validate one AWTRIX object with ``parse``; an embedded icon is named after its
    bytes (stored later, once the whole push is valid)."""
    if not isinstance(data, dict):
        raise CommandError(
            "invalid",
            "a custom app or notification is a JSON object",
            [ErrorDetail(loc=[*prefix] or ["app"], msg="not a JSON object")],
        )
    data = {key: value for key, value in data.items() if key != "transaction"}
    icon: EmbeddedIcon | None = None
    value = data.get("icon")
    try:
        library_name = library_icon_name(value) if isinstance(value, str) else None
        if library_name is not None:
            data["icon"] = library_name
        elif isinstance(value, str) and value:
            image = decode_base64_icon(value)
            name = ICON_PREFIX + hashlib.sha256(image).hexdigest()[:16]
            icon = EmbeddedIcon(name, image)
            data["icon"] = name
        config, ignored = parse(data)
    except CustomPayloadError as exc:
        details = [ErrorDetail(loc=[*prefix, *d.loc], msg=d.msg) for d in exc.details]
        raise CommandError("invalid", exc.message, details) from None
    return ParsedPush(config, ignored, icon)


def is_empty(payload: object) -> bool:
    """Whether a push deletes its app: an empty body, ``{}``, ``[]`` or ``null``."""
    return payload is None or payload == "" or payload == {} or payload == []


def array_member(base: str, instance: str) -> bool:
    """Whether ``instance`` is one of the apps an array push to ``base`` made."""
    return bool(re.fullmatch(re.escape(base) + r"\d+", instance))
