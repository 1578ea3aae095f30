"""``retroboard-bridge``: mirror every board's MQTT state to Socket.IO until stopped."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from retroboard_bridge.service import build_bridge
from retroboard_bridge.settings import BridgeSettings
from retroboard_common.settings import load_settings
from retroboard_common.sio_queue import MqttManager, QueueUnavailable, create_manager

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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``retroboard-bridge``."""
    args = parse_args(argv)
    settings = load_settings(
        BridgeSettings,
        PROGRAM,
        mqtt_url=args.mqtt_url,
        socketio_message_queue=args.socketio_message_queue,
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        manager = create_manager(settings, write_only=True)
    except QueueUnavailable as exc:
        raise SystemExit(f"{PROGRAM}: {exc}") from None

    bridge = build_bridge(settings, manager)
    bridge.start()
    log.info(
        "mirroring %s to Socket.IO via %s",
        settings.mqtt.redacted(),
        "MQTT" if isinstance(manager, MqttManager) else "Redis",
    )

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    log.info("stopping")
    bridge.stop()
    if isinstance(manager, MqttManager):
        manager.close()
