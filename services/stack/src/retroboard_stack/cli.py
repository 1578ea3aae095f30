"""``retroboard``: run the whole RetroBoard stack locally, or watch a board live.

retroboard up        embedded MQTT broker + renderer + api + bridge, until Ctrl+C
retroboard monitor   print every state event of the boards on a broker
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from retroboard_common.cli import settings_from_args
from retroboard_common.settings import ServiceSettings, load_settings
from retroboard_common.topics import is_valid_board_id
from retroboard_stack.monitor import run_monitor
from retroboard_stack.services import SERVICE_NAMES, select
from retroboard_stack.up import PROGRAM, UpSettings, run_up

# The ``up`` flags that override a setting of the same name.
UP_SETTING_FLAGS = ("port", "host", "mqtt_url", "state_dir", "board_id", "display")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The ``up`` and ``monitor`` subcommands and their flags."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="run the whole stack locally until Ctrl+C")
    up.add_argument("--port", type=int, help="dashboard/api HTTP port (RETROBOARD_API_PORT, 5000)")
    up.add_argument("--host", help="address the api listens on (RETROBOARD_API_HOST, 127.0.0.1)")
    up.add_argument("--mqtt-url", help="use this broker instead of the embedded one (MQTT_URL)")
    up.add_argument(
        "--state-dir", type=Path, help="state folder (RETROBOARD_STATE_DIR; ./state or XDG)"
    )
    up.add_argument("--board-id", help="board id (RETROBOARD_BOARD_ID; the hostname)")
    up.add_argument(
        "--display",
        choices=["emulator", "hzeller", "piomatter"],
        help="display driver (RETROBOARD_DISPLAY, emulator)",
    )
    up.add_argument(
        "--services",
        default=",".join(SERVICE_NAMES),
        help=f"comma-separated services to run (default {','.join(SERVICE_NAMES)})",
    )

    monitor = commands.add_parser("monitor", help="print every state event live")
    monitor.add_argument("mqtt_url", nargs="?", metavar="MQTT_URL", help="broker (MQTT_URL)")
    monitor.add_argument("--board", help="only this board")
    monitor.add_argument(
        "--all", action="store_true", help="also print repeats of an unchanged payload"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``retroboard``."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROGRAM}: %(name)s: %(message)s")
    if args.command == "up":
        settings = settings_from_args(UpSettings, PROGRAM, args, *UP_SETTING_FLAGS)
        try:
            services = select([name.strip() for name in args.services.split(",") if name.strip()])
        except ValueError as exc:
            raise SystemExit(f"{PROGRAM}: --services: {exc}") from None
        sys.exit(run_up(settings, services))
    common = load_settings(ServiceSettings, f"{PROGRAM} monitor", mqtt_url=args.mqtt_url)
    if args.board is not None and not is_valid_board_id(args.board):
        raise SystemExit(f"{PROGRAM} monitor: {args.board!r} is not a valid board id")
    sys.exit(run_monitor(common.mqtt, args.board, show_all=args.all))
