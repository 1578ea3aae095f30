"""The Home Assistant entities of one board: what each is called and how it looks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Entity:
    """One entity: its key (object id and topic level), HA component, name and icon."""

    key: str
    component: str
    name: str | None
    icon: str | None = None
    needs_app: str | None = None  # only advertised when the board has this app


LIGHT: Final = Entity("display", "light", None)  # named after the device
APP_SELECT: Final = Entity("app", "select", "App", "mdi:apps")
MESSAGE: Final = Entity("message", "text", "Scroll text", "mdi:message-text", "scroll_text")
CAROUSEL: Final = Entity("carousel", "switch", "Carousel", "mdi:view-carousel")
NEXT: Final = Entity("next", "button", "Next app", "mdi:skip-next")
REALTIME: Final = Entity("realtime", "switch", "Realtime streams", "mdi:led-strip-variant")
NIGHT: Final = Entity("night", "switch", "Night mode", "mdi:weather-night")
CURRENT_APP: Final = Entity("current_app", "sensor", "Current app", "mdi:monitor")
NOTIFY: Final = Entity("notify", "notify", "Notification", "mdi:message-alert")
DISMISS: Final = Entity("dismiss", "button", "Dismiss notification", "mdi:message-off")

ENTITIES: Final[tuple[Entity, ...]] = (
    LIGHT,
    APP_SELECT,
    MESSAGE,
    CAROUSEL,
    NEXT,
    REALTIME,
    NIGHT,
    CURRENT_APP,
    NOTIFY,
    DISMISS,
)
BY_KEY: Final[dict[str, Entity]] = {entity.key: entity for entity in ENTITIES}

# Payload words of the HA components (their defaults, spelled out once).
ON: Final = "ON"
OFF: Final = "OFF"
BUTTON_PRESS: Final = "PRESS"
STATELESS: Final = frozenset({"button", "notify"})
"""Components HA only commands: they have no state topic."""
NONE: Final = "None"  # HA reads this as "unknown" for select
STOPPED: Final = "stopped"  # the sensor's value when no app runs
MESSAGE_APP: Final = "scroll_text"
HA_MAX_STATE: Final = 255  # HA keeps at most 255 characters of an entity's state
