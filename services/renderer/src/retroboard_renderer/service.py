"""The renderer on MQTT: commands in, responses and retained state out.

This is the edge: it parses payloads, dispatches them through a lookup table to the
:class:`Board`, and publishes what changed. Nothing here decides board behaviour.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from retroboard_common.commands import CommandError, decode_command, parse_command, transaction_of
from retroboard_common.contract import VERBS
from retroboard_common.models import (
    MAX_COMMAND_BYTES,
    AssetDataCommand,
    CarouselCommand,
    CommandResponse,
    ConfigCommand,
    CreateAppCommand,
    CustomCommand,
    DeleteAppCommand,
    DeleteAssetCommand,
    NightCommand,
    NotifyCommand,
    PowerCommand,
    PreviewCommand,
    RealtimeCommand,
    RendererHealth,
    SettingsCommand,
    SwitchCommand,
    payload_dict,
)
from retroboard_common.mqtt import MqttClient, Will
from retroboard_common.topics import (
    ASSET_UPLOAD,
    INDEX_ENTRY,
    STATE_NAMES,
    TRANSACTION_PATTERN,
    BoardTopics,
    StateName,
    parse_asset_upload,
    parse_command_topic,
)
from retroboard_renderer.board import Board
from retroboard_renderer.preview import PreviewPublisher

log = logging.getLogger(__name__)

ONLINE = b"online"
OFFLINE = b"offline"


@dataclass
class Outcome:
    """What a command changed, and (AWTRIX pushes) which of its keys were ignored."""

    changed: set[StateName]
    ignored: list[str] | None = None


Handler = Callable[[Any], set[StateName] | Outcome]


class RendererService:
    """Connects one :class:`Board` to the broker."""

    def __init__(
        self, board: Board, mqtt: MqttClient, topics: BoardTopics, preview: PreviewPublisher
    ) -> None:
        self.board = board
        self.mqtt = mqtt
        self.topics = topics
        self.preview = preview
        self.commands: Counter[tuple[str, str]] = Counter()
        """Commands answered, by (verb, result): ``success`` or the error code."""
        self._handlers: dict[str, Handler] = {
            "switch": self._switch,
            "stop": lambda _command: board.stop(),
            "config": self._config,
            "settings": self._settings,
            "carousel": self._carousel,
            "next": lambda _command: board.next(),
            "power": self._power,
            "night": self._night,
            "next_app": lambda _command: board.step_app(1),
            "previous_app": lambda _command: board.step_app(-1),
            "realtime": self._realtime,
            "create_app": self._create_app,
            "delete_app": self._delete_app,
            "delete_asset": self._delete_asset,
            "custom": self._custom,
            "notify": self._notify,
            "dismiss": lambda _command: board.dismiss(),
            "asset_data": self._asset_data,
            "request_state": lambda _command: self.publish_state(STATE_NAMES),
            "preview": self._preview,
        }
        # The contract's verbs and these handlers are the same set, or nothing starts.
        if set(self._handlers) != set(VERBS):
            raise RuntimeError(f"renderer handlers {sorted(self._handlers)} != {sorted(VERBS)}")

    @staticmethod
    def last_will(topics: BoardTopics) -> Will:
        """The retained ``offline`` the broker publishes if the renderer vanishes."""
        return Will(topics.status, OFFLINE)

    def start(self) -> None:
        """Subscribe to commands and connect; state is published on every connect."""
        self.board.on_change(self._publish_changes)
        self.board.store.on_health_change(self.publish_health)
        # A retained command is never run: it would replay at every start (docs/mqtt.md).
        for commands in (
            self.topics.all_commands,
            self.topics.custom_pushes,
            self.topics.cmd("dismiss"),
        ):
            self.mqtt.subscribe(commands, self.handle_command, refuse_retained=True)
        self.mqtt.subscribe(self.topics.asset_uploads, self.handle_upload, refuse_retained=True)
        self.mqtt.on_connect(self._announce)
        self.mqtt.start()

    def stop(self) -> None:
        """Say ``offline`` explicitly, then disconnect."""
        if self.mqtt.connected:
            self.mqtt.publish(self.topics.status, OFFLINE, retain=True).wait_for_publish(2)
        self.mqtt.stop()

    def _announce(self) -> None:
        # State first: whoever sees ``online`` finds the whole state retained already.
        self.publish_state(STATE_NAMES)
        self.publish_health()
        # The board's entry in the fleet index: how a central api finds 10,000 boards
        # on a broker that cuts a single burst of their status short (topics.py).
        self.mqtt.publish(self.topics.index, INDEX_ENTRY, retain=True)
        self.mqtt.publish(self.topics.status, ONLINE, retain=True)

    def publish_health(self) -> None:
        """Publish the retained ``health`` topic (whether the state can be saved)."""
        problem = self.board.store.problem
        health = RendererHealth(store="degraded" if problem else "ok", error=problem)
        self.mqtt.publish_model(self.topics.health, health, retain=True)

    def _publish_changes(self, names: set[StateName]) -> None:
        self.publish_state(names)

    def publish_state(self, names: set[StateName] | tuple[StateName, ...]) -> set[StateName]:
        """Publish the retained state topics named (in a stable order)."""
        for name in STATE_NAMES:
            if name in names:
                self.mqtt.publish_model(
                    self.topics.state(name), self.board.payload(name), retain=True
                )
        return set(names)

    def handle_command(self, topic: str, payload: bytes) -> None:
        """Apply one command and answer it on ``response/<verb>``, whatever happens."""
        parsed = parse_command_topic(topic)
        verb = parsed.verb if parsed else ""
        transaction = None
        try:
            spec = VERBS.get(verb)
            data = decode_command(payload, spec.max_bytes if spec else MAX_COMMAND_BYTES)
            transaction = transaction_of(data)
            if parsed and parsed.name is not None:
                # cmd/custom/<name>: AWTRIX's bare JSON (an object, an array or nothing).
                outcome = Outcome(*self.board.push_custom(parsed.name, data, "mqtt"))
            else:
                command = parse_command(verb, data)
                outcome = self._outcome(self._handlers[verb](command))
            response = CommandResponse(
                success=True,
                transaction=transaction,
                state={
                    name: self._state_dict(name) for name in STATE_NAMES if name in outcome.changed
                },
                ignored=outcome.ignored,
            )
        except CommandError as exc:
            log.info("refused %s command: %s", verb, exc.message)
            response = exc.response(transaction)
        except Exception:
            log.exception("%s command failed", verb)
            response = CommandError("internal", "internal error; see the renderer log").response(
                transaction
            )
        # Answered only once the change is durable (at once for a lone change; a burst's
        # changes wait for the journal's next group commit).
        topic = self.topics.response(verb or "unknown")
        self._count(verb, response)
        self.board.store.after_saved(lambda: self.mqtt.publish_model(topic, response))

    def handle_upload(self, topic: str, payload: bytes) -> None:
        """Store an image published to ``cmd/asset/<name>[/<transaction>]`` and answer
        on ``response/asset`` (with the library's new state), whatever happens."""
        upload = parse_asset_upload(topic)
        transaction = upload.transaction if upload else None
        try:
            if upload is None:
                raise CommandError(
                    "malformed", "upload to cmd/asset/<name> or cmd/asset/<name>/<transaction>"
                )
            # The board's change listener publishes state/assets, before this answer.
            info = self.board.put_asset(upload.name, payload)
            response = CommandResponse(
                success=True,
                transaction=transaction,
                state={"asset": info.model_dump(), "assets": self._state_dict("assets")},
            )
        except CommandError as exc:
            log.info("refused an image upload: %s", exc.message)
            response = exc.response(transaction)
        except Exception:
            log.exception("an image upload failed")
            response = CommandError("internal", "internal error; see the renderer log").response(
                transaction
            )
        self._count(ASSET_UPLOAD, response)
        self.mqtt.publish_model(self.topics.response(ASSET_UPLOAD), response)

    def _count(self, verb: str, response: CommandResponse) -> None:
        # Unknown verbs are anybody's topic names: one label for them all.
        known = verb if verb in VERBS or verb == ASSET_UPLOAD else "unknown"
        result = "success" if response.success else str(response.code or "error")
        self.commands[(known, result)] += 1

    def _state_dict(self, name: StateName) -> dict[str, Any]:
        return payload_dict(self.board.payload(name))

    @staticmethod
    def _outcome(result: set[StateName] | Outcome) -> Outcome:
        return result if isinstance(result, Outcome) else Outcome(result)

    # --- handlers: one per verb, each a thin call into the board ---------------------

    def _switch(self, command: SwitchCommand) -> set[StateName]:
        return self.board.switch(command.app, command.config)

    def _config(self, command: ConfigCommand) -> set[StateName]:
        return self.board.configure(command.app, command.config)

    def _settings(self, command: SettingsCommand) -> set[StateName]:
        return self.board.update_settings(command)

    def _power(self, command: PowerCommand) -> set[StateName]:
        return self.board.set_power(command.power)

    def _night(self, command: NightCommand) -> set[StateName]:
        return self.board.set_night(command)

    def _custom(self, command: CustomCommand) -> Outcome:
        return Outcome(*self.board.push_custom(command.name, command.app, "api"))

    def _notify(self, command: NotifyCommand) -> Outcome:
        return Outcome(*self.board.notify(command.model_extra or {}))

    def _carousel(self, command: CarouselCommand) -> set[StateName]:
        return self.board.set_carousel(command.enabled, command.apps, command.fallback)

    def _realtime(self, command: RealtimeCommand) -> set[StateName]:
        return self.board.set_realtime(command.enabled)

    def _create_app(self, command: CreateAppCommand) -> set[StateName]:
        return self.board.create_app(command.id, command.type, command.config)

    def _delete_app(self, command: DeleteAppCommand) -> set[StateName]:
        return self.board.delete_app(command.id)

    def _delete_asset(self, command: DeleteAssetCommand) -> set[StateName]:
        return self.board.delete_asset(command.name)

    def _asset_data(self, command: AssetDataCommand) -> set[StateName]:
        transaction = command.transaction
        if not isinstance(transaction, str) or not TRANSACTION_PATTERN.match(transaction):
            raise CommandError(
                "malformed", "asset_data needs a transaction of letters and digits (its topic)"
            )
        library = self.board.assets
        if library is None:
            raise CommandError("unknown_asset", "this board has no image library")
        stored = library.get(command.name)
        # The bytes go to asset_data/<transaction>; the JSON answer follows on the same
        # connection, so whoever waits for it has the bytes already.
        self.mqtt.publish(self.topics.asset_data(transaction), stored[0], qos=1)
        return set()

    def _preview(self, command: PreviewCommand) -> set[StateName]:
        self.preview.watch(command.ttl)
        self.board.engine.wake()
        return set()
