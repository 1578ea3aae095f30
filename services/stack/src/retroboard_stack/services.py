"""The services the local stack runs, and the environment each one gets."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final


@dataclass(frozen=True)
class Service:
    """One console script run as a child process."""

    name: str
    script: str


# In start order; the api is just one more entry.
SERVICES: Final = (
    Service("renderer", "retroboard-renderer"),
    Service("api", "retroboard-api"),
    Service("bridge", "retroboard-bridge"),
)
SERVICE_NAMES: Final = tuple(service.name for service in SERVICES)


def select(names: list[str]) -> list[Service]:
    """The services named (in start order); raises ``ValueError`` for an unknown name."""
    unknown = sorted(set(names) - set(SERVICE_NAMES))
    if unknown:
        raise ValueError(f"unknown service {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}")
    return [service for service in SERVICES if service.name in names]


def find_script(script: str) -> str | None:
    """The console script's path: next to this Python first (same virtualenv), then PATH."""
    beside = Path(sys.executable).parent / script
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(script)


@dataclass(frozen=True)
class StackEnv:
    """What every service of the stack is told, by environment variable."""

    mqtt_url: str
    board_id: str
    state_dir: Path
    display: str
    api_host: str
    api_port: int
    mqtt_protocol: str | None = None
    """``MQTT_PROTOCOL`` to set (``None``: the environment's, or the services' default)."""

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) plus the stack's settings."""
        return {
            **(os.environ if base is None else base),
            "MQTT_URL": self.mqtt_url,
            **({"MQTT_PROTOCOL": self.mqtt_protocol} if self.mqtt_protocol else {}),
            "RETROBOARD_BOARD_ID": self.board_id,
            "RETROBOARD_STATE_DIR": str(self.state_dir),
            "RETROBOARD_DISPLAY": self.display,
            "RETROBOARD_API_HOST": self.api_host,
            "RETROBOARD_API_PORT": str(self.api_port),
            # Output goes through a pipe to honcho; unbuffered, it shows up at once.
            "PYTHONUNBUFFERED": "1",
        }
