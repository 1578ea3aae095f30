"""Parsing command payloads: every bad command becomes a :class:`CommandError`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from retroboard_common import strict_json
from retroboard_common.contract import COMMANDS
from retroboard_common.models import (
    MAX_COMMAND_BYTES,
    Command,
    CommandResponse,
    ErrorCode,
    ErrorDetail,
)


class CommandError(Exception):
    """A refused command: nothing was applied. ``code`` tells the kind of refusal."""

    def __init__(
        self, code: ErrorCode, message: str, details: list[ErrorDetail] | None = None
    ) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.details = details

    def response(self, transaction: str | int | None) -> CommandResponse:
        """The ``response/<verb>`` payload for this refusal."""
        return CommandResponse(
            success=False,
            transaction=transaction,
            error=self.message,
            code=self.code,
            details=self.details,
        )


def validation_details(
    error: ValidationError, prefix: Iterable[str | int] = ()
) -> list[ErrorDetail]:
    """Turn a pydantic error into ``[{loc, msg}]`` details."""
    return [
        ErrorDetail(loc=[*prefix, *item["loc"]], msg=item["msg"].removeprefix("Value error, "))
        for item in error.errors()
    ]


def transaction_of(data: Any) -> str | int | None:
    """The caller's transaction id, if ``data`` carries a usable one."""
    if isinstance(data, dict):
        value = data.get("transaction")
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return value
    return None


def decode_command(payload: bytes, max_bytes: int = MAX_COMMAND_BYTES) -> Any:
    """Decode a command's JSON (an empty payload means ``{}``).

    Only standard JSON: ``NaN`` or ``Infinity`` would be saved and then served in state
    no client can parse; nesting past :data:`~retroboard_common.strict_json.MAX_JSON_DEPTH`
    is ``malformed`` too (it used to end in a ``RecursionError``, answered ``internal``).
    """
    if len(payload) > max_bytes:
        raise CommandError("too_large", f"command larger than {max_bytes} bytes")
    if not payload.strip():
        return {}
    try:
        return strict_json.loads(payload)
    except ValueError as exc:
        raise CommandError("malformed", f"command is not valid JSON: {exc}") from None


def parse_command(verb: str, data: Any) -> Command:
    """Validate decoded JSON as the command ``verb``."""
    model = COMMANDS.get(verb)
    if model is None:
        raise CommandError(
            "unknown_verb", f"unknown command {verb!r}; known: {', '.join(COMMANDS)}"
        )
    if not isinstance(data, dict):
        raise CommandError("malformed", "a command is a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc)
        first = details[0]
        where = ".".join(str(part) for part in first.loc) or "command"
        raise CommandError("invalid", f"{where}: {first.msg}", details) from None
