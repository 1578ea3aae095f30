"""``retroboard-bridge``: mirror every board's MQTT state to Socket.IO and Home
Assistant until stopped; ``retroboard-bridge forget BOARD`` removes a board."""

from __future__ import annotations

import argparse
import logging

from retroboard_bridge.forget import ForgetFailed, forget_board
from retroboard_bridge.service import bridge_connection, build_bridge
from retroboard_bridge.settings import BridgeSettings
from retroboard_common.cli import settings_from_args, wait_for_stop
from retroboard_common.logs import configure_logging
from retroboard_common.sio_queue import MqttManager, QueueUnavailable, create_manager
from retroboard_common.topics import is_valid_board_id

PROGRAM = "retroboard-bridge"
log = logging.getLogger(PROGRAM)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; each overrides its environment variable."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    parser.add_argument("--mqtt-url", help="broker URL (MQTT_URL)")
    parser.add_argument(
        "--socketio-message-queue",
        help="'mqtt', mqtt://… or redis://… (SOCKETIO_MESSAGE_QUEUE)",
    )
    parser.add_argument(
        "--ha-discovery-prefix",
        help="Home Assistant discovery prefix (RETROBOARD_HA_DISCOVERY_PREFIX)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    forget = commands.add_parser(
        "forget",
        help="remove a board: its Home Assistant entities and retained state",
        description="Clear a board's Home Assistant discovery and its retained MQTT state.",
    )
    forget.add_argument("board", help="the board id")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``retroboard-bridge``."""
    args = parse_args(argv)
    settings = settings_from_args(
        BridgeSettings, PROGRAM, args, "mqtt_url", "socketio_message_queue", "ha_discovery_prefix"
    )
    configure_logging(settings.log_level, [settings.mqtt.password])
    if args.command == "forget":
        forget(settings, args.board)
    else:
        run(settings)


def forget(settings: BridgeSettings, board: str) -> None:
    """``retroboard-bridge forget BOARD``."""
    if not is_valid_board_id(board):
        raise SystemExit(f"{PROGRAM}: {board!r} is not a valid board id")
    try:
        topics = forget_board(settings.mqtt, board, settings.ha_discovery_prefix)
    except ForgetFailed as exc:
        raise SystemExit(f"{PROGRAM}: {exc}") from None
    print(f"{PROGRAM}: forgot board {board!r} ({len(topics)} retained topics cleared)")


def run(settings: BridgeSettings) -> None:
    """Run the bridge until SIGTERM or Ctrl+C."""
    mqtt = bridge_connection(settings)
    try:
        # On the services' broker the queue shares the bridge's connection: an event
        # leaves on the thread that read its state, at once.
        manager = create_manager(settings, write_only=True, client=mqtt)
    except QueueUnavailable as exc:
        raise SystemExit(f"{PROGRAM}: {exc}") from None

    bridge = build_bridge(settings, manager, mqtt)
    bridge.start()
    log.info(
        "mirroring %s to Socket.IO via %s%s",
        settings.mqtt.redacted(),
        "MQTT" if isinstance(manager, MqttManager) else "Redis",
        f" and to Home Assistant ({settings.ha_discovery_prefix}/…)"
        if settings.ha_discovery
        else "",
    )

    wait_for_stop()
    log.info("stopping")
    if isinstance(manager, MqttManager):
        manager.close()  # what is queued goes out first, on the connection still open
    bridge.stop()
