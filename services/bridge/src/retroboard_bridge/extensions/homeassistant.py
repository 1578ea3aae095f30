"""Announce every board to Home Assistant and carry commands and states both ways.

Discovery configs and entity states are retained and republished when Home
Assistant's birth message (``<prefix>/status`` = ``online``) arrives. A command on an
entity's command topic becomes a RetroBoard command on the renderer's ``cmd/<verb>``
topic, the same path REST uses; a refused payload is logged and answered on the
entity's ``response`` topic, and nothing is sent.
"""

from __future__ import annotations

import json
import logging
import threading

from retroboard_bridge.events import BoardRemoved, EventBus, StateChanged
from retroboard_bridge.extensions.base import Extension
from retroboard_bridge.homeassistant.commands import translate, verb_of
from retroboard_bridge.homeassistant.discovery import Config, Origin, discovery_configs
from retroboard_bridge.homeassistant.entities import ENTITIES
from retroboard_bridge.homeassistant.topics import (
    ALL_HA_COMMANDS,
    HassTopics,
    birth_topic,
    parse_command_topic,
)
from retroboard_bridge.homeassistant.view import BoardView
from retroboard_common.commands import CommandError
from retroboard_common.models import dump_payload
from retroboard_common.mqtt import MqttClient
from retroboard_common.topics import BoardTopics

log = logging.getLogger(__name__)

ONLINE = b"online"


def removal_topics(board_id: str, prefix: str) -> list[str]:
    """Every retained topic the integration may have published for a board."""
    topics = HassTopics(board_id, prefix)
    discovery = [topics.discovery(e.component, e.key) for e in ENTITIES]
    states = [topics.state(e.key) for e in ENTITIES if e.component != "button"]
    return discovery + states


class HomeAssistantDiscovery(Extension):
    """The Home Assistant side of the bridge, for every board on the broker."""

    def __init__(
        self, bus: EventBus, mqtt: MqttClient, prefix: str, origin: Origin | None = None
    ) -> None:
        super().__init__(bus)
        self.mqtt = mqtt
        self.prefix = prefix
        self.origin = origin or Origin()
        self._boards: dict[str, BoardView] = {}
        self._advertised: dict[str, dict[str, Config]] = {}
        self._published: dict[str, bytes] = {}
        self._lock = threading.RLock()
        self._stopped = False

    def start(self) -> None:
        """Listen for state changes, HA's birth message and HA commands."""
        self.bus.on(self, StateChanged, self._on_state)
        self.bus.on(self, BoardRemoved, self._on_removed)
        self.mqtt.subscribe(birth_topic(self.prefix), self._on_birth)
        # A retained HA command would replay at every bridge start: refused and cleared.
        self.mqtt.subscribe(ALL_HA_COMMANDS, self._on_command, refuse_retained=True)
        # after a broker restart that lost retained messages, announce again
        self.mqtt.on_connect(self._announce_all)

    def stop(self) -> None:
        """Stop listening on the bus (MQTT handlers end with the connection)."""
        super().stop()
        self._stopped = True

    # --- board state → HA ---------------------------------------------------------

    def _on_state(self, event: StateChanged) -> None:
        with self._lock:
            view = self._boards.setdefault(event.board, BoardView())
            if view.update(event.name, event.payload):
                self._sync(event.board, view, force=False)

    def _on_birth(self, _topic: str, payload: bytes) -> None:
        if payload.strip() == ONLINE:
            log.info("Home Assistant is online: announcing %d board(s)", len(self._boards))
            self._announce_all()

    def _announce_all(self) -> None:
        """Publish every known board's discovery and state again."""
        if self._stopped:
            return
        with self._lock:
            for board, view in self._boards.items():
                self._sync(board, view, force=True)

    def _sync(self, board: str, view: BoardView, *, force: bool) -> None:
        """Publish what changed (everything when ``force``): discovery first, so HA
        subscribes to the state topics before their retained states matter."""
        configs = discovery_configs(board, view, self.prefix, self.origin)
        before = self._advertised.get(board, {})
        if force or configs != before:
            for topic in before.keys() - configs.keys():
                self._retain(topic, b"")  # an entity went away (e.g. its app did)
            for topic, config in configs.items():
                self._retain(topic, _json(config), force=force)
            self._advertised[board] = configs
        if not configs:
            return
        topics = HassTopics(board, self.prefix)
        for entity, state in view.entity_states().items():
            self._retain(topics.state(entity), state.encode(), force=force)

    def _retain(self, topic: str, payload: bytes, *, force: bool = True) -> None:
        if not force and self._published.get(topic) == payload:
            return
        self.mqtt.publish(topic, payload, retain=True)
        if payload:
            self._published[topic] = payload
        else:
            self._published.pop(topic, None)

    def _on_removed(self, event: BoardRemoved) -> None:
        with self._lock:
            self._boards.pop(event.board, None)
            self._advertised.pop(event.board, None)
            for topic in removal_topics(event.board, self.prefix):
                self._retain(topic, b"")
        log.info("board %s left: its Home Assistant entities are removed", event.board)

    # --- HA → board -------------------------------------------------------------------

    def _on_command(self, topic: str, payload: bytes) -> None:
        parsed = parse_command_topic(topic)
        if parsed is None or self._stopped:
            return
        board, entity = parsed
        with self._lock:
            view = self._boards.get(board) or BoardView()
            try:
                commands = translate(entity, payload, view)
            except CommandError as exc:
                log.warning("refused Home Assistant %s command for %s: %s", entity, board, exc)
                response = dump_payload(exc.response(None))
                self.mqtt.publish(HassTopics(board, self.prefix).response(entity), response)
                return
        for command in commands:
            self.mqtt.publish_model(BoardTopics(board).cmd(verb_of(command)), command)


def _json(config: Config) -> bytes:
    return json.dumps(config, separators=(",", ":")).encode()
