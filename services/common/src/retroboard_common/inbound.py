"""Checks on what the broker hands a service, before it is kept or passed on.

Anyone with broker credentials can publish on a board's topics, retained too. The api
serves what it caches and the bridge forwards what it mirrors to every dashboard and
to Home Assistant, so both take a payload only when it is within its topic's size
limit, standard JSON (no ``NaN``, not absurdly deep) and fits the contract's model;
otherwise they keep the last good value and log once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from retroboard_common import strict_json
from retroboard_common.contract import STATES
from retroboard_common.logs import LogOnce
from retroboard_common.models import MAX_STATUS_BYTES, Payload
from retroboard_common.topics import StateName

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

STATUS_VALUES = {b"online": True, b"offline": False}


class Rejected(ValueError):
    """A payload that was not taken; the message says why."""


def check_size(payload: bytes, limit: int) -> bytes:
    """``payload``, refused when over ``limit`` bytes."""
    if len(payload) > limit:
        raise Rejected(f"{len(payload)} bytes, over its limit of {limit}")
    return payload


def decode_model(model: type[M], payload: bytes, limit: int) -> M:
    """``payload`` as ``model``: within ``limit`` bytes, strict JSON, valid."""
    check_size(payload, limit)
    try:
        data = strict_json.loads(payload)
    except ValueError as exc:
        raise Rejected(f"not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise Rejected(f"does not fit {model.__name__}: {where}: {first['msg']}") from None


def decode_state(name: StateName, payload: bytes) -> Payload:
    """A ``state/<name>`` payload as its model; :class:`Rejected` when it is not one."""
    state = STATES[name]
    return decode_model(state.model, payload, state.max_bytes)


def decode_status(payload: bytes) -> bool:
    """``online`` → ``True``, ``offline`` → ``False``; anything else is refused."""
    check_size(payload, MAX_STATUS_BYTES)
    online = STATUS_VALUES.get(payload.strip())
    if online is None:
        raise Rejected(f"{payload[:20]!r} is neither online nor offline")
    return online


class Refusals:
    """What a consumer refuses from the broker, logged once per topic."""

    def __init__(self, logger: logging.Logger) -> None:
        self._once = LogOnce(logger)

    def take(self, topic: str, decode: Callable[[], T]) -> T | None:
        """What ``decode()`` returns; ``None`` if it raised :class:`Rejected`, which is
        logged (a warning the first time for ``topic``, until it carries a good one)."""
        try:
            value = decode()
        except Rejected as exc:
            self._once.warning(topic, "ignoring %s: %s", topic, exc)
            return None
        self._once.forget(topic)
        return value
