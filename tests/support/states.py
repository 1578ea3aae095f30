"""State payloads as a renderer publishes them, for tests that compare them whole."""

from __future__ import annotations

from typing import Any

from retroboard_common.models import SettingsState, payload_dict


def settings_state(brightness: int, *, power: bool = True) -> dict[str, Any]:
    """``state/settings`` with ``brightness`` and ``power`` and every other setting
    at its default."""
    return payload_dict(SettingsState(brightness=brightness, power=power))
