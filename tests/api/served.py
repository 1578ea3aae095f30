"""What the api serves of a state payload: the contract model's form (defaults filled).

The fakes publish payloads as an older renderer wrote them; the api's cache keeps the
model's parse of them, so fields added to the contract since read as their defaults.
"""

from __future__ import annotations

from typing import Any

from retroboard_common.contract import STATES
from retroboard_common.topics import StateName


def served(name: StateName, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` of ``state/<name>`` as the api sends it on (REST and Socket.IO)."""
    return STATES[name].model.model_validate(payload).model_dump(mode="json")
