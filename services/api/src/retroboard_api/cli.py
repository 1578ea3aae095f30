"""``retroboard-api``: serve the REST API, Socket.IO and the dashboard under gunicorn."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from retroboard_api.server import ApiServer
from retroboard_api.settings import ApiSettings
from retroboard_common.cli import settings_from_args
from retroboard_common.logs import configure_logging
from retroboard_common.ports import port_problem

PROGRAM = "retroboard-api"
# The flags that override a setting of the same name.
SETTING_FLAGS = ("host", "port", "mqtt_url", "board_id", "workers", "worker_class")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; each overrides its environment variable."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    parser.add_argument("--host", help="address to listen on (RETROBOARD_API_HOST)")
    parser.add_argument("--port", type=int, help="HTTP port (RETROBOARD_API_PORT)")
    parser.add_argument("--mqtt-url", help="broker URL (MQTT_URL)")
    parser.add_argument("--board-id", help="default board (RETROBOARD_BOARD_ID)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (RETROBOARD_API_WORKERS)")
    parser.add_argument(
        "--worker-class", choices=["gevent", "gthread"], help="(RETROBOARD_API_WORKER_CLASS)"
    )
    return parser.parse_args(argv)


def queue_problem(settings: ApiSettings) -> str | None:
    """Why the configured Socket.IO queue cannot work here, or ``None``."""
    if settings.redis_queue and importlib.util.find_spec("redis") is None:
        return "SOCKETIO_MESSAGE_QUEUE is a Redis URL but the redis package is not installed"
    return None


def load_api_settings(argv: list[str] | None = None) -> ApiSettings:
    """The settings from the environment and the command line (exits 2 if invalid)."""
    args = parse_args(argv)
    return settings_from_args(ApiSettings, PROGRAM, args, *SETTING_FLAGS)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``retroboard-api``: check, then run gunicorn in this process."""
    settings = load_api_settings(argv)
    configure_logging(settings.log_level, [settings.mqtt.password, settings.api_token])
    problem = queue_problem(settings) or port_problem(
        settings.host, settings.port, "change RETROBOARD_API_PORT"
    )
    if problem:
        print(f"{PROGRAM}: {problem}", file=sys.stderr)
        raise SystemExit(2)
    ApiServer(settings).run()
