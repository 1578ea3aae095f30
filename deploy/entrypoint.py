#!/usr/bin/env python3
"""Entrypoint of the RetroBoard service images: settle the environment, then run the service.

compose.yaml writes settings as ``${NAME:-default}``. Docker Compose substitutes them
from the shell or ``.env``; balena does not substitute at all (its compose support
lists "variable substitution" as unsupported), so on balena the service would see the
expression itself. This entrypoint expands what is left, with the same rules, from the
container's environment, where balena puts the fleet and device variables:

- ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}``, ``${NAME:?message}`` and
  ``${NAME?message}`` as Docker Compose reads them (no nesting, no ``$NAME``).
- A variable whose own value is still an expression was not given by the platform:
  it counts as unset, like a variable missing from the shell under Docker Compose.
- A RetroBoard setting left empty is removed, so the service's own default applies
  (``${RETROBOARD_API_TOKEN:-}`` means "no token", not "the empty token").
- No board id given: the balena device name (``BALENA_DEVICE_NAME_AT_INIT``) when there
  is one, else ``retroboard`` (a container's hostname is a random id).

Then it replaces itself with the command given as arguments. Standard library only:
it runs before anything else in every image.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

PROGRAM = "retroboard-entrypoint"
EXPRESSION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SETTING_PREFIXES = ("MQTT_", "RETROBOARD_", "MATRIX_", "SOCKETIO_")
BOARD_ID = "RETROBOARD_BOARD_ID"
DEVICE_NAME = "BALENA_DEVICE_NAME_AT_INIT"
FALLBACK_BOARD_ID = "retroboard"


class MissingSetting(Exception):
    """A ``${NAME:?message}`` whose variable is not set."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"invalid setting {name}: {message or 'required'}")


def is_expression(value: str) -> bool:
    """Whether ``value`` still holds a compose expression nobody substituted."""
    return EXPRESSION.search(value) is not None


def expand(value: str, given: Mapping[str, str]) -> str:
    """Substitute every ``${…}`` in ``value`` from ``given`` as Docker Compose would."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        current = given.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op is None:
            return current or ""
        if op.endswith("-"):
            return arg if missing else str(current)
        if missing:
            raise MissingSetting(name, arg)
        return str(current)

    return EXPRESSION.sub(substitute, value)


def settle(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment the service should see (see the module docstring)."""
    given = {name: value for name, value in environ.items() if not is_expression(value)}
    settled = {name: expand(value, given) for name, value in environ.items()}
    for name in [n for n, v in settled.items() if v == "" and n.startswith(SETTING_PREFIXES)]:
        del settled[name]
    if BOARD_ID not in settled:
        settled[BOARD_ID] = board_id_from_device_name(settled.get(DEVICE_NAME, ""))
    return settled


def board_id_from_device_name(device_name: str) -> str:
    """A valid board id (letters, digits, ``_ - .``, up to 64) from a device name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", device_name.strip()).strip("-_.")[:64]
    return cleaned or FALLBACK_BOARD_ID


def main(argv: list[str]) -> None:
    """Settle the environment and exec ``argv`` (the image's command)."""
    if not argv:
        sys.exit(f"usage: {PROGRAM} COMMAND [ARG...]")
    try:
        environment = settle(os.environ)
    except MissingSetting as exc:
        sys.exit(f"{PROGRAM}: {exc}")
    os.execvpe(argv[0], argv, environment)


if __name__ == "__main__":
    main(sys.argv[1:])
