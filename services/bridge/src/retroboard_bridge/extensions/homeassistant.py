"""Announce every board to Home Assistant and carry commands and states both ways.

Discovery configs and entity states are retained. A board seen for the first time, or
whose discovery configs changed (its apps did), is queued for the
:class:`~retroboard_bridge.homeassistant.announcer.Announcer`, which sends boards at a
bounded rate and only what the broker lacks; the live states of an announced board go
out at once. Home Assistant's birth message (``<prefix>/status`` = ``online``) only
makes the announcer check its marker: HA re-reads what is retained by itself.

A command on an entity's command topic becomes a RetroBoard command on the renderer's
``cmd/<verb>`` topic, the same path REST uses; a refused payload is logged and answered
on the entity's ``response`` topic, and nothing is sent.
"""

from __future__ import annotations

import json
import logging
import threading

from retroboard_bridge.events import BoardRemoved, EventBus, StateChanged
from retroboard_bridge.extensions.base import Extension
from retroboard_bridge.homeassistant.announcer import (
    Announcement,
    Announcer,
    TokenBucket,
    digest_of,
)
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
DEFAULT_RATE = 500.0


def removal_topics(board_id: str, prefix: str) -> list[str]:
    """Every retained topic the integration may have published for a board."""
    topics = HassTopics(board_id, prefix)
    discovery = [topics.discovery(e.component, e.key) for e in ENTITIES]
    states = [topics.state(e.key) for e in ENTITIES if e.component != "button"]
    return discovery + states


class HomeAssistantDiscovery(Extension):
    """The Home Assistant side of the bridge, for every board on the broker."""

    def __init__(
        self,
        bus: EventBus,
        mqtt: MqttClient,
        prefix: str,
        origin: Origin | None = None,
        *,
        rate: float = DEFAULT_RATE,
    ) -> None:
        super().__init__(bus)
        self.mqtt = mqtt
        self.prefix = prefix
        self.origin = origin or Origin()
        self._boards: dict[str, BoardView] = {}
        self._lock = threading.RLock()
        self._stopped = False
        self.announcer = Announcer(
            self,
            lambda topic, payload, retain: self._send(topic, payload, retain),
            lambda: self.mqtt.connected,
            prefix,
            TokenBucket(rate),
        )

    def start(self) -> None:
        """Listen for state changes, HA's birth message and HA commands; start announcing."""
        self.bus.on(self, StateChanged, self._on_state)
        self.bus.on(self, BoardRemoved, self._on_removed)
        self.mqtt.subscribe(birth_topic(self.prefix), self._on_birth)
        self.mqtt.subscribe(self.announcer.fence, lambda _t, p: self.announcer.on_fence(p))
        self._subscribe_marker()
        # A retained HA command would replay at every bridge start: refused and cleared.
        self.mqtt.subscribe(ALL_HA_COMMANDS, self._on_command, refuse_retained=True)
        # After a broker restart that lost retained messages the marker is gone too.
        self.mqtt.on_connect(self._check)
        self.mqtt.on_disconnect(self.announcer.disconnected)
        self.announcer.start()

    def stop(self) -> None:
        """Stop listening on the bus and announcing (MQTT handlers end with the connection)."""
        super().stop()
        self._stopped = True
        self.announcer.stop()

    # --- the announcer's fleet ------------------------------------------------------------

    def boards(self) -> list[str]:
        """Every board known now."""
        with self._lock:
            return list(self._boards)

    def compose(self, board: str) -> Announcement | None:
        """The board's discovery configs and states now (``None`` until its apps are known)."""
        with self._lock:
            view = self._boards.get(board)
            configs = self._configs(board, view) if view else {}
            if view is None or not configs:
                return None
            return Announcement(configs, self._states(board, view))

    def _configs(self, board: str, view: BoardView) -> dict[str, bytes]:
        configs = discovery_configs(board, view, self.prefix, self.origin)
        return {topic: _json(config) for topic, config in configs.items()}

    def _states(self, board: str, view: BoardView) -> dict[str, bytes]:
        topics = HassTopics(board, self.prefix)
        return {topics.state(e): s.encode() for e, s in view.entity_states().items()}

    # --- board state → HA ---------------------------------------------------------

    def _on_state(self, event: StateChanged) -> None:
        board = event.board
        with self._lock:
            view = self._boards.setdefault(board, BoardView())
            if not view.update(event.name, event.payload):
                return
            if not self.announcer.announced(board):
                self.announcer.queue(board)  # its turn sends everything it lacks
                return
            if event.name in ("apps_list", "app_types"):
                configs = self._configs(board, view)
                if digest_of(configs) != self.announcer.config_digest(board):
                    self.announcer.queue(board)
                    return
            self.announcer.update_states(board, self._states(board, view))

    def _on_birth(self, _topic: str, payload: bytes) -> None:
        if payload.strip() == ONLINE:
            log.info("Home Assistant is online: checking that the broker kept its discovery")
            self._check()

    def _check(self) -> None:
        if not self._stopped:
            self._subscribe_marker()  # again: the broker sends its retained copy
            self.announcer.check()

    def _subscribe_marker(self) -> None:
        self.mqtt.subscribe(self.announcer.marker, lambda _t, p: self.announcer.on_marker(p))

    def _send(self, topic: str, payload: bytes, retain: bool) -> None:
        self.mqtt.publish(topic, payload, retain=retain)

    def _on_removed(self, event: BoardRemoved) -> None:
        with self._lock:
            self._boards.pop(event.board, None)
            self.announcer.discard(event.board)
            for topic in removal_topics(event.board, self.prefix):
                self.mqtt.publish(topic, b"", retain=True)
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
